"""Durations (``60s``, ``1h30m``) and points in time (``2h`` ago or ISO 8601), parsed strictly."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$")
# Longer than any retention or interval anyone means, and short enough that adding it to now
# (a lease, a retention cut-off) stays inside datetime's years 1..9999.
MAX_DURATION = timedelta(days=36500)


def parse_duration(text: str) -> timedelta:
    """``"90s"``, ``"1h30m"``, ``"500ms"``, ``"7d"``. Raises ValueError with the accepted forms."""
    value = text.strip()
    if not _WHOLE.match(value):
        raise ValueError(
            f"invalid duration {text!r}: "
            "use a number with a unit, e.g. 500ms, 30s, 5m, 2h, 7d, 1h30m"
        )
    total = timedelta()
    try:
        for number, unit in _PART.findall(value):
            total += float(number) * _UNITS[unit]
    except OverflowError:
        raise ValueError(f"invalid duration {text!r}: too long") from None
    if total > MAX_DURATION:
        raise ValueError(f"invalid duration {text!r}: too long (at most 36500d, 100 years)")
    if total <= timedelta():
        raise ValueError(f"invalid duration {text!r}: must be greater than zero")
    return total


def format_duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:g}s"


def parse_time(text: str, now: datetime) -> datetime:
    """A duration means that long before ``now``; otherwise an ISO 8601 time (UTC if naive)."""
    value = text.strip()
    if _WHOLE.match(value):
        return now - parse_duration(value)  # at most MAX_DURATION: never before year 1
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"invalid time {text!r}: use a duration such as 2h (meaning 2 hours ago) "
            "or an ISO 8601 time such as 2026-05-08T14:00:00Z"
        ) from None
    return _as_utc(parsed, text)


def _as_utc(parsed: datetime, text: str) -> datetime:
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"invalid time {text!r}: out of range") from None


def parse_instant(text: str) -> datetime:
    """An ISO 8601 time only (UTC if naive): for config values that must not drift with now."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"invalid time {text!r}: use ISO 8601, e.g. 2026-05-08T14:00:00Z"
        ) from None
    return _as_utc(parsed, text)


def iso_z(value: datetime | None) -> str | None:
    """A timestamp as every output shows it: ISO 8601 in UTC with ``Z`` (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
