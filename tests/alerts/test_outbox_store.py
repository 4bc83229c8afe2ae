"""The outbox's storage contract, on SQLite and PostgreSQL: claims are exclusive across
workers, a grouped message keeps its key across a restart, an unknown outcome is re-sent once,
a worker that lost its lease cannot overwrite the new owner's result."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from monitor.ids import new_id
from monitor.storage import SqlStore, create_store
from monitor.storage.params import ClaimPolicy, SelfObservation
from monitor.storage.records import AlertContext
from monitor.storage.sql.tables import delivery_attempts_table

T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def _store(url: str) -> SqlStore:
    return create_store(url, lambda: new_id(T0), auto_upgrade=url.startswith("sqlite"))


def _open_events(store: SqlStore, probes: list[str], target: str, sinks: list[str]) -> None:
    """One open event per probe, each with an outbox row per sink (through the real writer)."""

    def router(_context: AlertContext) -> list[str]:
        return list(sinks)

    for probe in probes:
        obs = SelfObservation(
            fingerprint=f"{probe}|health|monitor-stale|",
            probe=probe,
            target=target if target else probe,
            kind="monitor-stale",
            message="no completed run",
            seen=True,
        )
        store.observe_self(obs, T0, router)


def _attempts(store: SqlStore) -> list[str]:
    table = delivery_attempts_table
    with store.engine.connect() as conn:
        return [r.result for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_concurrent_workers_claim_disjoint_rows(db_url: str) -> None:
    setup = _store(db_url)
    _open_events(setup, [f"p{i}" for i in range(12)], "", ["slack", "webhook"])
    stores = [_store(db_url) for _ in range(3)]
    claimed: list[list[str]] = [[] for _ in stores]
    barrier = threading.Barrier(len(stores))

    def work(index: int) -> None:
        barrier.wait()
        while items := stores[index].claim_outbox(
            T0, f"w{index}", ClaimPolicy(lease=LEASE, limit=5)
        ):
            claimed[index] += [i.id for i in items]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = [i for ids in claimed for i in ids]
    assert len(everything) == 24
    assert len(set(everything)) == 24  # nobody claimed a row twice
    for store in (setup, *stores):
        store.close()


def test_a_grouped_message_keeps_its_key_when_a_restart_resends_it(db_url: str) -> None:
    store = _store(db_url)
    try:
        _open_events(store, ["a", "b", "c"], "sim", ["slack"])
        held = ClaimPolicy(
            lease=LEASE, group_hold=timedelta(seconds=30), group_sinks=frozenset({"slack"})
        )
        assert store.claim_outbox(T0 + timedelta(seconds=10), "w1", held) == []  # waiting
        first = store.claim_outbox(T0 + timedelta(seconds=31), "w1", held)
        assert len(first) == 3
        (key,) = {i.delivery_key for i in first}
        assert not any(i.unknown_outcome for i in first)
        # w1 dies after sending; after its lease, w2 gets the same message back.
        again = store.claim_outbox(T0 + timedelta(minutes=5), "w2", held)
        assert sorted(i.id for i in again) == sorted(i.id for i in first)
        assert {i.delivery_key for i in again} == {key}
        assert all(i.unknown_outcome for i in again)
        assert _attempts(store) == ["unknown"] * 3
        # w2 dies as well: a third copy is not risked, the rows fail visibly.
        assert store.claim_outbox(T0 + timedelta(minutes=10), "w3", held) == []
        status = {row.sink: row for row in store.alert_status()}
        assert status["slack"].failed == 3
        health = store.sink_health("slack", T0 + timedelta(minutes=10), timedelta(minutes=15))
        assert health.failing
        assert "expired twice" in health.reason
    finally:
        store.close()


def test_one_probes_several_events_are_not_grouped(db_url: str) -> None:
    store = _store(db_url)
    try:
        _open_events(store, ["a"], "sim", ["slack"])
        obs = SelfObservation(
            fingerprint="a|health|other|",
            probe="a",
            target="sim",
            kind="other",
            message="x",
            seen=True,
        )
        store.observe_self(obs, T0, lambda _c: ["slack"])
        items = store.claim_outbox(
            T0, "w", ClaimPolicy(lease=LEASE, group_sinks=frozenset({"slack"}), flush=True)
        )
        assert len(items) == 2
        assert len({i.delivery_key for i in items}) == 2
    finally:
        store.close()


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_new_owner(db_url: str) -> None:
    store = _store(db_url)
    try:
        _open_events(store, ["a"], "", ["webhook"])
        policy = ClaimPolicy(lease=LEASE)
        (item,) = store.claim_outbox(T0, "slow", policy)
        (again,) = store.claim_outbox(T0 + timedelta(minutes=2), "fast", policy)
        assert again.id == item.id
        lost = store.record_deliveries(
            [item.id],
            now=T0 + timedelta(minutes=3),
            result="failed",
            latency_ms=None,
            error="late",
            permanent=True,
            worker="slow",
        )
        assert lost == [item.id]
        kept = store.record_deliveries(
            [item.id],
            now=T0 + timedelta(minutes=3),
            result="delivered",
            latency_ms=5.0,
            worker="fast",
        )
        assert kept == []
        assert {r.sink: r.delivered for r in store.alert_status()} == {"webhook": 1}
    finally:
        store.close()


def test_the_migrated_schema_matches_the_tables(db_url: str) -> None:
    store = _store(db_url)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == []
    finally:
        store.close()
