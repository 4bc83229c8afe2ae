"""The outbox on every backend: a row is claimed by one worker until its lease expires,
delivered once, retried or failed as recorded, and released back to the queue on shutdown."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from monitor.storage import SqlStore
from monitor.storage.base import Store
from tests.storage.builders import T0, Recorder, no_usage_body

LEASE = timedelta(seconds=60)
LATER = T0 + timedelta(hours=1)


def _open_alerts(store: Store, probes: int = 1) -> None:
    """Open one drift event per probe; each queues one console alert."""
    for i in range(probes):
        recorder = Recorder(store, probe=f"chat-{i}")
        for minute in range(2):
            recorder.run(T0 + timedelta(minutes=minute))
        for minute in range(2, 4):
            recorder.run(T0 + timedelta(minutes=minute), no_usage_body())


def _states(store: SqlStore) -> list[tuple[str, int]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT state, attempts FROM outbox ORDER BY id"))
        return [(r.state, r.attempts) for r in rows]


def test_a_claimed_row_belongs_to_one_worker_until_its_lease_expires(store: Store) -> None:
    _open_alerts(store)
    (item,) = store.claim_outbox(LATER, "replica-a", LEASE)
    assert item.sink == "console"
    assert item.payload
    assert store.claim_outbox(LATER + timedelta(seconds=59), "replica-b", LEASE) == []
    (again,) = store.claim_outbox(LATER + timedelta(seconds=61), "replica-b", LEASE)
    assert again.id == item.id
    assert again.idempotency_key == item.idempotency_key  # a re-send is recognisable


def test_concurrent_workers_claim_each_alert_exactly_once(
    open_store: Callable[[], Store],
) -> None:
    first = open_store()
    _open_alerts(first, probes=6)
    workers = [open_store() for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    claimed: list[str] = []
    lock = threading.Lock()

    def work(i: int, s: Store) -> None:
        barrier.wait()
        while items := s.claim_outbox(LATER, f"replica-{i}", LEASE, limit=2):
            with lock:
                claimed.extend(item.id for item in items)

    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(claimed) == 6
    assert len(set(claimed)) == 6


def test_deliveries_are_recorded_as_delivered_retried_or_failed(store: Store) -> None:
    _open_alerts(store, probes=3)
    items = store.claim_outbox(LATER, "replica-a", LEASE)
    assert len(items) == 3
    ok, retry, dead = items
    store.record_delivery(ok.id, now=LATER, result="delivered", latency_ms=3.0)
    store.record_delivery(
        retry.id,
        now=LATER,
        result="retry",
        latency_ms=3.0,
        error="503",
        retry_at=LATER + timedelta(seconds=30),
    )
    store.record_delivery(
        dead.id, now=LATER, result="failed", latency_ms=3.0, error="400", permanent=True
    )
    assert store.pending_alerts() == 1
    assert store.claim_outbox(LATER + timedelta(seconds=29), "replica-a", LEASE) == []
    (due,) = store.claim_outbox(LATER + timedelta(seconds=30), "replica-a", LEASE)
    assert due.id == retry.id
    assert due.attempts == 1


def test_released_alerts_go_back_to_the_queue_for_another_replica(store: Store) -> None:
    _open_alerts(store, probes=2)
    mine = store.claim_outbox(LATER, "replica-a", LEASE)
    assert len(mine) == 2
    store.record_delivery(mine[0].id, now=LATER, result="delivered", latency_ms=1.0)
    assert store.release_outbox("replica-a") == 1
    (other,) = store.claim_outbox(LATER, "replica-b", LEASE)  # no wait for the lease
    assert other.id == mine[1].id
    assert sorted(_states(store)) == [("delivered", 1), ("sending", 0)]
