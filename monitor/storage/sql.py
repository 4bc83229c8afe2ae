"""``SqlStore``: the one ``ResultStore`` implementation, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from monitor.core.budget import Spend
from monitor.core.judge import ProbeState
from monitor.errors import StorageError
from monitor.storage import baselines as baseline_ops
from monitor.storage import claims as claim_ops
from monitor.storage import (
    event_queries,
    heartbeats,
    holds,
    outbox_status,
    queries,
    report_queries,
    runs,
    self_events,
    spend,
)
from monitor.storage import outbox as outbox_ops
from monitor.storage import prune as prune_ops
from monitor.storage.claims import SkippedSlot, TakenOver
from monitor.storage.engine import create_db_engine, is_sqlite
from monitor.storage.event_queries import EventFilter
from monitor.storage.migrate import current_revision, head_revision, is_at_head, upgrade
from monitor.storage.outbox import ClaimPolicy
from monitor.storage.outbox_status import SinkHealth
from monitor.storage.queries import Cursor, RunFilter
from monitor.storage.records import (
    AlertRouter,
    Judge,
    OutboxItem,
    RecordedRun,
    RunClaim,
    RunCompletion,
)


@contextmanager
def unavailable_is_retryable() -> Iterator[None]:
    """Losing the database (refused, dropped, locked too long) is a retryable StorageError;
    data it refuses (a value out of range) is a StorageError that retrying cannot help."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        raise StorageError(
            f"the database is unavailable: {type(exc.orig).__name__}: {str(exc.orig)[:200]}",
            retryable=True,
        ) from exc
    except (sa_exc.DataError, sa_exc.IntegrityError) as exc:
        raise StorageError(
            f"the database refused the data: {type(exc.orig).__name__}: {str(exc.orig)[:200]}",
            retryable=False,
        ) from exc


