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
from datetime import datetime
from typing import Any

from monitor.config.schema import MaintenanceWindow
from monitor.storage.records import OutboxItem
from monitor.timeparse import parse_instant

PAGING_SINKS = frozenset({"pagerduty"})
RESOLUTIONS = frozenset({"resolved", "accepted", "removed"})
FOLLOW_UPS = RESOLUTIONS | {"reminder"}


def allowed(severity: str, sink: str) -> bool:
    if severity == "breaking":
        return True
    if severity == "warning":
        return sink not in PAGING_SINKS
    return False


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    probes: frozenset[str] | None
    targets: frozenset[str] | None
    reason: str

    def covers(self, probe: str, target: str, at: datetime) -> bool:
        if not self.start <= at < self.end:
            return False
        if self.probes is not None and probe not in self.probes:
            return False
        return self.targets is None or target in self.targets


def windows_from_config(config: Sequence[MaintenanceWindow]) -> tuple[Window, ...]:
    return tuple(
        Window(
            start=parse_instant(w.start),
            end=parse_instant(w.end),
            probes=frozenset(w.probes) if w.probes is not None else None,
            targets=frozenset(w.targets) if w.targets is not None else None,
            reason=w.reason,
        )
        for w in config
    )


def waits_for_opening(item: OutboxItem) -> bool:
    """A follow-up (reminder, resolution) waits while the event's opening on this sink is
    still on its way: it belongs in the opening's thread."""
    reason = item.payload.get("transition", {}).get("reason", "")
    return reason in FOLLOW_UPS and item.opening_state in ("pending", "sending")


def suppression_reason(item: OutboxItem, now: datetime, windows: Sequence[Window]) -> str | None:
    """Why ``item`` must not be sent, or None."""
    payload: dict[str, Any] = item.payload
    event = payload.get("event", {})
    reason = payload.get("transition", {}).get("reason", "")
    if item.muted_until is not None and item.muted_until > now:
        why = f": {item.mute_reason}" if item.mute_reason else ""
        return f"muted until {item.muted_until.isoformat()}{why}"
    if reason == "reminder" and item.acked_at is not None:
        return f"acknowledged at {item.acked_at.isoformat()}"
    at_text = payload.get("transition", {}).get("at")
    at = parse_instant(at_text) if at_text else item.created_at or now
    for window in windows:
        if window.covers(str(event.get("probe")), str(event.get("target")), at):
            return f"maintenance window {window.start.isoformat()} – {window.end.isoformat()}" + (
                f": {window.reason}" if window.reason else ""
            )
    if reason in RESOLUTIONS and item.opening_state != "delivered":
        # Nothing was announced here (the opening was muted, failed or predates the sink):
        # a resolution of nothing is noise. A reminder, by contrast, then announces the event.
        return "the opening alert was not sent on this sink"
    return None
