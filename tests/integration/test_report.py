"""The incident report against runs seeded through the real pipeline with known counts:

    chat-basic:   4 x pass, 3 x 401 (auth-rejects), 1 x 429 (rate-limit-long), 3 x pass
    chat-timeout: 1 x timeout (slow)

12 runs in [14:00, 15:00) UTC on 2026-05-08; every statement is checked against those counts
and run ids. A second window, checked against the shipped contract, holds more passing runs
than any sample the report might take: 2 x 401, 1 x 429, then 60 x pass."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App
from monitor.runner.result import RunResult
from tests.conftest import SIM_KEY, write_config
from tests.incident import StepClock, make_app, run_probe
from tests.integration.test_contract_engine import SHIPPED

WINDOW = ("--since", "2026-05-08T14:00:00Z", "--until", "2026-05-08T15:00:00Z")


def _config(sim_url: str, db_url: str) -> str:
    return f"""
environment: test
storage: {{url: "{db_url}"}}
targets:
  sim:
    base_url: "{sim_url}"
    api_key_env: SIM_API_KEY
probes:
  - name: chat-basic
    target: sim
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: "contract_probe redacted"}}]
    params: {{temperature: 0, max_tokens: 32}}
    baseline: {{learn_runs: 2}}
  - name: chat-timeout
    target: sim
    every: 60s
    timeout: 100ms
    model: gpt-4o-mini
    messages: [{{role: user, content: "contract_probe redacted"}}]
    params: {{temperature: 0, max_tokens: 32}}