class SqlStore:
    def __init__(self, engine: Engine, new_id: Callable[[], str]) -> None:
        self.engine = engine
        self.new_id = new_id

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction; losing the database becomes ``StorageError(retryable=True)``."""
        with unavailable_is_retryable(), self.engine.begin() as conn:
            yield conn

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    # schema
    def upgrade(self) -> None:
        with unavailable_is_retryable():
            upgrade(self.engine)

    def current_revision(self) -> str | None:
        with unavailable_is_retryable():
            return current_revision(self.engine)

    def head_revision(self) -> str:
        return head_revision()

    def is_at_head(self) -> bool:
        with unavailable_is_retryable():
            return is_at_head(self.engine)

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
        with self.engine.begin() as conn:
            return spend.recent_spend(conn, target, now)

    def spent(self, target: str, since: datetime, until: datetime) -> tuple[int, int]:
        """(requests, reported tokens) the monitor spent on ``target`` in [since, until)."""
        with self.engine.begin() as conn:
            return spend.spent(conn, target, since, until)

    # queries
    def list_runs(self, flt: RunFilter) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return queries.list_runs(conn, flt)

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        with self._begin() as conn:
            return queries.get_run(conn, run_id)

    def list_events(
        self, *, probes: tuple[str, ...] = (), states: tuple[str, ...] = (), limit: int = 100
    ) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return queries.list_events(conn, probes=probes, states=states, limit=limit)

    def list_runs_page(self, flt: RunFilter) -> tuple[list[dict[str, Any]], str | None]:
        with self._begin() as conn:
            return queries.list_runs_page(conn, flt)

    def list_events_page(
        self,
        *,
        probes: tuple[str, ...] = (),
        states: tuple[str, ...] = (),
        limit: int = 100,
        cursor: Cursor | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        with self._begin() as conn:
            return queries.list_events_page(
                conn, probes=probes, states=states, limit=limit, cursor=cursor
            )

    def get_evidence(self, run_id: str) -> dict[str, Any] | None:
        with self._begin() as conn:
            return queries.get_evidence(conn, run_id)

    def last_run(
        self, probe: str, *, outcomes: tuple[str, ...] = (), before: datetime | None = None
    ) -> dict[str, Any] | None:
        with self._begin() as conn:
            return queries.last_run(conn, probe, outcomes=outcomes, before=before)

    def outcome_counts(self, probe: str, after: datetime) -> dict[str, int]:
        with self._begin() as conn:
            return queries.outcome_counts(conn, probe, after)

    def probe_status(self, probes: list[str]) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return queries.probe_status(conn, probes)

    def open_event_counts(self) -> dict[str, int]:
        with self._begin() as conn:
            return queries.open_event_counts(conn)

    def report_facts(self, window: report_queries.Window) -> dict[str, Any]:
        with self._begin() as conn:
            return report_queries.report_facts(conn, window)

    def ping(self) -> None:
        """Raises when the database does not answer."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    # holds (retention asks ``is_held``/``held`` before deleting)
    def create_hold(
        self, since: datetime, until: datetime, reason: str, now: datetime
    ) -> dict[str, Any]:
        with self._begin() as conn:
            return holds.create_hold(conn, self.new_id(), since, until, reason, now)

    def list_holds(self, *, include_released: bool = False) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return holds.list_holds(conn, include_released=include_released)

    def release_hold(self, hold_id: str, now: datetime) -> bool:
        with self._begin() as conn:
            return holds.release_hold(conn, hold_id, now)

    def is_held(self, started_at: datetime) -> bool:
        with self._begin() as conn:
            return holds.is_held(conn, started_at)

    def held(self, run: dict[str, Any]) -> bool:
        with self._begin() as conn:
            return holds.held(conn, run)

    # heartbeats
    def beat(
        self, replica: str, role: str, now: datetime, started_at: datetime, version: str
    ) -> None:
        with self._begin() as conn:
            heartbeats.beat(conn, replica, role, now, started_at, version)

    def list_beats(self, role: str | None = None) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return heartbeats.list_beats(conn, role)

    def forget_beat(self, replica: str) -> None:
        with self._begin() as conn:
            heartbeats.forget(conn, replica)

    def list_baselines(self, probe: str) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return queries.list_baselines(conn, probe)

    def reset_baselines(self, probe: str, now: datetime) -> int:
        with self._begin() as conn:
            return baseline_ops.reset_baselines(conn, probe, now)

    def accept_baseline(
        self,
        probe: str,
        now: datetime,
        *,
        router: AlertRouter | None = None,
        probe_info: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        with self._begin() as conn:
            return baseline_ops.accept_latest_shape(
                conn, probe, now, router=router, new_id=self.new_id, probe_info=probe_info
            )

    def export_baselines(self, probe: str, now: datetime) -> dict[str, Any]:
        with self._begin() as conn:
            return baseline_ops.export_baselines(conn, probe, now)

    def import_baselines(
        self, probe: str, document: Any, request_hash: str, now: datetime
    ) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return baseline_ops.import_baselines(conn, probe, document, request_hash, now)

    # events (people)
    def query_events(self, flt: EventFilter) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return event_queries.list_events(conn, flt)

    def event_detail(self, ref: str) -> dict[str, Any]:
        with self._begin() as conn:
            return event_queries.event_detail(conn, event_queries.resolve_event_id(conn, ref))

    def ack_event(self, ref: str, *, by: str, now: datetime) -> dict[str, Any]:
        with self._begin() as conn:
            event_id = event_queries.resolve_event_id(conn, ref)
            return event_queries.ack_event(conn, event_id, by=by, now=now)

    def mute_event(self, ref: str, *, until: datetime | None, reason: str | None) -> dict[str, Any]:
        with self._begin() as conn:
            event_id = event_queries.resolve_event_id(conn, ref)
            return event_queries.mute_event(conn, event_id, until=until, reason=reason)

    # outbox
    def claim_outbox(
        self,
        now: datetime,
        worker: str,
        policy: ClaimPolicy | timedelta,
        limit: int | None = None,
    ) -> list[OutboxItem]:
        """Claim due rows (``policy``: a ``ClaimPolicy``, or just the lease)."""
        if isinstance(policy, timedelta):
            policy = ClaimPolicy(lease=policy)
        if limit is not None:
            policy = replace(policy, limit=limit)
        with self._begin() as conn:
            return outbox_ops.claim_outbox(conn, now, worker, policy)

    def record_delivery(self, outbox_id: str, **kwargs: Any) -> bool:
        with self._begin() as conn:
            return outbox_ops.record_attempt(conn, outbox_id, **kwargs)

    def record_deliveries(self, outbox_ids: list[str], **kwargs: Any) -> list[str]:
        """Record one outcome for every row of a message; returns the ids whose lease was lost."""
        lost = []
        with self._begin() as conn:
            for outbox_id in outbox_ids:
                if not outbox_ops.record_attempt(conn, outbox_id, **kwargs):
                    lost.append(outbox_id)
        return lost

    def defer_outbox(self, outbox_ids: list[str], worker: str, at: datetime) -> None:
        """Give claimed rows back unsent, due again at ``at`` (no attempt is counted)."""
        with self._begin() as conn:
            outbox_ops.defer(conn, outbox_ids, worker, at)

    def pending_alerts(self) -> int:
        with self._begin() as conn:
            return outbox_ops.pending_count(conn)

    def next_pending_alert_at(self) -> datetime | None:
        with self._begin() as conn:
            return outbox_ops.next_pending_at(conn)

    def alert_status(self) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return outbox_status.status_by_sink(conn)

    def list_deliveries(
        self, *, states: tuple[str, ...] = (), limit: int = 20
    ) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return outbox_status.list_deliveries(conn, states=states, limit=limit)

    def sink_health(self, sink: str, now: datetime, undelivered_after: timedelta) -> SinkHealth:
        with self._begin() as conn:
            return outbox_status.sink_health(conn, sink, now, undelivered_after)

    # the self-watch
    def observe_self(
        self, obs: self_events.SelfObservation, now: datetime, router: AlertRouter
    ) -> list[str]:
        with self._begin() as conn:
            return self_events.observe_self(conn, obs, now, router, self.new_id)

    def last_completed_runs(self, probes: Sequence[str]) -> dict[str, datetime]:
        with self._begin() as conn:
            return self_events.last_completed_runs(conn, probes)

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
    ) -> prune_ops.PruneBatch:
        with self._begin() as conn:
            return prune_ops.prune_batch(
                conn, runs_cutoff=runs_cutoff, bodies_cutoff=bodies_cutoff, batch_size=batch_size
            )

    def count_prunable(self, *, runs_cutoff: datetime, bodies_cutoff: datetime) -> tuple[int, int]:
        with self._begin() as conn:
            return prune_ops.count_prunable(
                conn, runs_cutoff=runs_cutoff, bodies_cutoff=bodies_cutoff
            )

    def close(self) -> None:
        self.engine.dispose()


def create_store(url: str, new_id: Callable[[], str], *, auto_upgrade: bool = False) -> SqlStore:
    """A store for ``url``. The embedded SQLite default migrates itself on start."""
    store = SqlStore(create_db_engine(url), new_id)
    if auto_upgrade:
        store.upgrade()
    return store
