"""The incident report's facts on every backend, for runs recorded the way replicas record
them: a taken-over run keeps its (older) id and gets a new start time, first failure and
recovery cost the same number of statements however many probes fail, and the assumption
ledger is counted over every run of the window, with or without ``runs.ledger_digest``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from monitor.report.sections import ledger
from monitor.storage import SqlStore
from monitor.storage.base import Store
from monitor.storage.params import Window
from monitor.storage.report_facts import ReportFacts
from monitor.storage.sql.tables import runs_table as runs
from tests.storage.builders import T0, Recorder, claim

WINDOW = Window(T0, T0 + timedelta(hours=1))
MINUTE = timedelta(minutes=1)


def _statements_of_one_report(store: SqlStore) -> tuple[ReportFacts, int]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        facts = store.report_facts(WINDOW)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return facts, len(seen)


def test_a_taken_over_run_is_placed_in_the_timeline_by_its_start_not_its_id(
    store: Store,
) -> None:
    recorder = Recorder(store)
    orphan = claim(slot=T0, started=T0, lease=timedelta(seconds=30))  # its owner dies
    assert store.claim_run(orphan)
    second = recorder.run(T0 + MINUTE)
    third = recorder.run(T0 + 2 * MINUTE)
    (taken,) = store.take_over_expired(T0 + 3 * MINUTE, "replica-b", {})
    resumed = recorder.record(taken.claim)  # started at +3 min, with the id made at +0
    assert resumed.run_id < second.run_id < third.run_id

    (stretch,) = store.report_facts(WINDOW).timeline

    assert (stretch.status_code, stretch.count) == (200, 3)
    assert (stretch.first_id, stretch.first_at) == (second.run_id, T0 + MINUTE)
    assert (stretch.last_id, stretch.last_at) == (resumed.run_id, T0 + 3 * MINUTE)


def test_first_failure_and_recovery_take_the_same_statements_for_one_or_many_failing_probes(
    open_store: Callable[[], Store],
) -> None:
    store = open_store()
    counts, recorded = [], []
    for probes in (["solo"], ["a", "b", "c", "d"]):
        for probe in probes:
            recorder = Recorder(store, probe=probe)
            recorder.run(T0 + MINUTE)
            recorder.run(T0 + 2 * MINUTE, {"error": {"message": "no"}}, status=500)
            recorder.run(T0 + 3 * MINUTE)
        recorded += probes
        facts, statements = _statements_of_one_report(store)
        counts.append(statements)
        assert [e.probe for e in facts.episodes] == sorted(recorded)
        for episode in facts.episodes:
            assert episode.first.status_code == 500
            assert episode.first.id == episode.last.id
            assert episode.recovered is not None
            assert episode.recovered.started_at == T0 + 3 * MINUTE
    assert counts[0] == counts[1]


def _ledger_lines(store: Store) -> list[tuple[str, int, tuple[str, ...]]]:
    statements = ledger(store.report_facts(WINDOW).ledgers)
    return [(s.text, s.count or 0, s.run_ids) for s in statements]


def test_ledger_counts_cover_every_run_of_the_window_whether_or_not_it_has_a_digest(
    store: SqlStore,
) -> None:
    chat, other = Recorder(store), Recorder(store, probe="other")
    failed = [chat.run(T0 + i * MINUTE, {"error": {"message": "no"}}, status=500) for i in (0, 1)]
    for i in range(2, 57):  # more passing runs than any sample: 55 + 1
        chat.run(T0 + i * MINUTE)
    other.run(T0 + 30 * MINUTE)
    outside = Recorder(store, probe="late")
    outside.run(T0 + 61 * MINUTE)  # after the window: not counted

    lines = _ledger_lines(store)

    assert lines == [
        (
            "Assumption `status 200` was unsupported in 2 runs, supported in 56 runs.",
            58,
            (failed[0].run_id, failed[1].run_id),
        )
    ]
    # runs recorded before migration 0007 have no digest: their evidence is read instead
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(runs).where(runs.c.started_at < T0 + 40 * MINUTE).values(ledger_digest=None)
        )
    assert _ledger_lines(store) == lines
