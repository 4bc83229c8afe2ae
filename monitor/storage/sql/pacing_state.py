"""Shared pacing: Slack takes about one message per second per channel, whichever replica
sends it. Each send books the channel's next free moment in the database, so three replicas
pace as one; a 429's ``Retry-After`` pushes that moment for all of them."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from monitor.storage.sql.tables import pacing_table as pacing


def _ensure(conn: Connection, key: str, now: datetime) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(pacing).values(key=key, next_at=now).on_conflict_do_nothing())


def _locked_next(conn: Connection, key: str) -> datetime:
    # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes the transaction
    query = sa.select(pacing.c.next_at).where(pacing.c.key == key).with_for_update()
    value: datetime = conn.execute(query).scalar_one()
    return value


def reserve(
    conn: Connection,
    key: str,
    now: datetime,
    interval: timedelta,
    max_wait: timedelta | None = None,
) -> datetime:
    """When a message on ``key`` may go (``now`` or later). The slot is booked (the next
    message goes ``interval`` after it) unless it is further off than ``max_wait``: a sender
    that will not wait that long must not push everyone else back."""
    _ensure(conn, key, now)
    slot = max(_locked_next(conn, key), now)
    if max_wait is None or slot - now <= max_wait:
        conn.execute(sa.update(pacing).where(pacing.c.key == key).values(next_at=slot + interval))
    return slot


def release(conn: Connection, key: str, slot: datetime, interval: timedelta) -> None:
    """Give back a booked slot that was not used, unless someone booked after it."""
    conn.execute(
        sa.update(pacing)
        .where(pacing.c.key == key, pacing.c.next_at == slot + interval)
        .values(next_at=slot)
    )


def pause(conn: Connection, key: str, until: datetime) -> None:
    """Nothing goes on ``key`` before ``until`` (a 429's Retry-After)."""
    _ensure(conn, key, until)
    later = max(_locked_next(conn, key), until)
    conn.execute(sa.update(pacing).where(pacing.c.key == key).values(next_at=later))
