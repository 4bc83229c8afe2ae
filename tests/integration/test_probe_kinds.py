"""Each probe kind end to end: real simulator, real pipeline, stored evidence on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.config.secrets import key_fingerprint
from monitor.probes.negative import INVALID_KEY
from monitor.simulator import Simulator
from tests.conftest import SIM_KEY, chat_probe_config, stream_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}


@pytest.fixture
def stream_config(sim_url: str, tmp_path: Path, sqlite_url: str) -> Path:
    """A ``chat_completion_stream`` probe (usage chunk asked for) on SQLite."""
    return write_config(tmp_path, stream_probe_config(sim_url, sqlite_url))


def runs_of(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def check(cli: Any, config: Path, *probes: str) -> list[dict[str, Any]]:
    args = [a for p in probes for a in ("--probe", p)]
    result = cli("check", "--config", str(config), "--json", *args, env=ENV)
    return runs_of(result.out)


def evidence(db_url: str, run_id: str) -> dict[str, Any]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = (
                conn.execute(sa.text("SELECT * FROM evidence WHERE run_id = :id"), {"id": run_id})
                .mappings()
                .one()
            )
            run = (
                conn.execute(sa.text("SELECT * FROM runs WHERE id = :id"), {"id": run_id})
                .mappings()
                .one()
            )
            return {**dict(run), **{f"evidence_{k}": v for k, v in row.items()}}
    finally:
        engine.dispose()


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_stream_probe_learns_chunks_and_records_timing_usage_and_evidence(
    cli: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path, stream_probe_config(sim_url, db_url))
    (run,) = check(cli, config)
    assert run["outcome"] == "pass", run
    assert run["baseline"] == {"class": "chunk", "state": "learning", "version": 1}
    row = evidence(db_url, run["run_id"])
    stream = as_json(row["evidence_stream"])
    assert stream["done_seen"] is True
    assert stream["events"] >= 4
    assert stream["comments"] == 1  # the simulator's `: ping`
    assert 0 < stream["ttft_ms"] <= stream["duration_ms"]
    assert len(stream["gaps_ms"]) == stream["events"] - 1
    assert row["prompt_tokens"] > 0  # from the usage chunk, as observed
    assert as_json(row["evidence_usage"])["total_tokens"] > 0
    assert row["served_model"] == "gpt-4o-mini"
    assert row["evidence_system_fingerprint"].startswith("fp_")
    assert bytes(row["evidence_body"]).startswith(b": ping")


def test_stream_chunk_drift_is_found_against_the_chunk_baseline(
    cli: Any, sim: Simulator, stream_config: Path
) -> None:
    check(cli, stream_config)
    check(cli, stream_config)
    sim.set_scenario("type-change")
    (run,) = check(cli, stream_config)
    assert run["outcome"] == "drift"
    assert [(f["kind"], f["path"]) for f in run["findings"]] == [("type-changed", "created")]


# One run of a stream probe against a scenario: (outcome, finding kinds, run category).
ONE_STREAM_RUN = [
    pytest.param(
        "drop-usage",
        ("drift", ["sse-usage-chunk-missing"], "usage_billing_assumption"),
        id="a stream without the asked-for usage chunk is a billing warning",
    ),
    pytest.param(
        "stream-keepalive-comments",
        ("pass", [], None),
        id="keepalive comments are tolerated",
    ),
    pytest.param(
        "stream-not-streamed",
        ("drift", ["sse-not-streamed"], "response_parser_mismatch"),
        id="a stream answered in one JSON body is not streamed",
    ),
    pytest.param(
        "stream-one-burst",
        ("drift", ["streamed-in-name-only"], "timeout_retry_mismatch"),
        id="a stream in one burst is streamed in name only",
    ),
]


@pytest.mark.parametrize(("scenario", "expected"), ONE_STREAM_RUN)
def test_one_stream_run_against_a_scenario_is_judged_by_what_the_stream_shows(
    cli: Any,
    sim: Simulator,
    stream_config: Path,
    scenario: str,
    expected: tuple[str, list[str], str | None],
) -> None:
    sim.set_scenario(scenario)
    (run,) = check(cli, stream_config)
    outcome, kinds, category = expected
    assert (run["outcome"], [f["kind"] for f in run["findings"]]) == (outcome, kinds)
    assert run["category"] == category
    assert [f["category"] for f in run["findings"]] == [category] * len(kinds)


def test_a_first_token_later_than_the_ttft_slo_is_a_warning_not_a_failure(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    text = stream_probe_config(sim_url, sqlite_url).replace(
        "slo: {ttft: 5s, latency: 10s}", "slo: {ttft: 200ms, latency: 10s}"
    )
    config = write_config(tmp_path, text)
    sim.set_scenario("stream-one-burst")  # every chunk at once, after a pause
    (run,) = check(cli, config)
    ttft = [f for f in run["findings"] if f["kind"] == "ttft-slo-exceeded"]
    assert len(ttft) == 1
    assert ttft[0]["severity"] == "warning"
    assert ttft[0]["category"] == "timeout_retry_mismatch"
    assert run["outcome"] == "drift"  # slow, not broken
    sim.set_scenario("healthy")
    (fast,) = check(cli, config)
    assert "ttft-slo-exceeded" not in [f["kind"] for f in fast["findings"]]


# Learn a chunk baseline on one scenario, then run under another: the framing finding, if any.
FRAMING_CHANGES = [
    pytest.param(
        "stream-data-only",
        [("sse-framing-changed", "sse:comments", "info")],
        "sse framing: data: lines only",
        id="comments a data-only stream never sent are an info finding",
    ),
    pytest.param(
        "healthy",
        [],
        "sse framing: comments 2/2",
        id="comments the baseline already saw (the simulator's `: ping`) are nothing",
    ),
]


@pytest.mark.parametrize(("learned_on", "findings", "framing"), FRAMING_CHANGES)
def test_keepalive_comments_against_a_learned_stream_baseline_pass_the_run(
    cli: Any,
    sim: Simulator,
    sim_url: str,
    tmp_path: Path,
    db_url: str,
    learned_on: str,
    findings: list[tuple[str, str, str]],
    framing: str,
) -> None:
    # On both backends: the framing is stored in the baseline's JSON column and read back.
    stream_config = write_config(tmp_path, stream_probe_config(sim_url, db_url))
    sim.set_scenario(learned_on)
    check(cli, stream_config)
    (learned,) = check(cli, stream_config)
    assert learned["baseline"] == {"class": "chunk", "state": "active", "version": 1}
    shown = cli("baseline", "show", "chat-basic", "--config", str(stream_config))
    assert framing in shown.out
    sim.set_scenario("stream-keepalive-comments")
    (run,) = check(cli, stream_config)
    assert run["outcome"] == "pass", run
    assert [(f["kind"], f["path"], f["severity"]) for f in run["findings"]] == findings
    if findings:
        assert (
            "a line parser that expects only `data:` lines breaks" in run["findings"][0]["message"]
        )


def test_a_slow_answer_beyond_the_latency_slo_is_a_warning_not_a_failure(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(
        tmp_path, chat_probe_config(sim_url, sqlite_url, extra="slo: {latency: 100ms}")
    )
    sim.set_scenario("slow")  # 0.3 s in the test simulator
    (run,) = check(cli, config)
    assert run["outcome"] == "drift"
    finding = run["findings"][0]
    assert (finding["kind"], finding["severity"], finding["category"]) == (
        "latency-slo-exceeded",
        "warning",
        "timeout_retry_mismatch",
    )


NEGATIVE = """
  - name: auth
    target: sim
    kind: auth_rejection
  - name: validation
    target: sim
    kind: request_validation
  - name: models
    target: sim
    kind: models
    every: 1h
  - name: tokens
    target: sim
    kind: token_field
    every: 1h
    model: o3-mini
    assumes: {token_field: max_tokens}
