"""Event state per drift fingerprint: ``suspected`` -> ``open`` -> ``resolved``.

One pure ``advance`` drives every event from the probe's ``events`` gate; alerts follow the
transitions it returns, never raw runs, so a restart neither loses nor repeats an alert.

- A fingerprint seen for the first time is ``suspected`` (recorded, not alerted).
- It opens once it was seen in ``open_after`` of the last ``window`` counted runs.
- An open event resolves after ``resolve_after`` consecutive counted runs without it.
- A suspected event whose sightings all left the window resolves quietly (a one-off).
- While open and still seen, a reminder is due every ``remind_every``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.core.model import EventState

# Transition reasons that close an event, as alerts read them: ``resolved`` by clean runs,
# ``accepted`` by ``baseline accept``, ``removed`` (self-watch) with its probe's config.
RESOLVING_REASONS = frozenset({"resolved", "accepted", "removed"})


@dataclass(frozen=True)
class EventGate:
    open_after: int = 2
    window: int = 3
    resolve_after: int = 2
    remind_every: timedelta | None = None


@dataclass(frozen=True)
class EventRecord:
    fingerprint: str
    state: EventState
    recent: tuple[bool, ...]  # the last ``window`` counted runs, newest last
    clear_streak: int
    run_count: int  # counted runs in which the fingerprint was seen
    first_seen: datetime
    last_seen: datetime
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    last_notified_at: datetime | None = None


@dataclass(frozen=True)
class Transition:
    fingerprint: str
    from_state: EventState | None
    to_state: EventState
    at: datetime
    reason: str  # suspected, opened, reminder, resolved, expired (self-watch: removed)
    notify: bool  # alerts follow opened, reminder and resolved-after-open


def advance(
    record: EventRecord | None, *, seen: bool, now: datetime, gate: EventGate, fingerprint: str
) -> tuple[EventRecord | None, list[Transition]]:
    if record is None or record.state is EventState.RESOLVED:
        if not seen:
            return record, []
        record = EventRecord(
            fingerprint=fingerprint,
            state=EventState.SUSPECTED,
            recent=(),
            clear_streak=0,
            run_count=0,
            first_seen=now,
            last_seen=now,
        )
        transitions = [
            Transition(fingerprint, None, EventState.SUSPECTED, now, "suspected", notify=False)
        ]
    else:
        transitions = []

    recent = (*record.recent, seen)[-max(gate.window, 1) :]
    if seen:
        record = replace(
            record,
            recent=recent,
            clear_streak=0,
            run_count=record.run_count + 1,
            last_seen=now,
        )
    else:
        record = replace(record, recent=recent, clear_streak=record.clear_streak + 1)

    if record.state is EventState.SUSPECTED:
        if sum(record.recent) >= gate.open_after:
            record = replace(record, state=EventState.OPEN, opened_at=now, last_notified_at=now)
            transitions.append(
                Transition(fingerprint, EventState.SUSPECTED, EventState.OPEN, now, "opened", True)
            )
        elif not any(record.recent):
            record = replace(record, state=EventState.RESOLVED, resolved_at=now)
            transitions.append(
                Transition(
                    fingerprint, EventState.SUSPECTED, EventState.RESOLVED, now, "expired", False
                )
            )
    elif record.state is EventState.OPEN:
        if record.clear_streak >= gate.resolve_after:
            record = replace(record, state=EventState.RESOLVED, resolved_at=now)
            transitions.append(
                Transition(fingerprint, EventState.OPEN, EventState.RESOLVED, now, "resolved", True)
            )
        elif seen and _reminder_due(record, now, gate):
            record = replace(record, last_notified_at=now)
            transitions.append(
                Transition(fingerprint, EventState.OPEN, EventState.OPEN, now, "reminder", True)
            )
    return record, transitions


def _reminder_due(record: EventRecord, now: datetime, gate: EventGate) -> bool:
    if gate.remind_every is None or record.last_notified_at is None:
        return False
    return now - record.last_notified_at >= gate.remind_every
