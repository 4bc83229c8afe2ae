"""The read roles on every backend, through their Protocols: ``RunReads`` (runs, events and
evidence for the CLI, the API and the views) and ``SpendLedger`` (what budgets count)."""

from __future__ import annotations

from datetime import timedelta

from monitor.storage.base import RunLedger, RunReads, Store
from monitor.storage.params import Cursor, RunFilter
from tests.storage.builders import OK_BODY, T0, Recorder, no_usage_body

MINUTE = timedelta(minutes=1)


def _record(ledger: RunLedger, probe: str, minutes: list[int], status: int = 200) -> list[str]:
    recorder = Recorder(ledger, probe=probe)
    body = {"error": {"message": "no"}} if status >= 400 else None
    return [recorder.run(T0 + m * MINUTE, body, status=status).run_id for m in minutes]


def test_runs_are_listed_newest_first_and_paged_without_gaps_or_repeats(
    store: Store,
) -> None:
    ids = _record(store, "chat", list(range(5)))
    reads: RunReads = store  # the role the CLI's history and the API read through

    newest_first = [r["id"] for r in reads.list_runs(RunFilter(probes=("chat",), limit=10))]
    first, cursor = reads.list_runs_page(RunFilter(probes=("chat",), limit=2))
    assert cursor is not None
    second, last_cursor = reads.list_runs_page(
        RunFilter(probes=("chat",), limit=10, cursor=Cursor.decode(cursor))
    )

    assert newest_first == ids[::-1]
    assert [r["id"] for r in first + second] == newest_first
    assert last_cursor is None


def test_run_filters_select_by_probe_outcome_status_and_time(
    store: Store,
) -> None:
    ok = _record(store, "chat", [0, 1])
    failed = _record(store, "other", [2], status=500)

    by_probe = store.list_runs(RunFilter(probes=("chat",)))
    by_outcome = store.list_runs(RunFilter(outcomes=("fail",)))
    by_status = store.list_runs(RunFilter(status_codes=(500,)))
    by_time = store.list_runs(RunFilter(since=T0 + MINUTE, until=T0 + 2 * MINUTE))

    assert {r["id"] for r in by_probe} == set(ok)
    assert [r["id"] for r in by_outcome] == failed
    assert [r["id"] for r in by_status] == failed
    assert [r["id"] for r in by_time] == [ok[1]]


def test_a_run_reads_back_with_its_findings_and_its_evidence_without_the_key(
    store: Store,
) -> None:
    recorder = Recorder(store)
    for minute in range(2):
        recorder.run(T0 + minute * MINUTE)
    drifted = recorder.run(T0 + 2 * MINUTE, no_usage_body()).run_id

    row = store.get_run(drifted)
    evidence = store.get_evidence(drifted)

    assert row is not None

    assert row["outcome"] == "drift"
    assert any(f["kind"] == "property-removed" for f in row["findings"])
    assert evidence is not None
    assert "Bearer ***" in str(evidence)
    assert store.get_run("no-such-run") is None
    assert store.get_evidence("no-such-run") is None


def test_last_run_and_outcome_counts_see_only_completed_runs_of_the_probe(
    store: Store,
) -> None:
    passed = _record(store, "chat", [0, 1])
    failed = _record(store, "chat", [2], status=500)
    _record(store, "other", [3])

    last = store.last_run("chat")
    last_pass = store.last_run("chat", outcomes=("pass",))
    before = store.last_run("chat", before=T0 + MINUTE)
    counts = store.outcome_counts("chat", T0 - MINUTE)

    assert last is not None

    assert last["id"] == failed[0]
    assert last_pass is not None
    assert last_pass["id"] == passed[1]
    assert before is not None
    assert before["id"] == passed[0]
    assert counts == {"pass": 2, "fail": 1}
    assert store.last_run("never-ran") is None


def test_probe_status_names_the_latest_outcome_and_the_latest_success(
    store: Store,
) -> None:
    _record(store, "chat", [0])
    _record(store, "chat", [1], status=500)

    chat, silent = store.probe_status(["chat", "silent"])

    assert (chat.probe, chat.target, chat.last_outcome) == ("chat", "sim", "fail")
    assert chat.last_run_at == T0 + MINUTE
    assert chat.last_success_at == T0
    assert (silent.last_outcome, silent.last_run_at, silent.last_success_at) == (None, None, None)


def test_events_are_listed_and_paged_by_first_sighting_and_counted_when_open(
    store: Store,
) -> None:
    recorder = Recorder(store)
    for minute in range(2):
        recorder.run(T0 + minute * MINUTE)
    for minute in (2, 3):  # the same drift twice opens its events
        recorder.run(T0 + minute * MINUTE, no_usage_body())

    events = store.list_events(probes=("chat",))
    opened = store.list_events(states=("open",))
    page, cursor = store.list_events_page(probes=("chat",), limit=1)

    assert events
    assert all(e.probe == "chat" for e in events)
    assert {e.id for e in opened} <= {e.id for e in events}
    assert [e.id for e in page] == [events[0].id]
    assert (cursor is None) == (len(events) == 1)
    assert sum(store.open_event_counts().values()) == len(opened) > 0


def test_spend_counts_sent_requests_and_reported_tokens_of_a_target(
    store: Store,
) -> None:
    _record(store, "chat", [0, 1])
    tokens = OK_BODY["usage"]["prompt_tokens"] + OK_BODY["usage"]["completion_tokens"]

    requests, spent_tokens = store.spent("sim", T0, T0 + 2 * MINUTE)
    recent = store.recent_spend("sim", T0 + MINUTE)

    assert (requests, spent_tokens) == (2, 2 * tokens)
    assert recent.requests_last_minute == 2
    assert recent.tokens_last_day == 2 * tokens
    assert store.spent("elsewhere", T0, T0 + 2 * MINUTE) == (0, 0)
