"""Read side of the outbox: per-sink status (``monitor alert status``) and sink health (the
self-watch's delivery-failure meta-alert).

A sink is failing when its latest finished attempt failed (``invalid_auth``, a webhook 404,
retries exhausted) or when one of its alerts has waited longer than ``alerts.undelivered_after``.
Suppressed rows (muted, maintenance) never count against a sink.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.core.model import DeliveryResult
from monitor.storage.records import SinkHealth
from monitor.storage.sql.tables import delivery_attempts_table as attempts_t
from monitor.storage.sql.tables import events_table as events
from monitor.storage.sql.tables import outbox_table as outbox
from monitor.storage.status_records import Delivery, SinkStatus

STATES = ("pending", "sending", "delivered", "failed", "suppressed")


def status_by_sink(conn: Connection) -> list[SinkStatus]:
    counts: dict[str, dict[str, Any]] = {}
    query = sa.select(outbox.c.sink, outbox.c.state, sa.func.count()).group_by(
        outbox.c.sink, outbox.c.state
    )
    for sink, state, count in conn.execute(query):
        entry = counts.setdefault(sink, {"sink": sink, **dict.fromkeys(STATES, 0)})
        entry[state] = int(count)
    for sink, entry in counts.items():
        entry["oldest_pending_at"] = conn.execute(
            sa.select(sa.func.min(outbox.c.created_at)).where(
                outbox.c.sink == sink, outbox.c.state.in_(("pending", "sending"))
            )
        ).scalar_one()
        entry["last_delivered_at"] = conn.execute(
            sa.select(sa.func.max(outbox.c.delivered_at)).where(outbox.c.sink == sink)
        ).scalar_one()
        last = _last_finished(conn, sink)
        entry["last_error"] = (
            last["error"] if last and last["result"] == DeliveryResult.FAILED else None
        )
    return [SinkStatus(**counts[sink]) for sink in sorted(counts)]


def list_deliveries(
    conn: Connection, *, states: tuple[str, ...] = (), limit: int = 20
) -> list[Delivery]:
    query = sa.select(
        outbox.c.id,
        outbox.c.sink,
        outbox.c.state,
        outbox.c.attempts,
        outbox.c.created_at,
        outbox.c.delivered_at,
        outbox.c.next_attempt_at,
        outbox.c.last_error,
        outbox.c.permanent,
        outbox.c.event_id,
        outbox.c.payload,
        events.c.probe,
        events.c.target,
        events.c.kind,
    ).join(events, events.c.id == outbox.c.event_id)
    if states:
        query = query.where(outbox.c.state.in_(states))
    query = query.order_by(outbox.c.created_at.desc(), outbox.c.id.desc()).limit(limit)
    out = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        payload = item.pop("payload") or {}
        item["reason"] = payload.get("transition", {}).get("reason")
        out.append(Delivery(**item))
    return out


def _last_finished(conn: Connection, sink: str) -> Any:
    query = (
        sa.select(attempts_t.c.result, attempts_t.c.error, attempts_t.c.at)
        .join(outbox, outbox.c.id == attempts_t.c.outbox_id)
        .where(
            outbox.c.sink == sink,
            attempts_t.c.result.in_((DeliveryResult.DELIVERED.value, DeliveryResult.FAILED.value)),
        )
        .order_by(attempts_t.c.at.desc(), attempts_t.c.id.desc())
        .limit(1)
    )
    return conn.execute(query).mappings().first()


def sink_health(
    conn: Connection, sink: str, now: datetime, undelivered_after: timedelta
) -> SinkHealth:
    undelivered = int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.sink == sink, outbox.c.state.in_(("pending", "sending", "failed")))
        ).scalar_one()
    )
    last = _last_finished(conn, sink)
    if last is not None and last["result"] == DeliveryResult.FAILED:
        return SinkHealth(sink, True, f"{sink} fails: {last['error']}", undelivered)
    stuck = conn.execute(
        sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(
            outbox.c.sink == sink,
            outbox.c.state.in_(("pending", "sending")),
            outbox.c.created_at < now - undelivered_after,
        )
    ).one()
    if stuck[0]:
        age = now - stuck[1]
        minutes = int(age.total_seconds() // 60)
        return SinkHealth(
            sink,
            True,
            f"{stuck[0]} alert(s) to {sink} undelivered for more than {minutes} min",
            undelivered,
        )
    return SinkHealth(sink, False, "", undelivered)
