"""Retention: ``retention.runs`` and ``retention.bodies`` applied in small batches.

``prune`` is the job (``monitor prune`` runs it once); ``RetentionJob`` runs it inside
``monitor run`` every ``interval``. Time is an input: the cutoffs come from the ``now`` given or
the injected clock. What is never pruned is listed in ``monitor.storage.sql.prune``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.config.schema import RetentionConfig
from monitor.config.timeparse import iso_z
from monitor.storage.base import Retention

log = logging.getLogger("monitor.runner.retention")
BATCH_SIZE = 500
PRUNE_EVERY = timedelta(hours=1)
FIRST_PRUNE_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class PruneReport:
    runs_cutoff: datetime
    bodies_cutoff: datetime
    runs_deleted: int
    bodies_dropped: int
    batches: int
    dry_run: bool = False
    busy: bool = False  # another replica was pruning; this pass stopped

    def to_json(self) -> dict[str, object]:
        return {
            "runs_cutoff": iso_z(self.runs_cutoff),
            "bodies_cutoff": iso_z(self.bodies_cutoff),
            "runs_deleted": self.runs_deleted,
            "bodies_dropped": self.bodies_dropped,
            "batches": self.batches,
            "dry_run": self.dry_run,
            "busy": self.busy,
        }


def cutoffs(policy: RetentionConfig, now: datetime) -> tuple[datetime, datetime]:
    return now - policy.runs, now - policy.bodies


class _Tally:
    """Adds up batches; says when to stop (a short batch: nothing left; or another replica)."""

    def __init__(self, policy: RetentionConfig, now: datetime, batch_size: int) -> None:
        self.runs_cutoff, self.bodies_cutoff = cutoffs(policy, now)
        self.batch_size = batch_size
        self.runs = self.bodies = self.batches = 0
        self.busy = False

    def step(self, store: Retention) -> bool:
        """Prune one batch in one transaction; True while there may be more."""
        batch = store.prune_batch(
            runs_cutoff=self.runs_cutoff,
            bodies_cutoff=self.bodies_cutoff,
            batch_size=self.batch_size,
        )
        if batch.busy:
            self.busy = True
            return False
        self.batches += 1
        self.runs += batch.runs_deleted
        self.bodies += batch.bodies_dropped
        return batch.runs_deleted >= self.batch_size or batch.bodies_dropped >= self.batch_size

    def report(self) -> PruneReport:
        return PruneReport(
            self.runs_cutoff,
            self.bodies_cutoff,
            self.runs,
            self.bodies,
            self.batches,
            busy=self.busy,
        )


def prune(
    store: Retention,
    policy: RetentionConfig,
    now: datetime,
    *,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
) -> PruneReport:
    """Prune until nothing is left to prune as of ``now`` (``monitor prune``)."""
    tally = _Tally(policy, now, batch_size)
    if dry_run:
        n_runs, n_bodies = store.count_prunable(
            runs_cutoff=tally.runs_cutoff, bodies_cutoff=tally.bodies_cutoff
        )
        return PruneReport(tally.runs_cutoff, tally.bodies_cutoff, n_runs, n_bodies, 0, True)
    while tally.step(store):
        pass
    return tally.report()


class RetentionJob:
    """Prunes every ``interval`` inside ``monitor run``, one batch per executor call."""

    def __init__(
        self,
        store: Retention,
        db: BlockingPool,
        clock: Clock,
        policy: RetentionConfig,
        *,
        interval: timedelta = PRUNE_EVERY,
        first_after: timedelta = FIRST_PRUNE_AFTER,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.store = store
        self.db = db
        self.clock = clock
        self.policy = policy
        self.interval = interval
        self.first_after = first_after
        self.batch_size = batch_size

    async def run_once(self, stop: asyncio.Event | None = None) -> PruneReport:
        """One pass; each batch is its own executor call so probes' writes interleave."""
        tally = _Tally(self.policy, self.clock.now(), self.batch_size)
        while await self.db.run(tally.step, self.store):
            if stop is not None and stop.is_set():
                break
        if tally.runs or tally.bodies:
            log.info("retention: deleted %d run(s), dropped %d body(ies)", tally.runs, tally.bodies)
        return tally.report()

    async def serve(self, stop: asyncio.Event) -> None:
        wait = self.first_after
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait.total_seconds())
            if stop.is_set():
                return
            try:
                await self.run_once(stop)
            except Exception:  # the database may be down: try again next interval
                log.exception("retention pass failed; will retry")
            wait = self.interval
