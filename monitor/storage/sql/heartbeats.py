"""Heartbeats: each replica's scheduler writes ``beat_at`` periodically, so another process
(``monitor api``, ``monitor healthcheck`` through it) can tell whether a scheduler is alive."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.sql.tables import heartbeats_table as heartbeats
from monitor.storage.status_records import Beat


def beat(
    conn: Connection, replica: str, role: str, now: datetime, started_at: datetime, version: str
) -> None:
    updated = conn.execute(
        sa.update(heartbeats)
        .where(heartbeats.c.replica == replica)
        .values(beat_at=now, role=role, version=version)
    )
    if updated.rowcount == 0:
        conn.execute(
            heartbeats.insert().values(
                replica=replica, role=role, beat_at=now, started_at=started_at, version=version
            )
        )


def list_beats(conn: Connection, role: str | None = None) -> list[Beat]:
    query = sa.select(heartbeats).order_by(heartbeats.c.beat_at.desc())
    if role is not None:
        query = query.where(heartbeats.c.role == role)
    return [Beat(**r) for r in conn.execute(query).mappings()]


def forget(conn: Connection, replica: str) -> None:
    """A replica stopping cleanly removes its row (a stale row then means a crash)."""
    conn.execute(sa.delete(heartbeats).where(heartbeats.c.replica == replica))