"""


@pytest.fixture
def incident(tmp_path: Path, sim: Any, sim_url: str, db_url: str) -> dict[str, Any]:
    app = make_app(
        tmp_path, sim_url, db_url, clock=StepClock(), config_text=_config(sim_url, db_url)
    )

    async def seed(app: App) -> dict[str, list[RunResult]]:
        runs: dict[str, list[RunResult]] = {}

        async def phase(name: str, scenario: str, n: int, probe: str = "chat-basic") -> None:
            sim.set_scenario(scenario)
            runs[name] = [await run_probe(app, probe) for _ in range(n)]

        try:
            await phase("healthy", "healthy", 4)
            await phase("auth", "auth-rejects", 3)
            await phase("limited", "rate-limit-long", 1)
            await phase("timeout", "slow", 1, "chat-timeout")
            await phase("recovered", "healthy", 3)
        finally:
            await app.aclose()
        return runs

    runs = asyncio.run(seed(app))
    return {"runs": runs, "config": write_config(tmp_path, _config(sim_url, db_url))}


def _report(cli: Any, incident: dict[str, Any], *extra: str) -> dict[str, Any]:
    result = cli(
        "report",
        "--config",
        str(incident["config"]),
        *WINDOW,
        "--format",
        "json",
        *extra,
        env={"SIM_API_KEY": SIM_KEY},
    )
    assert result.code == 0, result.err
    return json.loads(result.out)


def _statements(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return next(s for s in report["sections"] if s["key"] == key)["statements"]


def _ids(rows: list[RunResult]) -> list[str]:
    return [r.run_id for r in rows]


def test_failures_are_counted_as_shares_of_all_runs_with_their_ids(
    cli: Any, incident: dict[str, Any]
) -> None:
    runs = incident["runs"]
    report = _report(cli, incident)
    assert report["scope"].startswith("These statements cover synthetic probes only (12 runs")
    assert report["totals"]["runs"] == 12
    assert report["totals"]["pass"] == 7
    assert report["totals"]["fail"] == 5
    auth, timeouts = _statements(report, "failures")
    assert auth["text"].startswith("3 of 12 runs (25%) failed with auth_mismatch (vendor_question)")
    assert auth["count"] == 3
    assert auth["run_ids"] == _ids(runs["auth"])
    assert timeouts["text"].startswith(
        "2 of 12 runs (17%) failed with timeout_retry_mismatch (vendor_question)"
    )
    assert timeouts["run_ids"] == _ids(runs["limited"] + runs["timeout"])


def test_first_failure_and_recovery_name_their_runs(cli: Any, incident: dict[str, Any]) -> None:
    runs = incident["runs"]
    first, recovered, timeout_first, timeout_open = _statements(
        report := _report(cli, incident), "episodes"
    )
    del report
    assert first["text"].startswith("chat-basic first failed at 2026-05-08 14:")
    assert f"(HTTP 401, auth_mismatch, trace {runs['auth'][0].trace_id})" in first["text"]
    assert first["run_ids"] == [runs["auth"][0].run_id]
    assert recovered["text"].startswith("chat-basic recovered at")
    assert recovered["run_ids"] == [runs["recovered"][0].run_id, runs["limited"][0].run_id]
    assert timeout_first["run_ids"] == [runs["timeout"][0].run_id]
    assert timeout_open["text"].startswith(
        "chat-timeout had not recovered by the end of the window"
    )


def test_status_timeline_is_stretches_of_one_status(cli: Any, incident: dict[str, Any]) -> None:
    runs = incident["runs"]
    timeline = _statements(_report(cli, incident), "status")
    texts = [s["text"] for s in timeline]
    assert [t.split(" from ")[0].split(" at ")[0] for t in texts] == [
        "chat-basic: HTTP 200",
        "chat-basic: HTTP 401",
        "chat-basic: HTTP 429",
        "chat-basic: HTTP 200",
        "chat-timeout: no HTTP response",
    ]
    assert [s["count"] for s in timeline] == [4, 3, 1, 3, 1]
    assert timeline[1]["run_ids"] == [runs["auth"][0].run_id, runs["auth"][-1].run_id]


def test_usage_spend_and_account_questions(cli: Any, incident: dict[str, Any]) -> None:
    runs = incident["runs"]
    report = _report(cli, incident)
    present, absent = _statements(report, "usage")
    assert present["text"] == "Usage fields were present in 7 of 7 successful responses (100%)."
    assert absent["count"] == 0
    sent, tokens = _statements(report, "spend")
    assert sent["text"].startswith("The monitor sent 12 probe requests in 12 attempts (0 retries)")
    assert (
        tokens["count"] == report["totals"]["prompt_tokens"] + report["totals"]["completion_tokens"]
    )
    assert report["totals"]["prompt_tokens"] > 0
    (limited,) = _statements(report, "account")
    assert limited["needs_account_confirmation"] is True
    assert limited["text"].startswith("1 run answered HTTP 429 (rate limiting)")
    assert limited["run_ids"] == _ids(runs["limited"])
    *questions, besides = _statements(report, "open_questions")
    by_kind = {q["text"].split("`")[1]: q for q in questions}
    assert sorted(by_kind) == ["status-changed", "timeout"]  # a 401 is the account's question
    question = by_kind["timeout"]
    assert question["text"].startswith("Open question: 1 run showed `timeout`")
    assert question["run_ids"] == _ids(runs["timeout"])
    assert by_kind["status-changed"]["run_ids"] == _ids(runs["auth"])
    # "Failed runs" counts the 429 with the timeout as vendor_question: it is named, not denied
    assert besides["text"] == (
        "Besides these, the rate-limit or billing answers of 1 run (HTTP 402/429; see "
        "Rate-limit and billing observations) are questions for the account."
    )
    assert (besides["count"], besides["run_ids"]) == (1, _ids(runs["limited"]))


def test_the_window_is_shown_in_utc_and_local_time(cli: Any, incident: dict[str, Any]) -> None:
    report = _report(cli, incident, "--tz", "Europe/Berlin")
    assert report["window"]["since_utc"] == "2026-05-08 14:00:00 UTC"
    assert report["window"]["since_local"] == "2026-05-08 16:00:00 CEST"


def test_markdown_report_has_the_synthetic_header_and_target_filter(
    cli: Any, incident: dict[str, Any]
) -> None:
    result = cli(
        "report",
        "--config",
        str(incident["config"]),
        "--from",
        "2026-05-08T14:00:00Z",
        "--to",
        "2026-05-08T15:00:00Z",
        "--target",
        "sim",
        env={"SIM_API_KEY": SIM_KEY},
    )
    assert result.code == 0, result.err
    assert result.out.startswith(
        "# Incident packet: target sim\n\n> These statements cover synthetic probes only"
    )
    assert "## Failed runs by category and verdict" in result.out
    assert "**Needs account confirmation.** 1 run answered HTTP 429" in result.out
    assert SIM_KEY not in result.out


def test_report_rejects_an_unknown_target_or_time_zone(cli: Any, incident: dict[str, Any]) -> None:
    env = {"SIM_API_KEY": SIM_KEY}
    config = str(incident["config"])
    bad_target = cli("report", "--config", config, *WINDOW, "--target", "nope", env=env)
    assert bad_target.code == 2
    assert "unknown target 'nope'" in bad_target.err
    bad_tz = cli("report", "--config", config, *WINDOW, "--tz", "Mars/Olympus", env=env)
    assert bad_tz.code == 2
    assert "unknown time zone" in bad_tz.err


@pytest.fixture
def long_window(tmp_path: Path, sim: Any, sim_url: str, db_url: str) -> dict[str, Any]:
    text = _config(sim_url, db_url).replace(
        "    api_key_env: SIM_API_KEY", f'    api_key_env: SIM_API_KEY\n    contract: "{SHIPPED}"'
    )
    app = make_app(tmp_path, sim_url, db_url, clock=StepClock(), config_text=text)

    async def seed(app: App) -> dict[str, list[RunResult]]:
        runs: dict[str, list[RunResult]] = {}
        try:
            for name, scenario, n in (
                ("auth", "auth-rejects", 2),
                ("limited", "rate-limit-long", 1),
                ("healthy", "healthy", 60),
            ):
                sim.set_scenario(scenario)
                runs[name] = [await run_probe(app, "chat-basic") for _ in range(n)]
        finally:
            await app.aclose()
        return runs

    runs = asyncio.run(seed(app))
    return {"runs": runs, "config": write_config(tmp_path, text)}


def _whole_day(cli: Any, long_window: dict[str, Any]) -> dict[str, Any]:
    day = ("--since", "2026-05-08T00:00:00Z", "--until", "2026-05-09T00:00:00Z")
    result = cli(
        "report",
        "--config",
        str(long_window["config"]),
        *day,
        "--format",
        "json",
        env={"SIM_API_KEY": SIM_KEY},
    )
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_ledger_and_contract_counts_cover_every_run_of_the_window(
    cli: Any, long_window: dict[str, Any]
) -> None:
    runs = long_window["runs"]
    report = _whole_day(cli, long_window)
    assert report["totals"]["runs"] == 63
    (status,) = _statements(report, "ledger")
    assert (
        status["text"] == "Assumption `status 200` was unsupported in 3 runs, supported in 60 runs."
    )
    assert status["count"] == 63
    # one ledger digest for the 401s and the 429: its first and last run are cited
    assert status["run_ids"] == [runs["auth"][0].run_id, runs["limited"][0].run_id]
    (checked,) = [s for s in _statements(report, "versions") if " were checked " in s["text"]]
    assert checked["text"].startswith(f"63 runs were checked against {SHIPPED} version ")
    assert checked["count"] == 63
    assert checked["run_ids"][0] == runs["auth"][0].run_id


def test_a_rate_limit_vendor_question_is_named_in_open_questions(
    cli: Any, long_window: dict[str, Any]
) -> None:
    runs = long_window["runs"]
    report = _whole_day(cli, long_window)
    failures = [s["text"] for s in _statements(report, "failures")]
    assert any("timeout_retry_mismatch (vendor_question)" in text for text in failures)
    auth, question = _statements(report, "open_questions")
    assert auth["text"].startswith("Open question: 2 runs showed `status-changed`")  # the 401s
    assert question["text"] == (
        "Besides these, the rate-limit or billing answers of 1 run (HTTP 402/429; see "
        "Rate-limit and billing observations) are questions for the account."
    )
    assert (question["count"], question["run_ids"]) == (1, _ids(runs["limited"]))
    assert question["needs_account_confirmation"] is True
