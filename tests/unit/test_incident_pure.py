"""Pure pieces of the incident tooling: report statements from facts, span helpers, cursors,
JSON logs with the trace id."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from monitor.report import ReportInput, build_report
from monitor.report.markdown import render_markdown
from monitor.storage.params import Cursor
from monitor.storage.report_facts import ReportFacts
from monitor.telemetry.logs import configure_logging
from monitor.telemetry.run_span import provider_name, safe_url

T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)


def _facts(**overrides: Any) -> dict[str, Any]:
    totals = {
        "runs": 10,
        "pass": 8,
        "drift": 0,
        "fail": 2,
        "skipped": 0,
        "requests": 10,
        "attempts": 13,
        "ok2xx": 8,
        "usage_present": 6,
        "prompt_tokens": 60,
        "completion_tokens": 40,
        "probes": 1,
    }
    facts: dict[str, Any] = {
        "totals": totals,
        "failures": [],
        "timeline": [],
        "episodes": [],
        "open_questions": [],
        "account_questions": {"count": 0, "run_ids": []},
        "account": {"statuses": [], "findings": []},
        "usage_absent_ids": ["r7", "r8"],
        "baselines": [],
        "ledgers": [],
    }
    facts.update(overrides)
    return facts


def _report(facts: dict[str, Any]) -> Any:
    typed = ReportFacts.from_dict(facts)
    return build_report(ReportInput(typed, T0, T0 + timedelta(hours=1), contracts={"comet": None}))


def test_usage_absent_is_a_share_of_successful_responses_with_run_ids() -> None:
    report = _report(_facts())
    present, absent = report.section("usage").statements
    assert present.text == "Usage fields were present in 6 of 8 successful responses (75%)."
    assert absent.text == "Usage fields were absent in 2 of 8 successful responses (25%)."
    assert absent.run_ids == ("r7", "r8")


def test_retries_are_attempts_beyond_one_per_request() -> None:
    (sent, _tokens) = _report(_facts()).section("spend").statements
    assert sent.text == "The monitor sent 10 probe requests in 13 attempts (3 retries)."


def test_the_ledger_is_aggregated_per_assumption_worst_mark_first() -> None:
    # the window's runs grouped by ledger digest: counts are the groups' sizes, not the ids cited
    ledgers = [
        {
            "count": 40,
            "run_ids": ["r1", "r9"],
            "ledger": [{"assumption": "usage", "kind": "path", "mark": "unsupported"}],
        },
        {
            "count": 70,
            "run_ids": ["r2"],
            "ledger": [
                {"assumption": "usage", "kind": "path", "mark": "supported"},
                {"name": "x-request-id", "status": "needs_confirmation"},
            ],
        },
        {
            "count": 3,
            "run_ids": ["r3", "r4", "r5", "r6", "r7"],
            "ledger": [{"assumption": "usage", "kind": "path", "mark": "unsupported"}],
        },
    ]
    usage, header = _report(_facts(ledgers=ledgers)).section("ledger").statements
    assert usage.text == "Assumption `path usage` was unsupported in 43 runs, supported in 70 runs."
    assert usage.count == 113
    assert usage.run_ids == ("r1", "r9", "r3", "r4", "r5")
    assert header.text == "Assumption `x-request-id` was needs_confirmation in 70 runs."
    assert header.run_ids == ("r2",)


def test_contract_versions_are_counted_over_the_digest_groups() -> None:
    contract = {"source": "openai.yaml", "version": "2.3.0", "sha256": "ab" * 32}
    ledgers = [
        {"count": 61, "run_ids": ["r1", "r2"], "ledger": [], "contract": contract},
        {"count": 1, "run_ids": ["r3"], "ledger": [], "contract": contract},
        {"count": 5, "run_ids": ["r4"], "ledger": [], "contract": None},
    ]
    versions = _report(_facts(ledgers=ledgers)).section("versions").statements
    (checked,) = [s for s in versions if "checked against openai.yaml" in s.text]
    assert checked.text == (
        "62 runs were checked against openai.yaml version 2.3.0 (sha256 abababababab)."
    )
    assert (checked.count, checked.run_ids) == (62, ("r1", "r2", "r3"))


def test_rate_limit_vendor_questions_are_named_not_denied() -> None:
    left_out = {"count": 2, "run_ids": ["r4", "r5"]}
    (only,) = _report(_facts(account_questions=left_out)).section("open_questions").statements
    assert only.text == (
        "No open vendor question besides the rate-limit or billing answers of 2 runs "
        "(HTTP 402/429; see Rate-limit and billing observations)."
    )
    assert (only.count, only.run_ids, only.needs_account_confirmation) == (2, ("r4", "r5"), True)
    timeout = {
        "kind": "timeout",
        "path": "",
        "category": "timeout_retry_mismatch",
        "verdict": "vendor_question",
        "count": 1,
        "first_at": T0,
        "run_ids": ["r6"],
    }
    facts = _facts(open_questions=[timeout], account_questions=left_out)
    question, besides = _report(facts).section("open_questions").statements
    assert question.text.startswith("Open question: 1 run showed `timeout`")
    assert besides.text.startswith("Besides these, the rate-limit or billing answers of 2 runs")


def test_a_quiet_window_still_says_so_in_every_section() -> None:
    quiet = _facts()
    quiet["totals"] = {**quiet["totals"], "fail": 0, "pass": 10}
    report = _report(quiet)
    assert report.section("failures").statements[0].text == (
        "No run failed or drifted: 10 of 10 runs passed."
    )
    assert report.section("account").statements[0].text == (
        "No rate-limit or billing signal was observed."
    )
    assert (
        report.section("versions")
        .statements[0]
        .text.startswith("Target comet has no published contract configured")
    )
    text = render_markdown(report)
    assert "synthetic probes only" in text.splitlines()[2]


def test_url_full_never_carries_credentials_or_query_values() -> None:
    assert safe_url("https://user:pw@api.example.com:8443/v1/chat?key=sk-1&x=2") == (
        "https://api.example.com:8443/v1/chat?key=REDACTED&x=REDACTED"
    )
    assert safe_url("http://[::1]:9000/v1") == "http://[::1]:9000/v1"


def test_provider_name_uses_well_known_values_or_the_target() -> None:
    assert provider_name("https://api.openai.com", "x") == "openai"
    assert provider_name("https://my.openai.azure.com", "x") == "azure.ai.openai"
    assert provider_name("https://api.cometapi.com", "comet") == "comet"


def test_cursor_round_trips_and_rejects_garbage() -> None:
    cursor = Cursor(T0, "019e-run")
    assert Cursor.decode(cursor.encode()) == cursor
    for bad in ("", "!!!", "bm8tc2VwYXJhdG9y"):
        with pytest.raises(ValueError, match="invalid cursor"):
            Cursor.decode(bad)


def test_json_logs_carry_the_trace_id_of_the_current_span() -> None:
    stream = io.StringIO()
    configure_logging(stream, "info", "json")
    provider = TracerProvider()
    try:
        with provider.get_tracer("t").start_as_current_span("s") as span:
            logging.getLogger("monitor.test").info("inside")
            trace_id = f"{span.get_span_context().trace_id:032x}"
        logging.getLogger("monitor.test").info("outside", extra={"run_id": "r1"})
    finally:
        provider.shutdown()
        configure_logging(io.StringIO(), "warning", "text")
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["trace_id"] == trace_id
    assert inside["message"] == "inside"
    assert "trace_id" not in outside
    assert outside["run_id"] == "r1"


def _run(run_id: str, outcome: str, status: int | None, category: str | None) -> dict[str, Any]:
    return {
        "id": run_id,
        "probe": "chat",
        "outcome": outcome,
        "status_code": status,
        "category": category,
        "verdict": None,
        "trace_id": None,
        "started_at": T0,
    }


def test_a_drift_episode_is_worded_as_a_drift_not_a_failure() -> None:
    drift = _run("r1", "drift", 200, "response_parser_mismatch")
    episode = {"probe": "chat", "first": drift, "last": drift, "recovered": None}
    first, open_ = _report(_facts(episodes=[episode])).section("episodes").statements
    assert first.text.startswith("chat first drifted at 2026-05-08 14:00:00")
    assert "failed" not in first.text
    assert "after its last drift at" in open_.text
    failing = _run("r2", "fail", 401, "auth_mismatch")
    episode = {"probe": "chat", "first": failing, "last": failing, "recovered": None}
    (first, _) = _report(_facts(episodes=[episode])).section("episodes").statements
    assert first.text.startswith("chat first failed at")


def test_one_contract_fetched_by_several_process_starts_is_one_line() -> None:
    base = {"source": "openai.yaml", "version": "2.3.0", "sha256": "ab" * 32}
    ledgers = [
        {"count": 3, "run_ids": ["r1"], "ledger": [], "contract": {**base, "fetched_at": "a1"}},
        {"count": 2, "run_ids": ["r2"], "ledger": [], "contract": {**base, "fetched_at": "a2"}},
    ]
    versions = _report(_facts(ledgers=ledgers)).section("versions").statements
    (checked,) = [s for s in versions if "checked against" in s.text]
    assert checked.text == (
        "5 runs were checked against openai.yaml version 2.3.0 (sha256 abababababab), "
        "last fetched a2."
    )
