"""Evidence holds: windows of runs frozen against retention (the seed's "freeze the incident
evidence" step).

A hold covers runs whose ``started_at`` lies in ``[since, until)``. Released holds stay as rows
(who froze what, and when it was let go, is itself incident evidence). Retention asks
``is_held``/``held_filter`` before deleting anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.sql.tables import holds_table as holds
from monitor.storage.sql.tables import runs_table as runs
from monitor.storage.status_records import Hold


def create_hold(
    conn: Connection, hold_id: str, since: datetime, until: datetime, reason: str, now: datetime
) -> Hold:
    if until <= since:
        raise ValueError("the hold's --until must be after --since")
    if not reason.strip():
        raise ValueError("a hold needs a --reason (say which incident it is for)")
    conn.execute(
        holds.insert().values(
            id=hold_id, since=since, until=until, reason=reason.strip(), created_at=now
        )
    )
    hold = get_hold(conn, hold_id)
    assert hold is not None  # inserted just above, in this transaction
    return hold


def get_hold(conn: Connection, hold_id: str) -> Hold | None:
    row = conn.execute(sa.select(holds).where(holds.c.id == hold_id)).mappings().first()
    return _with_count(conn, dict(row)) if row else None


def list_holds(conn: Connection, *, include_released: bool = False) -> list[Hold]:
    query = sa.select(holds).order_by(holds.c.since, holds.c.id)
    if not include_released:
        query = query.where(holds.c.released_at.is_(None))
    return [_with_count(conn, dict(r)) for r in conn.execute(query).mappings()]


def release_hold(conn: Connection, hold_id: str, now: datetime) -> bool:
    result = conn.execute(
        sa.update(holds)
        .where(holds.c.id == hold_id, holds.c.released_at.is_(None))
        .values(released_at=now)
    )
    return bool(result.rowcount == 1)


def _with_count(conn: Connection, hold: dict[str, Any]) -> Hold:
    query = (
        sa.select(sa.func.count())
        .select_from(runs)
        .where(runs.c.started_at >= hold["since"], runs.c.started_at < hold["until"])
    )
    return Hold(**hold, runs=int(conn.execute(query).scalar_one()))


def is_held(conn: Connection, started_at: datetime) -> bool:
    """Whether a run that started at ``started_at`` lies in an active hold."""
    query = sa.select(sa.literal(1)).where(
        holds.c.released_at.is_(None),
        holds.c.since <= started_at,
        holds.c.until > started_at,
    )
    return conn.execute(query.limit(1)).first() is not None


def held(conn: Connection, run: dict[str, Any]) -> bool:
    """Whether ``run`` (a ``runs`` row) is frozen by an active hold."""
    return is_held(conn, run["started_at"])


def held_filter(started_at: Any) -> Any:
    """A SQL condition true for runs inside an active hold, for batch deletes:
    ``DELETE ... WHERE started_at < :cutoff AND NOT <held_filter(runs.c.started_at)>``."""
    return sa.exists(
        sa.select(sa.literal(1)).where(
            holds.c.released_at.is_(None),
            holds.c.since <= started_at,
            holds.c.until > started_at,
        )
    )
