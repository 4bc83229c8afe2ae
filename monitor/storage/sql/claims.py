"""Leases across replicas: taking over runs whose owner died, releasing our own leases on
shutdown, and recording slots nobody ran as ``skipped``.

Every replica schedules every probe; the ``UNIQUE(probe, slot_at)`` insert decides who runs a
slot, and the winner's row carries ``lease_until`` (probe deadline + margin). Invariants:

- a claimed run whose lease expired is taken over by exactly one replica: the rows are picked
  with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite serializes writers with
  ``BEGIN IMMEDIATE``) and each take-over is a conditional update that re-checks the lease;
- the take-over is recorded on the run (``claimed_by`` and ``note`` name the previous owner),
  and the previous owner can no longer complete it (``runs.complete`` checks ownership);
- a skipped slot is an insert that does nothing when the slot already has a row, so a real run
  always wins over a skip record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from monitor.storage.params import SkippedSlot
from monitor.storage.records import RunClaim, TakenOver, takeover_note
from monitor.storage.sql.tables import outbox_table as outbox
from monitor.storage.sql.tables import runs_table as runs

RELEASED = " (released)"  # appended to ``claimed_by``: the owner gave the run up at shutdown
DEFAULT_TAKEOVER_LEASE = timedelta(seconds=60)


def take_over_expired(
    conn: Connection,
    now: datetime,
    worker: str,
    leases: Mapping[str, timedelta],
    limit: int,
) -> list[TakenOver]:
    """Take over up to ``limit`` claimed runs whose lease expired before ``now``."""
    expired = sa.and_(runs.c.state == "claimed", runs.c.lease_until < now)
    candidates = conn.execute(
        sa.select(runs)
        .where(expired)
        .order_by(runs.c.lease_until)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).mappings()
    taken: list[TakenOver] = []
    for row in list(candidates):
        lease = leases.get(row["probe"], DEFAULT_TAKEOVER_LEASE)
        owner = row["claimed_by"] or ""
        released = owner.endswith(RELEASED)
        previous = owner.removesuffix(RELEASED)
        text = takeover_note(worker, previous, row["lease_until"], released)
        result = conn.execute(
            sa.update(runs)
            .where(runs.c.id == row["id"], expired)
            .values(claimed_by=worker, lease_until=now + lease, started_at=now, note=text)
        )
        if result.rowcount != 1:
            continue  # another replica got there first
        claim = RunClaim(
            run_id=row["id"],
            probe=row["probe"],
            target=row["target"],
            kind=row["kind"],
            trigger=row["trigger"],
            slot_at=row["slot_at"],
            started_at=now,
            claimed_by=worker,
            lease_until=now + lease,
            request_hash=row["request_hash"] or "",
            config_hash=row["config_hash"] or "",
        )
        taken.append(TakenOver(claim, previous, row["lease_until"], released))
    return taken


def release_claims(conn: Connection, worker: str, now: datetime) -> int:
    """Give up our unfinished runs: their leases expire now, so another replica re-runs them
    at once, and we no longer own them (a late completion of ours gets ``ClaimLost``)."""
    result = conn.execute(
        sa.update(runs)
        .where(runs.c.state == "claimed", runs.c.claimed_by == worker)
        .values(lease_until=now, claimed_by=worker + RELEASED)
    )
    return int(result.rowcount)


def release_outbox(conn: Connection, worker: str) -> int:
    """Put our claimed, undelivered alerts back in the queue for another replica."""
    result = conn.execute(
        sa.update(outbox)
        .where(outbox.c.state == "sending", outbox.c.claimed_by == worker)
        .values(state="pending", lease_until=None, claimed_by=None)
    )
    return int(result.rowcount)


def insert_skipped(
    conn: Connection, slots: list[SkippedSlot], worker: str, now: datetime
) -> set[str]:
    """Record slots as ``skipped`` where no row exists yet; returns the run ids recorded."""
    if not slots:
        return set()
    rows = [
        {
            "id": s.run_id,
            "probe": s.probe,
            "target": s.target,
            "kind": s.kind,
            "trigger": "schedule",
            "slot_at": s.slot_at,
            "state": "completed",
            "claimed_by": worker,
            "lease_until": None,
            "started_at": now,
            "finished_at": now,
            "outcome": "skipped",
            "attempts": 0,
            "request_hash": s.request_hash,
            "config_hash": s.config_hash,
            "note": s.reason,
        }
        for s in slots
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(runs).values(rows).on_conflict_do_nothing().returning(runs.c.id)
    return {row.id for row in conn.execute(stmt)}


def claimed_by(conn: Connection, worker: str) -> int:
    """How many runs ``worker`` holds unfinished (a health signal; zero after shutdown)."""
    query = (
        sa.select(sa.func.count())
        .select_from(runs)
        .where(runs.c.state == "claimed", runs.c.claimed_by == worker)
    )
    return int(conn.execute(query).scalar_one())