"""


def test_negative_models_and_token_probes_pass_on_a_healthy_endpoint(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, db_url) + NEGATIVE)
    runs = {r["probe"]: r for r in check(cli, config, "auth", "validation", "models", "tokens")}
    assert {p: (r["outcome"], r["status_code"]) for p, r in runs.items()} == {
        "auth": ("pass", 401),
        "validation": ("pass", 400),
        "models": ("pass", 200),
        "tokens": ("pass", 200),
    }
    assert runs["auth"]["baseline"]["class"] == "error"
    auth = [r for r in sim.requests if r.headers.get("authorization") == f"Bearer {INVALID_KEY}"]
    assert len(auth) == 1
    assert any(r.json and "messages" not in r.json for r in sim.requests)
    row = evidence(db_url, runs["auth"]["run_id"])
    assert row["evidence_key_fingerprint"] == key_fingerprint(INVALID_KEY)


def test_an_endpoint_that_accepts_an_invalid_key_is_a_security_finding(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    lax = Simulator(api_key=INVALID_KEY)  # a server whose only check is "any bearer token"
    with lax.serve(port=0) as url:
        config = write_config(tmp_path, chat_probe_config(url, sqlite_url) + NEGATIVE)
        (run,) = check(cli, config, "auth")
    assert run["outcome"] == "fail"
    assert (run["status_code"], run["category"]) == (200, "auth_mismatch")
    assert run["findings"][0]["severity"] == "breaking"


def test_a_model_the_probes_use_missing_from_v1_models_is_a_warning(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url) + NEGATIVE)
    sim.set_scenario("models-missing")
    (run,) = check(cli, config, "models")
    assert run["outcome"] == "drift"
    assert [(f["kind"], f["after"], f["before"]) for f in run["findings"]] == [
        ("model-not-listed", None, "gpt-4o-mini")
    ]


def test_a_renamed_token_field_is_caught_with_the_field_the_endpoint_asks_for(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url) + NEGATIVE)
    sim.set_scenario("rename-token-field")
    (run,) = check(cli, config, "tokens")
    assert run["outcome"] == "drift"
    finding = run["findings"][0]
    assert (finding["kind"], finding["before"], finding["after"], finding["category"]) == (
        "token-field-rejected",
        "max_tokens",
        "max_completion_tokens",
        "request_schema_mismatch",
    )


def test_http_probe_and_legacy_path_are_judged(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    extra = """
  - name: raw
    target: sim
    kind: http
    every: 1h
    method: GET
    path: /v1/models
  - name: legacy
    target: sim
    every: 1h
    model: gpt-4o-mini
    messages: [{role: user, content: hi}]
    params: {max_tokens: 8}
    path: /v1/v1/chat/completions
