"""``monitor check`` end to end: real simulator, real pipeline, real SQLite/PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import SIM_KEY, chat_probe_config, write_config


def _runs(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_check_json_has_the_documented_fields(
    cli: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, db_url))
    result = cli("check", "--config", str(config), "--json", env={"SIM_API_KEY": SIM_KEY})
    assert result.code == 0, result.err
    (run,) = _runs(result.out)
    for key in (
        "run_id",
        "probe",
        "target",
        "trigger",
        "started_at",
        "outcome",
        "status_code",
        "latency_ms",
        "attempts",
        "request_id",
        "trace_id",
        "category",
        "verdict",
        "baseline",
        "findings",
    ):
        assert key in run
    assert run["trigger"] == "check"
    assert run["outcome"] == "pass"
    assert run["status_code"] == 200
    assert re.fullmatch(r"[0-9a-f]{32}", run["trace_id"])
    assert run["started_at"].endswith("Z")
    assert run["baseline"] == {"class": "success", "state": "learning", "version": 1}
    assert run["request_id"].startswith("req_")


def test_a_second_check_process_continues_the_baseline_and_events(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, db_url, learn_runs=2))
    env = {"SIM_API_KEY": SIM_KEY}
    states = []
    for _ in range(2):
        result = cli("check", "--config", str(config), "--json", env=env)
        states.append(_runs(result.out)[0]["baseline"]["state"])
    assert states == ["learning", "active"]
    sim.set_scenario("drop-usage")
    first = cli("check", "--config", str(config), "--json", env=env)
    assert first.code == 1
    (run,) = _runs(first.out)
    assert run["outcome"] == "drift"
    assert [(f["kind"], f["path"], f["severity"]) for f in run["findings"]] == [
        ("property-removed", "usage", "breaking")
    ]
    assert "DRIFT OPEN" not in first.err  # one odd response stays suspected
    second = cli("check", "--config", str(config), "--json", env=env)
    assert "[DRIFT OPEN] chat-basic" in second.err
    assert "`usage` was present" in second.err
    assert second.out.count("\n") == 1  # alerts never reach stdout with --json


def test_target_that_is_down_is_a_failed_run_with_a_clear_message(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config("http://127.0.0.1:9", sqlite_url))
    result = cli("check", "--config", str(config), "--json", env={"SIM_API_KEY": SIM_KEY})
    assert result.code == 1
    (run,) = _runs(result.out)
    assert run["outcome"] == "fail"
    assert run["findings"][0]["kind"] == "connect-refused"
    assert run["findings"][0]["source"] == "transport"
    assert "cannot connect" in run["error"]


def test_alerts_never_reach_stdout_with_json_even_when_the_console_writes_to_stdout(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    text = chat_probe_config(
        sim_url, sqlite_url, learn_runs=1, events="{open_after: 1, window: 1, resolve_after: 1}"
    )
    config = write_config(tmp_path, text + "alerts: {console: {stream: stdout}}\n")
    env = {"SIM_API_KEY": SIM_KEY}
    cli("check", "--config", str(config), env=env)
    sim.set_scenario("drop-usage")
    result = cli("check", "--json", "--config", str(config), env=env)
    assert "[DRIFT OPEN]" in result.err
    (run,) = _runs(result.out)  # stdout is JSON lines only
    assert run["outcome"] == "drift"
