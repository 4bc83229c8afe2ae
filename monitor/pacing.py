"""Pacing: at most one message per ``interval`` per key (Slack: about one per second per
channel), and a key paused by a 429 stays paused until its ``Retry-After`` has passed.

The next free moment of each key lives in the database (``storage.pacing``), so several
replicas sending to one channel pace as one. Time is the injected clock's ``now``, so tests
drive it without sleeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from monitor.blocking import BlockingPool


class PaceStore(Protocol):
    def reserve_pace(self, key: str, now: datetime, interval: timedelta) -> datetime: ...

    def pause_pace(self, key: str, until: datetime) -> None: ...


class SharedPacer:
    def __init__(self, store: PaceStore, db: BlockingPool) -> None:
        self._store = store
        self._db = db

    async def wait(self, key: str | None, interval_s: float, now: datetime) -> float:
        """Seconds to wait before this message with ``key`` may go (0: now); the slot after
        it is booked for the next one, here or in another replica."""
        if key is None or interval_s <= 0:
            return 0.0
        slot = await self._db.run(self._store.reserve_pace, key, now, timedelta(seconds=interval_s))
        return max(0.0, (slot - now).total_seconds())

    async def pause(self, key: str | None, until: datetime) -> None:
        if key is not None:
            await self._db.run(self._store.pause_pace, key, until)
