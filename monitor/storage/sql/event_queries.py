"""Events for people: list, show (with transitions and deliveries), acknowledge, mute.

Acknowledging or muting changes what is *sent*, never what is *recorded*: transitions and
their outbox rows are still written, and the dispatcher marks them ``suppressed`` with the
reason (see ``monitor.alerts.policy``). An id may be given in full or as a unique prefix.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.errors import UsageError
from monitor.storage.event_records import EventDelivery, EventDetail, EventTransition, StoredEvent
from monitor.storage.params import Cursor, EventFilter
from monitor.storage.sql.tables import events_table as events
from monitor.storage.sql.tables import outbox_table as outbox
from monitor.storage.sql.tables import transitions_table as transitions_t

MIN_PREFIX = 6


def list_events(conn: Connection, flt: EventFilter) -> list[StoredEvent]:
    query = sa.select(events)
    for column, values in (
        (events.c.probe, flt.probes),
        (events.c.target, flt.targets),
        (events.c.state, flt.states),
        (events.c.severity, flt.severities),
    ):
        if values:
            query = query.where(column.in_(values))
    if flt.since is not None:
        query = query.where(events.c.last_seen >= flt.since)
    # Newest first by first sighting: it never changes, so paging while events are still seen
    # neither skips nor repeats one (last_seen moves under the cursor).
    if flt.cursor is not None:
        query = query.where(
            sa.or_(
                events.c.first_seen < flt.cursor.at,
                sa.and_(events.c.first_seen == flt.cursor.at, events.c.id < flt.cursor.id),
            )
        )
    query = query.order_by(events.c.first_seen.desc(), events.c.id.desc()).limit(flt.limit)
    return [StoredEvent(**r) for r in conn.execute(query).mappings()]


def list_events_page(conn: Connection, flt: EventFilter) -> tuple[list[StoredEvent], str | None]:
    """One page and the cursor of the next (None on the last page)."""
    rows = list_events(conn, replace(flt, limit=flt.limit + 1))
    if len(rows) <= flt.limit:
        return rows, None
    rows = rows[: flt.limit]
    return rows, Cursor(rows[-1].first_seen, rows[-1].id).encode()


def resolve_event_id(conn: Connection, ref: str) -> str:
    """The id of the event ``ref`` names (full id or unique prefix); UsageError otherwise."""
    ref = ref.strip()
    exact = conn.execute(sa.select(events.c.id).where(events.c.id == ref)).scalar_one_or_none()
    if exact is not None:
        return str(exact)
    if len(ref) < MIN_PREFIX:
        raise UsageError(f"no event {ref!r} (give the id or at least {MIN_PREFIX} characters)")
    matches = [
        str(r)
        for r in conn.execute(
            sa.select(events.c.id).where(events.c.id.like(f"{ref}%")).limit(3)
        ).scalars()
    ]
    if not matches:
        raise UsageError(f"no event {ref!r}: see `monitor events list`")
    if len(matches) > 1:
        raise UsageError(f"event prefix {ref!r} is ambiguous ({', '.join(matches[:2])}, …)")
    return matches[0]


def event_detail(conn: Connection, event_id: str) -> EventDetail:
    transitions = [
        EventTransition(**r)
        for r in conn.execute(
            sa.select(transitions_t)
            .where(transitions_t.c.event_id == event_id)
            .order_by(transitions_t.c.at, transitions_t.c.id)
        ).mappings()
    ]
    deliveries = []
    query = (
        sa.select(
            outbox.c.id,
            outbox.c.transition_id,
            outbox.c.sink,
            outbox.c.state,
            outbox.c.attempts,
            outbox.c.created_at,
            outbox.c.delivered_at,
            outbox.c.external_ref,
            outbox.c.last_error,
            outbox.c.delivery_key,
        )
        .where(outbox.c.event_id == event_id)
        .order_by(outbox.c.created_at, outbox.c.sink)
    )
    reasons = {t.id: t.reason for t in transitions}
    for r in conn.execute(query).mappings():
        deliveries.append(EventDelivery(**r, reason=reasons.get(r["transition_id"])))
    return EventDetail(_row(conn, event_id), tuple(transitions), tuple(deliveries))


def ack_event(conn: Connection, event_id: str, *, by: str, now: datetime) -> StoredEvent:
    conn.execute(sa.update(events).where(events.c.id == event_id).values(acked_at=now, acked_by=by))
    return _row(conn, event_id)


def mute_event(
    conn: Connection, event_id: str, *, until: datetime | None, reason: str | None
) -> StoredEvent:
    """Mute until ``until`` (None lifts the mute)."""
    conn.execute(
        sa.update(events)
        .where(events.c.id == event_id)
        .values(muted_until=until, mute_reason=reason if until is not None else None)
    )
    return _row(conn, event_id)


def _row(conn: Connection, event_id: str) -> StoredEvent:
    query = sa.select(events).where(events.c.id == event_id)
    return StoredEvent(**conn.execute(query).mappings().one())
