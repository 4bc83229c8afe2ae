"""Alert policy, pure: which severities reach which kind of sink, and what is held back.

- ``breaking`` pages (PagerDuty) and posts (Slack, webhooks, console); ``warning`` only posts;
  ``info`` never alerts (it stays in history and reports; the core makes no event of it).
- Suppressed, yet recorded: an alert of a muted event, of an acknowledged event's reminder,
  of a transition inside a maintenance window, or a resolution on a sink that never announced
  the event (its opening was suppressed or failed). The outbox row is marked
  ``suppressed`` with the reason, so ``monitor events show`` says why nothing was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config.crontab import Crontab, crontab
from monitor.config.schema import MaintenanceWindow
from monitor.config.timeparse import parse_instant
from monitor.core.events import RESOLVING_REASONS
from monitor.storage.records import OutboxItem

PAGING_SINKS = frozenset({"pagerduty"})
RESOLUTIONS = RESOLVING_REASONS
FOLLOW_UPS = RESOLUTIONS | {"reminder"}


def allowed(severity: str, sink: str) -> bool:
    if severity == "breaking":
        return True
    if severity == "warning":
        return sink not in PAGING_SINKS
    return False


@dataclass(frozen=True)
class Window:
    """A maintenance window: one-off (``start``..``end``) or recurring (every ``cron`` fire,
    for ``duration``; UTC)."""

    start: datetime | None
    end: datetime | None
    probes: frozenset[str] | None
    targets: frozenset[str] | None
    reason: str
    cron: Crontab | None = None
    duration: timedelta = timedelta(0)
    cron_text: str = ""

    def occurrence(self, at: datetime) -> tuple[datetime, datetime] | None:
        """The [start, end) of this window's occurrence that contains ``at``, if any."""
        if self.cron is None:
            assert self.start is not None
            assert self.end is not None
            return (self.start, self.end) if self.start <= at < self.end else None
        # the first fire after at - duration (an occurrence is [fire, fire + duration)): it
        # covers ``at`` iff it is not later than ``at``; the earliest such fire is the one
        # to report when occurrences overlap
        fire = self.cron.first_at_or_after(at - self.duration + timedelta(microseconds=1))
        if fire is None or fire > at or at >= fire + self.duration:
            return None
        return fire, fire + self.duration

    def covers(self, probe: str, target: str, at: datetime) -> bool:
        if self.probes is not None and probe not in self.probes:
            return False
        if self.targets is not None and target not in self.targets:
            return False
        return self.occurrence(at) is not None

    def describe(self, at: datetime) -> str:
        start, end = self.occurrence(at) or (self.start, self.end)
        text = f"maintenance window {_iso(start)} – {_iso(end)}"
        if self.cron is not None:
            text += f" (every {self.cron_text!r} for {_span(self.duration)})"
        return text + (f": {self.reason}" if self.reason else "")


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else "?"


def _span(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def windows_from_config(config: Sequence[MaintenanceWindow]) -> tuple[Window, ...]:
    return tuple(_window(w) for w in config)


def _window(w: MaintenanceWindow) -> Window:
    probes = frozenset(w.probes) if w.probes is not None else None
    targets = frozenset(w.targets) if w.targets is not None else None
    if w.cron is not None and w.duration is not None:
        return Window(
            start=None,
            end=None,
            probes=probes,
            targets=targets,
            reason=w.reason,
            cron=crontab(w.cron),
            duration=w.duration,
            cron_text=w.cron,
        )
    assert w.start is not None
    assert w.end is not None
    return Window(
        start=parse_instant(w.start),
        end=parse_instant(w.end),
        probes=probes,
        targets=targets,
        reason=w.reason,
    )


def waits_for_opening(item: OutboxItem) -> bool:
    """A follow-up (reminder, resolution) waits while the event's opening on this sink is
    still on its way: it belongs in the opening's thread."""
    return item.payload.reason in FOLLOW_UPS and item.opening_state in ("pending", "sending")


def suppression_reason(item: OutboxItem, now: datetime, windows: Sequence[Window]) -> str | None:
    """Why ``item`` must not be sent, or None."""
    payload = item.payload
    event = payload.event
    reason = payload.reason
    if item.muted_until is not None and item.muted_until > now:
        why = f": {item.mute_reason}" if item.mute_reason else ""
        return f"muted until {item.muted_until.isoformat()}{why}"
    if reason == "reminder" and item.acked_at is not None:
        return f"acknowledged at {item.acked_at.isoformat()}"
    at_text = payload.transition.at
    at = parse_instant(at_text) if at_text else item.created_at or now
    for window in windows:
        if window.covers(event.probe, event.target, at):
            return window.describe(at)
    if reason in RESOLUTIONS and item.opening_state != "delivered":
        # Nothing was announced here (the opening was muted, failed or predates the sink):
        # a resolution of nothing is noise. A reminder, by contrast, then announces the event.
        return "the opening alert was not sent on this sink"
    return None
