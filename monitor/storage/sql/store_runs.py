"""The facade's run side: claiming and recording runs, spend, replicas' leases and take-overs,
skipped slots and retention (``storage.runs``, ``spend``, ``claims``, ``prune``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from monitor.core.judge import ProbeState
from monitor.core.policy.budget import Spend
from monitor.storage.params import SkippedSlot
from monitor.storage.records import (
    AlertRouter,
    Judge,
    PruneBatch,
    RecordedRun,
    RunClaim,
    RunCompletion,
    TakenOver,
)
from monitor.storage.sql import claims as claim_ops
from monitor.storage.sql import prune as prune_ops
from monitor.storage.sql import runs, spend
from monitor.storage.sql.store_base import StoreBase


class RunStore(StoreBase):
    # runs
    def claim_run(self, claim: RunClaim) -> bool:
        with self._begin() as conn:
            return runs.claim_run(conn, claim)

    def record_run(
        self, completion: RunCompletion, judge: Judge, router: AlertRouter
    ) -> RecordedRun:
        with self._begin() as conn:
            return runs.record_run(conn, completion, judge, router, self.new_id)

    def complete_unrecordable(self, claim: RunClaim, finished_at: datetime, reason: str) -> bool:
        with self._begin() as conn:
            return runs.complete_unrecordable(conn, claim, finished_at, reason)

    def record_skipped(self, claim: RunClaim, finished_at: datetime, reason: str) -> bool:
        with self._begin() as conn:
            if not runs.claim_run(conn, claim):
                return False
            runs.complete_skipped(conn, claim, finished_at, reason)
            return True

    def load_state(self, probe: str, request_hash: str) -> ProbeState:
        with self._begin() as conn:
            return runs.load_state(conn, probe, request_hash)

    # spend (budgets, reports)
    def recent_spend(self, target: str, now: datetime) -> Spend:
        with self._begin() as conn:
            return spend.recent_spend(conn, target, now)

    def spent(self, target: str, since: datetime, until: datetime) -> tuple[int, int]:
        """(requests, reported tokens) the monitor spent on ``target`` in [since, until)."""
        with self._begin() as conn:
            return spend.spent(conn, target, since, until)

    # replicas: leases, take-overs, skipped slots (see storage.claims)
    def take_over_expired(
        self, now: datetime, worker: str, leases: Mapping[str, timedelta], limit: int = 20
    ) -> list[TakenOver]:
        with self._begin() as conn:
            return claim_ops.take_over_expired(conn, now, worker, leases, limit)

    def release_claims(self, worker: str, now: datetime) -> int:
        with self._begin() as conn:
            return claim_ops.release_claims(conn, worker, now)

    def release_outbox(self, worker: str) -> int:
        with self._begin() as conn:
            return claim_ops.release_outbox(conn, worker)

    def complete_skipped(self, claim: RunClaim, finished_at: datetime, reason: str) -> None:
        with self._begin() as conn:
            runs.complete_skipped(conn, claim, finished_at, reason)

    def record_skipped_slots(
        self, slots: list[SkippedSlot], worker: str, now: datetime
    ) -> set[str]:
        with self._begin() as conn:
            return claim_ops.insert_skipped(conn, slots, worker, now)

    def claimed_count(self, worker: str) -> int:
        with self._begin() as conn:
            return claim_ops.claimed_by(conn, worker)

    # retention (see storage.prune)
    def prune_batch(
        self, *, runs_cutoff: datetime, bodies_cutoff: datetime, batch_size: int
    ) -> PruneBatch:
        with self._begin() as conn:
            return prune_ops.prune_batch(
                conn, runs_cutoff=runs_cutoff, bodies_cutoff=bodies_cutoff, batch_size=batch_size
            )

    def count_prunable(self, *, runs_cutoff: datetime, bodies_cutoff: datetime) -> tuple[int, int]:
        with self._begin() as conn:
            return prune_ops.count_prunable(
                conn, runs_cutoff=runs_cutoff, bodies_cutoff=bodies_cutoff
            )
