"""Liveness and readiness.

- Liveness (``/healthz``): in a process that runs the scheduler, its own heartbeat is fresh (the
  event loop that runs probes is not stuck). In ``monitor api`` alone, some scheduler replica's
  heartbeat in the database is fresh, so a separate process can tell whether probing is alive.
- Readiness (``/readyz``): the database answers and its schema is at the migration head.

The heartbeat loop writes ``heartbeats`` every ``interval``; a database error never stops it
(liveness is about the loop, readiness about the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor import __version__
from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.config.timeparse import iso_z
from monitor.storage.base import Heartbeats, Readiness

log = logging.getLogger("monitor.selfcheck.health")
SCHEDULER_ROLE = "scheduler"
BEAT_INTERVAL = timedelta(seconds=10)
MAX_BEAT_AGE = timedelta(seconds=60)


class Heartbeat:
    def __init__(
        self,
        store: Heartbeats,
        db: BlockingPool,
        clock: Clock,
        replica: str,
        *,
        role: str = SCHEDULER_ROLE,
        interval: timedelta = BEAT_INTERVAL,
    ) -> None:
        self.store = store
        self.db = db
        self.clock = clock
        self.replica = replica
        self.role = role
        self.interval = interval
        self.started_at = clock.now()
        self.last_beat: datetime | None = None

    async def beat(self) -> None:
        now = self.clock.now()
        self.last_beat = now
        try:
            await self.db.run(
                self.store.beat, self.replica, self.role, now, self.started_at, __version__
            )
        except Exception as exc:  # readiness reports the database; the loop keeps beating
            log.warning("heartbeat not stored: %s", exc)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.beat()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval.total_seconds())
        finally:
            with contextlib.suppress(Exception):
                await self.db.run(self.store.forget_beat, self.replica)


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: dict[str, Any]


class Health:
    def __init__(
        self,
        store: Readiness,
        clock: Clock,
        heartbeat: Heartbeat | None = None,
        max_age: timedelta = MAX_BEAT_AGE,
    ) -> None:
        self.store = store
        self.clock = clock
        self.heartbeat = heartbeat
        self.max_age = max_age

    def liveness(self) -> Check:
        now = self.clock.now()
        if self.heartbeat is not None:
            last = self.heartbeat.last_beat
            fresh = last is not None and now - last <= self.max_age
            return Check(
                fresh,
                {
                    "scheduler": "this process",
                    "last_beat": iso_z(last),
                    "max_age_s": self.max_age.total_seconds(),
                },
            )
        try:
            beats = self.store.list_beats(SCHEDULER_ROLE)
        except Exception as exc:
            return Check(False, {"scheduler": "database", "error": _short(exc)})
        alive = [b for b in beats if now - b.beat_at <= self.max_age]
        return Check(
            bool(alive),
            {
                "scheduler": "database",
                "replicas": [{"replica": b.replica, "last_beat": iso_z(b.beat_at)} for b in beats],
                "fresh": len(alive),
                "max_age_s": self.max_age.total_seconds(),
            },
        )

    def readiness(self) -> Check:
        try:
            self.store.ping()
            current = self.store.current_revision()
            head = self.store.head_revision()
        except Exception as exc:
            return Check(False, {"database": "unreachable", "error": _short(exc)})
        return Check(current == head, {"database": "ok", "schema": current, "head": head})


def _short(exc: Exception) -> str:
    # Driver messages can carry the connection URL; keep the class and first line only.
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}"[:200]
