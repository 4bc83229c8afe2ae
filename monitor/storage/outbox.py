"""The outbox: alert deliveries claimed with a conditional update and a lease.

Delivery is at-least-once. A row whose lease expired while ``sending`` (the process died after
claiming, maybe after sending) is claimed again and re-sent with the same idempotency key.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.records import OutboxItem
from monitor.storage.tables import DeliveryAttemptRow, OutboxRow, TransitionRow

outbox = OutboxRow.__table__  # type: ignore[attr-defined]
attempts_t = DeliveryAttemptRow.__table__  # type: ignore[attr-defined]
transitions_t = TransitionRow.__table__  # type: ignore[attr-defined]


def claim_outbox(
    conn: Connection, now: datetime, worker: str, lease: timedelta, limit: int
) -> list[OutboxItem]:
    due = (
        sa.select(outbox.c.id)
        .where(
            sa.or_(
                sa.and_(outbox.c.state == "pending", outbox.c.next_attempt_at <= now),
                sa.and_(outbox.c.state == "sending", outbox.c.lease_until < now),
            )
        )
        .order_by(outbox.c.created_at, outbox.c.id)
        .limit(limit)
    )
    candidates = [row.id for row in conn.execute(due)]
    claimed: list[OutboxItem] = []
    for outbox_id in candidates:
        # The conditional update is the claim: of two workers only one sees rowcount 1.
        result = conn.execute(
            sa.update(outbox)
            .where(
                outbox.c.id == outbox_id,
                sa.or_(
                    sa.and_(outbox.c.state == "pending", outbox.c.next_attempt_at <= now),
                    sa.and_(outbox.c.state == "sending", outbox.c.lease_until < now),
                ),
            )
            .values(state="sending", lease_until=now + lease, claimed_by=worker)
        )
        if result.rowcount != 1:
            continue
        row = conn.execute(sa.select(outbox).where(outbox.c.id == outbox_id)).mappings().one()
        claimed.append(
            OutboxItem(
                id=row["id"],
                sink=row["sink"],
                event_id=row["event_id"],
                transition_id=row["transition_id"],
                attempts=row["attempts"],
                idempotency_key=row["idempotency_key"],
                external_ref=row["external_ref"],
                payload=row["payload"] or {},
                thread_ref=_thread_ref(conn, row["event_id"], row["sink"]),
            )
        )
    return claimed


def _thread_ref(conn: Connection, event_id: str, sink: str) -> str | None:
    """The external ref of the first delivered message for this event on this sink."""
    query = (
        sa.select(outbox.c.external_ref)
        .where(
            outbox.c.event_id == event_id,
            outbox.c.sink == sink,
            outbox.c.state == "delivered",
            outbox.c.external_ref.is_not(None),
        )
        .order_by(outbox.c.delivered_at)
        .limit(1)
    )
    ref = conn.execute(query).scalar_one_or_none()
    return str(ref) if ref is not None else None


def record_attempt(
    conn: Connection,
    outbox_id: str,
    *,
    now: datetime,
    result: str,
    latency_ms: float | None,
    error: str | None = None,
    status_code: int | None = None,
    external_ref: str | None = None,
    retry_at: datetime | None = None,
    permanent: bool = False,
) -> None:
    conn.execute(
        attempts_t.insert().values(
            outbox_id=outbox_id,
            at=now,
            result=result,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
        )
    )
    values: dict[str, object] = {"attempts": outbox.c.attempts + 1, "lease_until": None}
    if result == "delivered":
        values.update(state="delivered", delivered_at=now, last_error=None)
        if external_ref is not None:
            values["external_ref"] = external_ref
    elif result == "failed":
        values.update(state="failed", last_error=error, permanent=permanent)
    else:
        values.update(state="pending", last_error=error, next_attempt_at=retry_at or now)
    conn.execute(sa.update(outbox).where(outbox.c.id == outbox_id).values(**values))


def pending_count(conn: Connection) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(outbox)
        .where(outbox.c.state.in_(("pending", "sending")))
    )
    return int(conn.execute(query).scalar_one())
