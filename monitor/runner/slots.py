"""The slot ledger: which scheduled slots this replica never started, so none is silently absent.

APScheduler drops run times before our executor sees them: ``coalesce=True`` keeps only the
latest of several late run times, and ``max_instances=1`` drops a run while the probe's
previous one is still in flight. The ledger remembers the last slot it saw per probe and
enumerates the trigger's fire times in between; each slot it never saw becomes a pending skip.

A process that starts after every replica was stopped knows no slot yet: ``resume`` gives the
ledger the probe's latest slot in the database, so the first slot this process starts also
enumerates the gap while no replica ran (``MISSED``). A replica joining a running fleet finds
the gap's slots already recorded by the others; its skips then do nothing.

A pending skip is recorded only after a grace (the probe's claim lease): with several replicas
another one has usually run the slot, and recording is an insert that does nothing when the
slot already has a row. Time is an input (``now``); nothing here touches the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

log = logging.getLogger("monitor.runner.slots")

COALESCED = "coalesced: the scheduler ran late and skipped this slot"
IN_FLIGHT = "the previous run of this probe was still in flight on this replica"
MISSED = "missed: no replica of the monitor was running"
MAX_GAP = 1000  # slots enumerated per gap; a longer gap (a suspended host) is logged


class FireTimes(Protocol):
    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None: ...


@dataclass(frozen=True)
class MissedSlot:
    probe: str
    slot: datetime
    reason: str
    due: datetime  # record it from this time on (another replica may still run it before)


class SlotLedger:
    def __init__(self, grace: dict[str, timedelta]) -> None:
        self._grace = grace
        self._last: dict[str, datetime] = {}
        self._pending: dict[tuple[str, datetime], MissedSlot] = {}
        self._resumed: dict[str, datetime] = {}  # probe -> when this process read its stored slot

    def _add(self, probe: str, slot: datetime, reason: str, last: datetime | None = None) -> None:
        """``last``: the gap's last slot; a gap's skips fall due together (one log line)."""
        key = (probe, slot)
        if key not in self._pending:
            due = (last or slot) + self._grace.get(probe, timedelta(seconds=60))
            self._pending[key] = MissedSlot(probe, slot, reason, due)

    def resume(self, probe: str, stored: datetime, started: datetime) -> None:
        """``stored`` is the probe's latest slot in the database, read as this process started
        (at ``started``). The first slot this process starts enumerates the slots after it:
        those before ``started`` were missed while no replica ran. A slot already seen wins."""
        if probe not in self._last:
            self._last[probe] = stored
            self._resumed[probe] = started

    def saw(self, probe: str, slot: datetime, trigger: FireTimes) -> list[MissedSlot]:
        """The scheduler started ``slot``; returns the slots skipped since the last one seen."""
        previous = self._last.get(probe)
        if previous is not None and slot <= previous:
            return []
        self._last[probe] = slot
        resumed = self._resumed.pop(probe, None)
        if previous is None:
            return []
        if resumed is None:
            fire = trigger.get_next_fire_time(previous, previous + timedelta(microseconds=1))
        else:
            fire = _next_on_schedule(trigger, previous)
            if fire is None:
                log.info(
                    "probe %s: its latest stored slot %s is not on its current schedule (the "
                    "schedule changed); slots missed before this start are not enumerated",
                    probe,
                    previous.isoformat(),
                )
                return []
        fires: list[datetime] = []
        while fire is not None and fire < slot:
            if len(fires) >= MAX_GAP:
                log.warning(
                    "probe %s: more than %d slots missed between %s and %s; only the first "
                    "%d are recorded as skipped",
                    probe,
                    MAX_GAP,
                    previous.isoformat(),
                    slot.isoformat(),
                    MAX_GAP,
                )
                break
            fires.append(fire)
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        missed: list[MissedSlot] = []
        for fire in fires:
            reason = MISSED if resumed is not None and fire < resumed else COALESCED
            self._add(probe, fire, reason, last=fires[-1])
            missed.append(self._pending[(probe, fire)])
        return missed

    def dropped(self, probe: str, slots: list[datetime], reason: str = IN_FLIGHT) -> None:
        """APScheduler refused to start these slots (the previous run is still in flight)."""
        for slot in slots:
            self._add(probe, slot, reason)

    def due(self, now: datetime) -> list[MissedSlot]:
        """Pending skips whose grace has passed; they leave the ledger."""
        ready = [m for m in self._pending.values() if m.due <= now]
        for m in ready:
            del self._pending[(m.probe, m.slot)]
        return sorted(ready, key=lambda m: (m.slot, m.probe))

    @property
    def pending(self) -> int:
        return len(self._pending)


def skip_summaries(skipped: list[tuple[str, datetime, str]]) -> list[str]:
    """One line per probe and reason for recorded skips (``probe, slot, reason``), so a restart
    after minutes down logs "chat-basic: 28 slots missed 19:24:52–19:27:10: no replica of the
    monitor was running", not one line per slot. The rows stay one per slot."""
    groups: dict[tuple[str, str], list[datetime]] = {}
    for probe, slot, reason in skipped:
        groups.setdefault((probe, reason), []).append(slot)
    lines = []
    for (probe, reason), slots in sorted(groups.items(), key=lambda g: (min(g[1]), g[0])):
        verb, sep, why = reason.partition(": ")
        verb, why = (verb, why) if sep else ("skipped", reason)
        first, last = min(slots), max(slots)
        when = f"{first:%H:%M:%S}" if first == last else f"{first:%H:%M:%S}–{last:%H:%M:%S}"
        count = f"{len(slots)} slot{'s' if len(slots) != 1 else ''}"
        lines.append(f"{probe}: {count} {verb} {when}: {why}")
    return lines


def _next_on_schedule(trigger: FireTimes, stored: datetime) -> datetime | None:
    """The fire time after ``stored`` if ``stored`` is itself one of the trigger's fire times.

    A stored slot off the current schedule means the schedule changed (``every`` or ``cron``;
    the offset follows the interval) and nothing tells when the old one stopped: the current
    schedule's fire times since the stored slot would include times the old schedule was still
    in force, so that gap is not enumerated. On the schedule, the current fire times are the
    slots a running replica would have started. (A new interval that divides the old one keeps
    the old slots on the schedule; then at most the last old interval before the stop is
    counted too, and ``MAX_GAP`` bounds any gap.)"""
    step = timedelta(microseconds=1)
    # one millisecond early: slots are fire times rounded to the millisecond
    fire = trigger.get_next_fire_time(None, stored - timedelta(milliseconds=1))
    while fire is not None and fire < stored:
        fire = trigger.get_next_fire_time(fire, fire + step)
    if fire != stored:
        return None
    return trigger.get_next_fire_time(fire, fire + step)
