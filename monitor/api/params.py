"""Query-parameter parsing for the API: every bad value is a 400 with a message, never a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from monitor.config.timeparse import parse_time
from monitor.errors import BadRequest as BadRequest  # its old home; it lives in errors now
from monitor.storage.params import Cursor

MAX_LIMIT = 500
OUTCOMES = ("pass", "drift", "fail", "skipped")
EVENT_STATES = ("suspected", "open", "resolved")


def _clean(name: str, value: str) -> str:
    if "\x00" in value:
        raise BadRequest(f"{name}: NUL characters are not allowed")
    if len(value) > 500:
        raise BadRequest(f"{name}: at most 500 characters")
    return value


def strings(q: QueryParams, name: str) -> tuple[str, ...]:
    return tuple(_clean(name, v) for v in q.getlist(name) if v != "")


def choices(q: QueryParams, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = strings(q, name)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise BadRequest(f"{name}: {bad[0]!r} is not one of {', '.join(allowed)}")
    return values


def ints(q: QueryParams, name: str, low: int, high: int) -> tuple[int, ...]:
    out = []
    for value in strings(q, name):
        if not value.strip().lstrip("-").isdigit() or len(value) > 6:
            raise BadRequest(f"{name}: {value!r} is not an integer")
        number = int(value)
        if not low <= number <= high:
            raise BadRequest(f"{name}: {number} is outside {low}..{high}")
        out.append(number)
    return tuple(out)


def limit(q: QueryParams, default: int = 50) -> int:
    values = ints(q, "limit", 1, MAX_LIMIT)
    return values[-1] if values else default


def time_param(q: QueryParams, name: str, now: datetime) -> datetime | None:
    values = strings(q, name)
    if not values:
        return None
    try:
        return parse_time(values[-1], now)
    except (ValueError, OverflowError) as exc:
        raise BadRequest(f"{name}: {exc}") from None


def cursor(q: QueryParams) -> Cursor | None:
    values = strings(q, "cursor")
    if not values:
        return None
    try:
        return Cursor.decode(values[-1])
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def one(q: QueryParams, name: str) -> str | None:
    values = strings(q, name)
    return values[-1] if values else None


def page(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}
