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
from monitor.storage.sql.claims import SkippedSlot
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
