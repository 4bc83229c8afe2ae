"""Retention in SQL: delete old runs and drop old bodies of passing runs, one small batch per
transaction so writers (other replicas, SQLite's single writer) never wait long.

Never pruned:
- baselines, events, transitions and the outbox (no statement here touches them);
- runs an event or transition refers to (``events.first_run_id``/``last_run_id``,
  ``transitions.run_id``), so the shapes and findings behind an event stay; only a passing
  referenced run's raw body may be dropped;
- runs that started inside an active hold (``holds``: ``since <= started_at < until`` and not
  released; written by ``monitor hold``): neither deleted nor stripped of their bodies;
- claimed (unfinished) runs: the reaper owns those.

On PostgreSQL a batch first takes a transaction-level advisory try-lock, so when several
replicas prune at once only one does the work and the others stop at once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.records import PruneBatch
from monitor.storage.sql.holds import held_filter  # the one definition of "held"
from monitor.storage.sql.tables import events_table as events
from monitor.storage.sql.tables import evidence_table as evidence
from monitor.storage.sql.tables import runs_table as runs
from monitor.storage.sql.tables import transitions_table as transitions

_LOCK_KEY = int.from_bytes(hashlib.sha256(b"monitor:retention").digest()[:8], "big", signed=True)


def _referenced(run_id: Any) -> Any:
    return sa.or_(
        sa.exists(sa.select(sa.literal(1)).where(events.c.first_run_id == run_id)),
        sa.exists(sa.select(sa.literal(1)).where(events.c.last_run_id == run_id)),
        sa.exists(sa.select(sa.literal(1)).where(transitions.c.run_id == run_id)),
    )


def prunable_runs(cutoff: datetime) -> Any:
    """The condition on ``runs`` for rows old enough and free to delete."""
    return sa.and_(
        runs.c.started_at < cutoff,
        runs.c.state == "completed",
        sa.not_(held_filter(runs.c.started_at)),
        sa.not_(_referenced(runs.c.id)),
    )


def droppable_bodies(cutoff: datetime, runs_cutoff: datetime) -> Any:
    """The condition on ``evidence JOIN runs`` for bodies of passing runs to drop (runs about
    to be deleted whole are left to the delete)."""
    return sa.and_(
        runs.c.outcome == "pass",
        runs.c.started_at < cutoff,
        evidence.c.body.is_not(None),
        sa.not_(held_filter(runs.c.started_at)),
        sa.not_(prunable_runs(runs_cutoff)),
    )


def _try_lock(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return True  # SQLite: BEGIN IMMEDIATE already made this transaction the only writer
    return bool(
        conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY}).scalar()
    )


def prune_batch(
    conn: Connection, *, runs_cutoff: datetime, bodies_cutoff: datetime, batch_size: int
) -> PruneBatch:
    """Delete up to ``batch_size`` runs, then drop up to ``batch_size`` bodies."""
    if not _try_lock(conn):
        return PruneBatch(busy=True)
    doomed = (
        sa.select(runs.c.id)
        .where(prunable_runs(runs_cutoff))
        .order_by(runs.c.started_at)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    ids = [row.id for row in conn.execute(doomed)]
    deleted = 0
    if ids:
        # evidence and findings go with their run (ON DELETE CASCADE)
        deleted = int(conn.execute(sa.delete(runs).where(runs.c.id.in_(ids))).rowcount)
    stripped = (
        sa.select(evidence.c.run_id)
        .select_from(evidence.join(runs, evidence.c.run_id == runs.c.id))
        .where(droppable_bodies(bodies_cutoff, runs_cutoff))
        .limit(batch_size)
    )
    body_ids = [row.run_id for row in conn.execute(stripped)]
    dropped = 0
    if body_ids:
        dropped = int(
            conn.execute(
                sa.update(evidence).where(evidence.c.run_id.in_(body_ids)).values(body=None)
            ).rowcount
        )
    return PruneBatch(runs_deleted=deleted, bodies_dropped=dropped)


def count_prunable(
    conn: Connection, *, runs_cutoff: datetime, bodies_cutoff: datetime
) -> tuple[int, int]:
    """What a prune would do now: (runs to delete, bodies to drop)."""
    n_runs = conn.execute(
        sa.select(sa.func.count()).select_from(runs).where(prunable_runs(runs_cutoff))
    ).scalar_one()
    n_bodies = conn.execute(
        sa.select(sa.func.count())
        .select_from(evidence.join(runs, evidence.c.run_id == runs.c.id))
        .where(droppable_bodies(bodies_cutoff, runs_cutoff))
    ).scalar_one()
    return int(n_runs), int(n_bodies)
