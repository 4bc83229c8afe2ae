"""The outbox: alert deliveries claimed with a conditional update and a lease.

Invariants:
- A row is claimed by ``UPDATE … WHERE id = ? AND <still due>``; of two workers (threads,
  processes, replicas) only the one that sees ``rowcount == 1`` owns it, until ``lease_until``.
- Rows of one message share ``delivery_key`` (a grouped alert: several probes of one target
  opening together, or the events one run of a probe opened; one probe's openings by
  different runs stay separate messages). The key is written
  when the group is first claimed, so a retry or a restart re-sends the same group under the
  same key.
- Delivery is at-least-once. A row whose lease expired while ``sending`` (its sender died,
  maybe after sending) is claimed again with ``unknown_outcome`` set and re-sent with the same
  key — at most once: a second expiry marks it ``failed`` instead of risking a third copy.
- Every outcome is a ``delivery_attempts`` row; recording is fenced by ``claimed_by`` so a
  worker that lost its lease cannot overwrite the new owner's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.core.model import DeliveryResult
from monitor.storage.params import ClaimPolicy
from monitor.storage.records import OutboxItem
from monitor.storage.sql.outbox_items import item_with_context
from monitor.storage.sql.tables import delivery_attempts_table as attempts_t
from monitor.storage.sql.tables import outbox_table as outbox

MAX_GROUP = 50  # Slack allows 50 blocks a message; more events than that get their own message
UNKNOWN_TWICE = (
    "the sender's lease expired twice while sending; not re-sent again to avoid duplicates"
)


def _pending_due(now: datetime, policy: ClaimPolicy) -> Any:
    due = sa.and_(outbox.c.state == "pending", outbox.c.next_attempt_at <= now)
    if policy.flush or not policy.group_sinks or policy.group_hold <= timedelta():
        return due
    held = sa.and_(
        outbox.c.sink.in_(sorted(policy.group_sinks)),
        outbox.c.group_key.is_not(None),
        outbox.c.delivery_key.is_(None),
        outbox.c.created_at > now - policy.group_hold,
    )
    return sa.and_(due, sa.not_(held))


def _expired(now: datetime) -> Any:
    return sa.and_(outbox.c.state == "sending", outbox.c.lease_until < now)


def claim_outbox(
    conn: Connection, now: datetime, worker: str, policy: ClaimPolicy
) -> list[OutboxItem]:
    claimable = sa.or_(_pending_due(now, policy), _expired(now))
    due = (
        sa.select(outbox.c.id)
        .where(claimable)
        .order_by(outbox.c.created_at, outbox.c.id)
        .limit(policy.limit)
    )
    claimed: dict[str, dict[str, Any]] = {}
    for outbox_id in [row.id for row in conn.execute(due)]:
        if outbox_id in claimed:
            continue
        row = _claim_one(conn, outbox_id, now, worker, policy, claimable)
        if row is None:
            continue
        claimed[outbox_id] = row
        for sibling in _claim_siblings(conn, row, now, worker, policy, claimed):
            claimed[sibling["id"]] = sibling
    return [item_with_context(conn, row) for row in claimed.values()]


def _claim_one(
    conn: Connection,
    outbox_id: str,
    now: datetime,
    worker: str,
    policy: ClaimPolicy,
    condition: Any,
) -> dict[str, Any] | None:
    before = conn.execute(sa.select(outbox).where(outbox.c.id == outbox_id)).mappings().first()
    if before is None:
        return None
    # The conditional update is the claim: of two workers only one sees rowcount 1.
    result = conn.execute(
        sa.update(outbox)
        .where(outbox.c.id == outbox_id, outbox.c.state == before["state"], condition)
        .values(state="sending", lease_until=now + policy.lease, claimed_by=worker)
    )
    if result.rowcount != 1:
        return None
    row = dict(before)
    row["unknown_outcome"] = before["state"] == "sending"
    if row["unknown_outcome"] and not _note_unknown(conn, row, now):
        return None
    return row


def _note_unknown(conn: Connection, row: dict[str, Any], now: datetime) -> bool:
    """Record that a sender died mid-delivery; False when this happened before (give up)."""
    earlier = conn.execute(
        sa.select(sa.func.count())
        .select_from(attempts_t)
        .where(
            attempts_t.c.outbox_id == row["id"], attempts_t.c.result == DeliveryResult.UNKNOWN.value
        )
    ).scalar_one()
    error = f"lease of {row['claimed_by']} expired while sending; outcome unknown"
    conn.execute(
        attempts_t.insert().values(
            outbox_id=row["id"], at=now, result=DeliveryResult.UNKNOWN.value, error=error
        )
    )
    if earlier:
        conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == row["id"])
            .values(state="failed", lease_until=None, last_error=UNKNOWN_TWICE, permanent=False)
        )
        conn.execute(
            attempts_t.insert().values(
                outbox_id=row["id"], at=now, result=DeliveryResult.FAILED.value, error=UNKNOWN_TWICE
            )
        )
        return False
    return True


def _claim_siblings(
    conn: Connection,
    leader: dict[str, Any],
    now: datetime,
    worker: str,
    policy: ClaimPolicy,
    claimed: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Claim the rest of the leader's message and fix its ``delivery_key``."""
    if leader["delivery_key"] is not None:
        same = outbox.c.delivery_key == leader["delivery_key"]
        condition = sa.or_(
            sa.and_(outbox.c.state == "pending", outbox.c.next_attempt_at <= now), _expired(now)
        )
    elif leader["sink"] in policy.group_sinks and leader["group_key"] is not None:
        same = sa.and_(
            outbox.c.sink == leader["sink"],
            outbox.c.group_key == leader["group_key"],
            outbox.c.delivery_key.is_(None),
        )
        # A sibling joins the group now even if its own hold has not passed yet.
        condition = sa.and_(outbox.c.state == "pending", outbox.c.next_attempt_at <= now)
    else:
        _set_delivery_key(conn, [leader["id"]], leader["idempotency_key"])
        leader["delivery_key"] = leader["idempotency_key"]
        return []
    query = (
        sa.select(outbox.c.id)
        .where(same, outbox.c.id != leader["id"], condition)
        .order_by(outbox.c.created_at, outbox.c.id)
        .limit(MAX_GROUP - 1)
    )
    members = []
    for sibling_id in [r.id for r in conn.execute(query)]:
        if sibling_id in claimed:
            continue
        row = _claim_one(conn, sibling_id, now, worker, policy, condition)
        if row is not None:
            members.append(row)
    grouped = members
    if leader["delivery_key"] is None and len({_probe(r) for r in (leader, *members)}) < 2:
        # One probe: the events one run opened share a root cause and page once; openings of
        # other runs are other causes and keep their own message (and thread).
        run = _run(leader)
        grouped = [m for m in members if run is not None and _run(m) == run]
        for row in members:
            if row not in grouped:
                _set_delivery_key(conn, [row["id"]], row["idempotency_key"])
                row["delivery_key"] = row["idempotency_key"]
    key = leader["delivery_key"] or leader["idempotency_key"]
    _set_delivery_key(conn, [leader["id"], *(m["id"] for m in grouped)], key)
    for row in (leader, *grouped):
        row["delivery_key"] = key
    return members


