"""Pacing: at most one message per ``interval`` per key (Slack: about one per second per
channel), and a key paused by a 429 stays paused until its ``Retry-After`` has passed.

The next free moment of each key lives in the database (``storage.pacing``), so several
replicas sending to one channel pace as one. A sender books its slot before it waits and gives
it back if it then does not send (its lease ran short), so an unused booking never delays the
others. Time is the injected clock's ``now``, so tests drive it without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.blocking import BlockingPool
from monitor.storage.base import Pacing

PaceStore = Pacing  # the store's role this module uses (``storage.base.Pacing``)


@dataclass(frozen=True)
class Slot:
    """When this message may go; ``booked`` False when it was too far off to book."""

    key: str | None
    at: datetime
    wait_s: float
    interval: timedelta
    booked: bool


class SharedPacer:
    def __init__(self, store: PaceStore, db: BlockingPool) -> None:
        self._store = store
        self._db = db

    async def book(
        self, key: str | None, interval_s: float, now: datetime, max_wait_s: float
    ) -> Slot:
        """The slot of the next message on ``key``; booked when it is at most ``max_wait_s``
        off (then the one after it goes ``interval_s`` later, here or in another replica)."""
        interval = timedelta(seconds=max(interval_s, 0.0))
        if key is None or interval_s <= 0:
            return Slot(None, now, 0.0, interval, booked=False)
        slot = await self._db.run(
            self._store.reserve_pace, key, now, interval, timedelta(seconds=max_wait_s)
        )
        wait = max(0.0, (slot - now).total_seconds())
        return Slot(key, slot, wait, interval, booked=wait <= max_wait_s)

    async def release(self, slot: Slot) -> None:
        """The booked message did not go: its slot is free again."""
        if slot.key is not None and slot.booked:
            await self._db.run(self._store.release_pace, slot.key, slot.at, slot.interval)

    async def pause(self, key: str | None, until: datetime) -> None:
        if key is not None:
            await self._db.run(self._store.pause_pace, key, until)
