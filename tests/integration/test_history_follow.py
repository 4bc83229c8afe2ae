"""``monitor history --follow`` tails new runs: the recent ones oldest first, then each new run
once, in the chosen format."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.cli.follow import Printer, follow_runs
from monitor.cli.output import RUN_CSV_COLUMNS as CSV_COLUMNS
from monitor.ids import new_id
from monitor.storage import create_store
from monitor.storage.params import RunFilter
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}


class Stop(Exception):
    pass


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_follow_prints_each_new_run_once_as_it_is_stored(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str, fmt: str
) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url)))
    for _ in range(2):
        assert cli("check", "--config", config, env=ENV).code == 0
    polls: list[float] = []

    def sleep(seconds: float) -> None:  # between polls, another process stores runs
        polls.append(seconds)
        if len(polls) == 1:
            assert cli("check", "--config", config, env=ENV).code == 0
        if len(polls) == 3:
            raise Stop

    out = io.StringIO()
    store = create_store(sqlite_url, lambda: new_id(datetime.now(UTC)))
    try:
        with pytest.raises(Stop):
            follow_runs(store, RunFilter(limit=50), Printer(fmt, out, CSV_COLUMNS), sleep)
    finally:
        store.close()
    stored = [json.loads(x) for x in cli("history", "--json", "--config", config).out.splitlines()]
    oldest_first = [r["run_id"] for r in reversed(stored)]
    lines = out.getvalue().splitlines()
    if fmt == "json":
        assert [json.loads(x)["run_id"] for x in lines] == oldest_first
    else:
        assert lines[0].startswith("SLOT (UTC)")
        assert [line.split()[-2] for line in lines[1:]] == oldest_first
    assert polls == [2.0, 2.0, 2.0]


def test_history_has_a_follow_flag(cli: Any) -> None:
    assert "--follow" in cli("history", "--help").out
