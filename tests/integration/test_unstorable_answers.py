"""Answers a database cannot hold as sent are still recorded, on SQLite and PostgreSQL: a NUL
character (valid JSON, refused by PostgreSQL's text and JSONB), numbers beyond the columns,
names longer than them. And when the database refuses a result anyway, the run is closed as
failed, never left claimed for the reaper to re-run forever."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from monitor.app import build_app
from monitor.clock import SystemClock
from monitor.config.loader import parse_config
from monitor.core.model import Trigger
from monitor.errors import StorageError
from monitor.runner.result import RunResult
from monitor.storage.connect import open_store
from monitor.storage.params import RunFilter
from monitor.storage.sql.store import SqlStore
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}


@pytest.mark.parametrize(
    ("scenario", "outcome", "kind"),
    [
        ("nul-in-strings", "drift", "enum-value-added"),  # finish_reason "st\ufffdop"
        ("huge-numbers", "drift", "usage-arithmetic-mismatch"),  # 1e20 and -1e20 tokens
    ],
)
def test_a_hostile_but_valid_answer_is_recorded_and_judged(
    cli: Any,
    sim: Any,
    sim_url: str,
    tmp_path: Path,
    db_url: str,
    scenario: str,
    outcome: str,
    kind: str,
) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, db_url, learn_runs=1)))
    assert cli("check", "--config", config, env=ENV).code == 0
    sim.set_scenario(scenario)
    result = cli("check", "--json", "--config", config, env=ENV)
    assert "Traceback" not in result.err
    (run,) = [json.loads(line) for line in result.out.splitlines()]
    assert run["outcome"] == outcome
    assert kind in {f["kind"] for f in run["findings"]}
    history = cli("history", "--json", "--config", config).out.splitlines()
    stored = [json.loads(line) for line in history]
    assert [r["outcome"] for r in stored if r["run_id"] == run["run_id"]] == [outcome]


class RefusingStore(SqlStore):
    """The real store, except that it refuses to record results, as a database refuses data
    it cannot hold (a constraint or a type it would not cast)."""

    def record_run(self, *args: Any, **kwargs: Any) -> Any:
        raise StorageError(
            "the database refused the data: DataError: out of range", retryable=False
        )


def test_a_result_the_database_refuses_closes_the_run_as_failed(
    sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    loaded = parse_config(chat_probe_config(sim_url, sqlite_url), "config.yaml", ENV)
    real = open_store(loaded.config, ENV, SystemClock())
    store = RefusingStore(real.engine, real.new_id)

    async def main() -> RunResult | None:
        app = build_app(loaded, env=ENV, store=store)
        try:
            return await app.pipeline.run_once(loaded.config.probes[0], None, Trigger.CHECK)
        finally:
            await app.aclose()

    row = asyncio.run(main())
    assert row is not None
    assert row.outcome == "fail"
    assert "could not be stored" in (row.error or "")
    reopened = open_store(loaded.config, ENV, SystemClock())
    try:
        (run,) = reopened.list_runs(RunFilter(include_claimed=True))
    finally:
        reopened.close()
    assert run["state"] == "completed"
    assert run["outcome"] == "fail"
    assert "out of range" in run["error"]


def test_an_answer_that_is_not_a_json_object_fails_the_run_and_is_not_learned(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url, learn_runs=1)))
    assert cli("check", "--config", config, env=ENV).code == 0
    sim.set_scenario("array-body")
    result = cli("check", "--json", "--config", config, env=ENV)
    assert result.code == 1
    (run,) = [json.loads(line) for line in result.out.splitlines()]
    assert run["outcome"] == "fail"
    assert [(f["kind"], f["category"]) for f in run["findings"]] == [
        ("body-not-an-object", "response_parser_mismatch")
    ]
    assert "the answer is an array, not a JSON object" in run["error"]
