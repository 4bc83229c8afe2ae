"""``monitor history`` for people: a skipped run shows its slot and why it was skipped."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.ids import new_id
from monitor.storage import create_store
from monitor.storage.params import SkippedSlot
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}
REASON = "missed: no replica was running"


def test_a_missed_slot_shows_its_slot_and_reason_not_when_it_was_recorded(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url)))
    assert cli("check", "--config", config, env=ENV).code == 0
    slot = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    store = create_store(sqlite_url, lambda: new_id(slot))
    try:
        missed = SkippedSlot(
            "chat-basic", "sim", "chat_completion", slot, REASON, new_id(slot), "h", "c"
        )
        store.record_skipped_slots([missed], "w1", datetime.now(UTC))
    finally:
        store.close()
    runs = [json.loads(x) for x in cli("history", "--json", "--config", config).out.splitlines()]
    (skipped,) = [r for r in runs if r["outcome"] == "skipped"]
    table = cli("history", "--config", config).out.splitlines()
    assert table[0].startswith("SLOT (UTC)")
    (row,) = [line for line in table if "skipped" in line]
    assert row.startswith(slot.strftime("%Y-%m-%d %H:%M:%S") + "  -  ")  # started: none
    assert f"skipped: {REASON}" in row
    rows = list(
        csv.DictReader(io.StringIO(cli("history", "--format", "csv", "--config", config).out))
    )
    (by_csv,) = [r for r in rows if r["outcome"] == "skipped"]
    assert (by_csv["note"], by_csv["slot_at"]) == (REASON, skipped["slot_at"])
    assert list(rows[0])[:5] == ["run_id", "probe", "target", "trigger", "started_at"]


def test_a_skipped_check_shows_when_it_was_asked_for(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    text = chat_probe_config(sim_url, sqlite_url).replace(
        "    api_key_env: SIM_API_KEY\n",
        "    api_key_env: SIM_API_KEY\n    budget: {requests_per_minute: 1}\n",
    )
    config = str(write_config(tmp_path, text))
    for _ in range(2):
        cli("check", "--config", config, env=ENV)
    (skipped, _) = [
        json.loads(x) for x in cli("history", "--json", "--config", config).out.splitlines()
    ]
    assert skipped["outcome"] == "skipped"
    row = cli("history", "--config", config).out.splitlines()[1]
    assert row.startswith(skipped["started_at"].replace("T", " ")[:19])
    assert f"skipped: {skipped['note']}" in row


class Terminal(io.StringIO):
    """stdout as a terminal would be (``isatty``), captured."""

    def isatty(self) -> bool:
        return True


def _history(config: str, *argv: str, env: dict[str, str] | None = None) -> str:
    from monitor.cli import main

    out = Terminal()
    assert main(["history", "--config", config, *argv], env=env or {}, stdout=out) == 0
    return out.getvalue()


def _drifted(cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str) -> str:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url)))
    for scenario in ("healthy", "healthy", "drop-usage,new-finish-reason,type-change"):
        sim.set_scenario(scenario)
        cli("check", "--config", config, env=ENV)
    return config


def test_the_table_fits_the_terminal_and_wide_shows_everything(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str, monkeypatch: Any
) -> None:
    config = _drifted(cli, sim, sim_url, tmp_path, sqlite_url)
    monkeypatch.setenv("COLUMNS", "120")
    fitted = _history(config, env={"NO_COLOR": "1"}).splitlines()
    assert max(len(line) for line in fitted) <= 120
    assert any("…" in line for line in fitted)
    wide = _history(config, "--wide", env={"NO_COLOR": "1"}).splitlines()
    assert "REQUEST ID" in wide[0]
    assert "TARGET" in wide[0]
    assert "…" not in "".join(wide)
    piped = cli("history", "--config", config).out  # not a terminal: nothing is cut
    assert "…" not in piped


def test_columns_choose_the_table_and_csv_and_csv_defaults_stay(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = _drifted(cli, sim, sim_url, tmp_path, sqlite_url)
    table = cli("history", "--columns", "probe,outcome", "--config", config).out.splitlines()
    assert table[0].split() == ["PROBE", "OUTCOME"]
    assert table[1].split() == ["chat-basic", "drift"]
    as_csv = cli("history", "--format", "csv", "--columns", "run_id,findings", "--config", config)
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert list(rows[0]) == ["run_id", "findings"]
    assert rows[0]["findings"].startswith("2B")
    default = cli("history", "--format", "csv", "--config", config).out.splitlines()[0]
    assert default == (
        "run_id,probe,target,trigger,started_at,outcome,status_code,latency_ms,attempts,"
        "request_id,trace_id,category,verdict,slot_at,note"
    )
    bad = cli("history", "--columns", "probe,nope", "--config", config)
    assert bad.code == 2
    assert "unknown column nope" in bad.err


def test_outcomes_are_coloured_on_a_terminal_unless_no_color(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = _drifted(cli, sim, sim_url, tmp_path, sqlite_url)
    assert "\033[33mdrift" in _history(config)
    assert "\033[32mpass" in _history(config)
    assert "\033[" not in _history(config, env={"NO_COLOR": "1"})
    assert "\033[" not in cli("history", "--config", config).out