"""
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url) + extra)
    runs = {r["probe"]: r for r in check(cli, config, "raw", "legacy")}
    assert (runs["raw"]["outcome"], runs["raw"]["status_code"]) == ("pass", 200)
    legacy = runs["legacy"]
    assert (legacy["outcome"], legacy["status_code"], legacy["category"]) == (
        "fail",
        404,
        "endpoint_mismatch",
    )


def test_a_success_after_a_retry_passes_with_attempts_and_an_info_finding(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    extra = "retries: {attempts: 3, backoff: 10ms, max_backoff: 20ms}"
    config = write_config(tmp_path, chat_probe_config(sim_url, db_url, extra=extra))
    sim.set_scenario("flaky")
    (run,) = check(cli, config)
    assert (run["outcome"], run["attempts"]) == ("pass", 2)
    finding = run["findings"][0]
    assert (finding["kind"], finding["severity"]) == ("retried", "info")
    assert "attempt 1: HTTP 503" in finding["message"]
    attempts = as_json(evidence(db_url, run["run_id"])["evidence_attempts"])
    assert [(a["number"], a["status_code"]) for a in attempts] == [(1, 503), (2, 200)]
    assert attempts[1]["started_ms"] >= attempts[0]["started_ms"] + attempts[0]["latency_ms"]