def _probe(row: dict[str, Any]) -> str:
    return str(((row["payload"] or {}).get("event") or {}).get("probe"))


def _run(row: dict[str, Any]) -> str | None:
    """The run whose transition the row announces; None for self-watch events (no run)."""
    run_id = ((row["payload"] or {}).get("run") or {}).get("id")
    return None if run_id is None else str(run_id)


def _set_delivery_key(conn: Connection, ids: Sequence[str], key: str) -> None:
    conn.execute(sa.update(outbox).where(outbox.c.id.in_(ids)).values(delivery_key=key))


def record_attempt(
    conn: Connection,
    outbox_id: str,
    *,
    now: datetime,
    result: DeliveryResult | str,
    latency_ms: float | None,
    error: str | None = None,
    status_code: int | None = None,
    external_ref: str | None = None,
    retry_at: datetime | None = None,
    permanent: bool = False,
    worker: str | None = None,
) -> bool:
    """Record one attempt; False when ``worker`` no longer holds the row (lease lost)."""
    result = DeliveryResult(result)  # a plain string is checked here, before it is stored
    conn.execute(
        attempts_t.insert().values(
            outbox_id=outbox_id,
            at=now,
            result=result.value,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
        )
    )
    values: dict[str, object] = {"lease_until": None}
    if result is not DeliveryResult.SUPPRESSED:
        values["attempts"] = outbox.c.attempts + 1
    if result is DeliveryResult.DELIVERED:
        values.update(state="delivered", delivered_at=now, last_error=None)
        if external_ref is not None:
            values["external_ref"] = external_ref
    elif result is DeliveryResult.FAILED:
        values.update(state="failed", last_error=error, permanent=permanent)
    elif result is DeliveryResult.SUPPRESSED:
        values.update(state="suppressed", last_error=error)
    else:
        values.update(state="pending", last_error=error, next_attempt_at=retry_at or now)
    update = sa.update(outbox).where(outbox.c.id == outbox_id)
    if worker is not None:
        update = update.where(outbox.c.claimed_by == worker, outbox.c.state == "sending")
    return bool(conn.execute(update.values(**values)).rowcount == 1)


def defer(conn: Connection, outbox_ids: Sequence[str], worker: str, at: datetime) -> None:
    """Give claimed rows back untouched, due at ``at`` (the channel is paused until then)."""
    conn.execute(
        sa.update(outbox)
        .where(outbox.c.id.in_(outbox_ids), outbox.c.claimed_by == worker)
        .where(outbox.c.state == "sending")
        .values(state="pending", lease_until=None, next_attempt_at=at)
    )


def pending_count(conn: Connection) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(outbox)
        .where(outbox.c.state.in_(("pending", "sending")))
    )
    return int(conn.execute(query).scalar_one())


def next_pending_at(conn: Connection) -> datetime | None:
    """When the earliest pending row becomes due (None when nothing is pending)."""
    query = sa.select(sa.func.min(outbox.c.next_attempt_at)).where(outbox.c.state == "pending")
    value = conn.execute(query).scalar_one_or_none()
    return value if isinstance(value, datetime) else None
