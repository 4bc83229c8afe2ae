"""What the dispatcher needs to know about a claimed outbox row besides the row itself: the
event as it is now (muted? acknowledged?), the opening message to reply to (``thread_ref``),
whether that opening went out (``opening_state``) and which events it announced (for redraws).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.config.timeparse import iso_z
from monitor.core.alert_payload import AlertPayload
from monitor.core.events import RESOLVING_REASONS
from monitor.storage.records import QUIET_REF, OutboxItem
from monitor.storage.sql.tables import events_table as events
from monitor.storage.sql.tables import outbox_table as outbox
from monitor.storage.sql.tables import transitions_table as transitions


def item_with_context(conn: Connection, row: dict[str, Any]) -> OutboxItem:
    event = (
        conn.execute(
            sa.select(
                events.c.state, events.c.muted_until, events.c.mute_reason, events.c.acked_at
            ).where(events.c.id == row["event_id"])
        )
        .mappings()
        .first()
    )
    thread_ref = _thread_ref(conn, row["event_id"], row["sink"], row["transition_id"])
    return OutboxItem(
        id=row["id"],
        sink=row["sink"],
        event_id=row["event_id"],
        transition_id=row["transition_id"],
        attempts=row["attempts"],
        idempotency_key=row["idempotency_key"],
        external_ref=row["external_ref"],
        payload=AlertPayload.from_json(row["payload"] or {}),
        thread_ref=thread_ref,
        opening_state=_opening_state(conn, row),
        delivery_key=row["delivery_key"],
        created_at=row["created_at"],
        unknown_outcome=bool(row["unknown_outcome"]),
        event_state=event["state"] if event else None,
        muted_until=event["muted_until"] if event else None,
        mute_reason=event["mute_reason"] if event else None,
        acked_at=event["acked_at"] if event else None,
        thread_events=tuple(_thread_events(conn, row["sink"], thread_ref)) if thread_ref else (),
    )


def _thread_ref(conn: Connection, event_id: str, sink: str, transition_id: str) -> str | None:
    """The external ref of the first delivered message for this event on this sink."""
    query = (
        sa.select(outbox.c.external_ref)
        .where(
            outbox.c.event_id == event_id,
            outbox.c.sink == sink,
            outbox.c.transition_id != transition_id,
            outbox.c.state == "delivered",
            outbox.c.external_ref.is_not(None),
        )
        .order_by(outbox.c.delivered_at, outbox.c.id)
        .limit(1)
    )
    ref = conn.execute(query).scalar_one_or_none()
    return str(ref) if ref is not None else None


def _opening_state(conn: Connection, row: dict[str, Any]) -> str | None:
    query = (
        sa.select(outbox.c.state)
        .where(
            outbox.c.event_id == row["event_id"],
            outbox.c.sink == row["sink"],
            outbox.c.transition_id != row["transition_id"],
            outbox.c.created_at <= row["created_at"],
        )
        .order_by(outbox.c.created_at, outbox.c.id)
        .limit(1)
    )
    state = conn.execute(query).scalar_one_or_none()
    return str(state) if state is not None else None


def _thread_events(conn: Connection, sink: str, ref: str) -> list[dict[str, Any]]:
    """The events announced by the message ``ref`` (one, or a grouped alert's members)."""
    ids = (
        sa.select(outbox.c.event_id)
        .where(outbox.c.sink == sink, outbox.c.external_ref == ref)
        .distinct()
    )
    query = (
        sa.select(
            events.c.id,
            events.c.probe,
            events.c.target,
            events.c.kind,
            events.c.path,
            events.c.severity,
            events.c.state,
            events.c.message,
            events.c.opened_at,
            events.c.resolved_at,
        )
        .where(events.c.id.in_(ids))
        .order_by(events.c.probe, events.c.id)
    )
    # Each member's payload as the opening message showed it (its first row in this thread), so
    # a redraw keeps the evidence (trace ids, runbooks) and only the states change.
    first_rows = (
        sa.select(outbox.c.event_id, outbox.c.payload)
        .where(outbox.c.sink == sink, outbox.c.external_ref == ref)
        .order_by(outbox.c.id)
    )
    openings: dict[str, Any] = {}
    for row in conn.execute(first_rows).mappings():
        openings.setdefault(row["event_id"], row["payload"])
    # a resolution held back (muted, failed for good) closes nothing either: count it quiet,
    # so the members still waiting pick the closer among themselves
    resolutions = {
        str(r.event_id): "sent"
        if r.state == "delivered" and not str(r.external_ref or "").startswith(QUIET_REF)
        else "quiet"
        for r in conn.execute(
            sa.select(outbox.c.event_id, outbox.c.external_ref, outbox.c.state)
            .join(transitions, transitions.c.id == outbox.c.transition_id)
            .where(
                outbox.c.sink == sink,
                outbox.c.state.in_(("delivered", "suppressed", "failed")),
                outbox.c.event_id.in_(ids),
                transitions.c.reason.in_(sorted(RESOLVING_REASONS)),
            )
        )
    }
    return [
        {
            **dict(r),
            "opened_at": iso_z(r["opened_at"]),
            "resolved_at": iso_z(r["resolved_at"]),
            "opening": openings.get(r["id"]),
            # how its resolution went out on this sink (see ``Delivery.closes_thread``)
            "resolution": resolutions.get(str(r["id"])),
        }
        for r in conn.execute(query).mappings()
    ]
