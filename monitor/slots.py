"""The slot ledger: which scheduled slots this replica never started, so none is silently absent.

APScheduler drops run times before our executor sees them: ``coalesce=True`` keeps only the
latest of several late run times, and ``max_instances=1`` drops a run while the probe's
previous one is still in flight. The ledger remembers the last slot it saw per probe and
enumerates the trigger's fire times in between; each slot it never saw becomes a pending skip.

A pending skip is recorded only after a grace (the probe's claim lease): with several replicas
another one has usually run the slot, and recording is an insert that does nothing when the
slot already has a row. Time is an input (``now``); nothing here touches the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

log = logging.getLogger("monitor.slots")

COALESCED = "coalesced: the scheduler ran late and skipped this slot"
IN_FLIGHT = "the previous run of this probe was still in flight on this replica"
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

    def _add(self, probe: str, slot: datetime, reason: str) -> None:
        key = (probe, slot)
        if key not in self._pending:
            due = slot + self._grace.get(probe, timedelta(seconds=60))
            self._pending[key] = MissedSlot(probe, slot, reason, due)

    def saw(self, probe: str, slot: datetime, trigger: FireTimes) -> list[MissedSlot]:
        """The scheduler started ``slot``; returns the slots skipped since the last one seen."""
        previous = self._last.get(probe)
        if previous is not None and slot <= previous:
            return []
        self._last[probe] = slot
        if previous is None:
            return []
        missed: list[MissedSlot] = []
        fire = trigger.get_next_fire_time(previous, previous + timedelta(microseconds=1))
        while fire is not None and fire < slot:
            if len(missed) >= MAX_GAP:
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
            self._add(probe, fire, COALESCED)
            missed.append(self._pending[(probe, fire)])
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
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
