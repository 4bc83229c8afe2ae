"""Every command shows the severity the run recorded, and human output carries no Python reprs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from monitor.core.shape.diff import diff_shapes
from monitor.core.shape.stats import infer_shape
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}
CLIENT_SWITCHES_ON_FINISH_REASON = """
assumes:
  paths: ["choices[].finish_reason"]
"""


def _runs(cli: Any, config: str) -> list[dict[str, Any]]:
    out = cli("history", "--json", "--config", config).out
    return [json.loads(line) for line in out.splitlines()]


def test_diff_and_last_good_show_the_severity_the_run_recorded(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    text = chat_probe_config(sim_url, sqlite_url, extra=CLIENT_SWITCHES_ON_FINISH_REASON)
    config = str(write_config(tmp_path, text))
    for _ in range(2):
        assert cli("check", "--config", config, env=ENV).code == 0
    sim.set_scenario("new-finish-reason")
    cli("check", "--config", config, env=ENV)
    latest, good = _runs(cli, config)[:2]
    (recorded,) = [f for f in latest["findings"] if f["kind"] == "enum-value-added"]
    assert recorded["severity"] == "breaking"
    shown = cli("show", latest["run_id"], "--config", config).out
    assert "breaking enum-value-added `choices[].finish_reason`" in shown
    diff = cli("diff", good["run_id"], latest["run_id"], "--config", config).out
    assert "breaking enum-value-added `choices[].finish_reason`" in diff
    assert "warning  enum-value-added" not in diff
    as_json = json.loads(
        cli("diff", good["run_id"], latest["run_id"], "--json", "--config", config).out
    )
    assert [s["severity"] for s in as_json["shape"] if s["kind"] == "enum-value-added"] == [
        "breaking"
    ]
    last_good = cli("last-good", "chat-basic", "--config", config).out
    assert "breaking enum-value-added `choices[].finish_reason`" in last_good
    for text_out in (shown, diff, last_good):
        assert "None" not in text_out


def test_a_failed_run_shows_no_python_reprs(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = str(write_config(tmp_path, chat_probe_config("http://127.0.0.1:9", sqlite_url)))
    cli("check", "--config", config, env=ENV)
    (run,) = _runs(cli, config)
    shown = cli("show", run["run_id"], "--config", config).out
    assert "status none" in shown
    assert "baseline  none" in shown
    assert "None" not in shown
    assert "v- (-)" not in shown
    cli("check", "--config", config, env=ENV)  # the health event opens
    (event,) = [
        json.loads(x) for x in cli("events", "list", "--json", "--config", config).out.splitlines()
    ]
    detail = cli("events", "show", event["event_id"], "--config", config).out
    assert "probe-failing (body)\n" in detail
    assert "None" not in detail


def test_one_baseline_response_reads_as_english() -> None:
    one = infer_shape({"usage": {"total_tokens": 1}, "id": "x"})
    gone = infer_shape({"id": "x"})
    (removed,) = [f for f in diff_shapes(one, gone) if f.kind == "property-removed"]
    assert "in the 1 baseline response and is missing" in removed.message
    assert "in all 1" not in removed.message
