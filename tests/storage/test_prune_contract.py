"""Retention on every backend: old runs go in batches, passing bodies go sooner, and what an
incident needs (baselines, events, runs events refer to, held windows) stays."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.config.schema import RetentionConfig
from monitor.ids import new_id
from monitor.runner.retention import prune
from monitor.storage import SqlStore
from monitor.storage.base import Store
from monitor.storage.sql.tables import holds_table
from tests.storage.builders import T0, Recorder, no_usage_body

POLICY = RetentionConfig(runs=timedelta(days=30), bodies=timedelta(days=7))
NOW = T0 + timedelta(days=60)


def _days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _count(store: SqlStore, sql: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def _bodies(store: SqlStore) -> dict[str, bool]:
    """run id -> whether its body is still stored."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT run_id, body FROM evidence"))
        return {r.run_id: r.body is not None for r in rows}


def _hold(store: SqlStore, since: datetime, until: datetime, released: bool = False) -> None:
    holds = holds_table
    with store.engine.begin() as conn:
        conn.execute(
            holds.insert().values(
                id=new_id(since),
                since=since,
                until=until,
                reason="INC-42",
                created_at=NOW,
                released_at=NOW if released else None,
            )
        )


def test_runs_older_than_retention_are_deleted_with_their_evidence_and_findings(
    store: Store,
) -> None:
    recorder = Recorder(store)
    old = [recorder.run(_days_ago(40 - i / 24)) for i in range(3)]
    recent = recorder.run(_days_ago(29))
    report = prune(store, POLICY, NOW)
    assert report.runs_deleted == 3
    assert _count(store, "SELECT count(*) FROM runs") == 1
    assert set(_bodies(store)) == {recent.run_id}
    assert _count(store, "SELECT count(*) FROM findings") == 0
    assert not any(store.get_run(r.run_id) for r in old)


def test_bodies_of_passing_runs_are_dropped_sooner_and_failures_keep_theirs(
    store: SqlStore,
) -> None:
    recorder = Recorder(store)
    passing_old = recorder.run(_days_ago(8))
    failing_old = recorder.run(_days_ago(8) + timedelta(hours=1), {"error": "x"}, status=500)
    passing_new = recorder.run(_days_ago(6))
    report = prune(store, POLICY, NOW)
    assert (report.runs_deleted, report.bodies_dropped) == (0, 1)
    assert _bodies(store) == {
        passing_old.run_id: False,
        failing_old.run_id: True,
        passing_new.run_id: True,
    }
    with store.engine.connect() as conn:
        shape = conn.execute(
            sa.text("SELECT shape FROM evidence WHERE run_id = :id"), {"id": passing_old.run_id}
        ).scalar_one()
    assert shape is not None  # the shape stays; only the raw body goes


def test_runs_an_event_refers_to_are_kept_with_their_shapes_and_baselines_stay(
    store: Store,
) -> None:
    recorder = Recorder(store)
    for hour in range(2):
        recorder.run(_days_ago(45) + timedelta(hours=hour))
    first = recorder.run(_days_ago(44), no_usage_body())
    opened = recorder.run(_days_ago(43), no_usage_body())
    events_before = store.list_events()
    baselines_before = store.list_baselines("chat")
    transitions_before = _count(store, "SELECT count(*) FROM transitions")
    report = prune(store, POLICY, NOW)
    assert report.runs_deleted == 2  # the two learning runs nobody refers to
    assert store.get_run(first.run_id) is not None
    assert store.get_run(opened.run_id) is not None
    assert _bodies(store) == {first.run_id: True, opened.run_id: True}
    assert store.list_events() == events_before
    assert store.list_baselines("chat") == baselines_before
    assert _count(store, "SELECT count(*) FROM transitions") == transitions_before
    assert _count(store, "SELECT count(*) FROM findings") >= 2


def test_runs_inside_an_active_hold_are_neither_deleted_nor_stripped(store: Store) -> None:
    recorder = Recorder(store)
    held = recorder.run(_days_ago(40))
    held_passing = recorder.run(_days_ago(10))
    outside = recorder.run(_days_ago(50))
    _hold(store, _days_ago(41), _days_ago(39))
    _hold(store, _days_ago(11), _days_ago(9))
    _hold(store, _days_ago(51), _days_ago(49), released=True)  # released: no longer protects
    report = prune(store, POLICY, NOW)
    assert report.runs_deleted == 1
    assert store.get_run(outside.run_id) is None
    assert _bodies(store) == {held.run_id: True, held_passing.run_id: True}


def test_pruning_goes_in_small_batches_until_nothing_is_left(store: Store) -> None:
    recorder = Recorder(store)
    for i in range(7):
        recorder.run(_days_ago(40) + timedelta(minutes=i))
    for i in range(4):
        recorder.run(_days_ago(9) + timedelta(minutes=i))
    dry = prune(store, POLICY, NOW, dry_run=True)
    assert (dry.runs_deleted, dry.bodies_dropped, dry.dry_run) == (7, 4, True)
    assert _count(store, "SELECT count(*) FROM runs") == 11
    report = prune(store, POLICY, NOW, batch_size=3)
    assert (report.runs_deleted, report.bodies_dropped) == (7, 4)
    assert report.batches == 3  # 3+3, 3+1, then 1+0
    assert prune(store, POLICY, NOW).runs_deleted == 0


def test_unfinished_claims_are_left_to_the_reaper(store: Store) -> None:
    from tests.storage.builders import claim

    assert store.claim_run(claim(slot=_days_ago(40), started=_days_ago(40)))
    assert prune(store, POLICY, NOW).runs_deleted == 0
    assert _count(store, "SELECT count(*) FROM runs") == 1


def test_on_postgresql_only_one_replica_prunes_at_a_time(pg_url: str) -> None:
    from monitor.storage import create_store
    from monitor.storage.sql.prune import _LOCK_KEY

    store = create_store(pg_url, lambda: new_id(NOW))
    try:
        Recorder(store).run(_days_ago(40))
        with store.engine.begin() as other_replica:
            other_replica.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            report = prune(store, POLICY, NOW)
            assert report.busy
            assert report.runs_deleted == 0
        assert prune(store, POLICY, NOW).runs_deleted == 1
    finally:
        store.close()
