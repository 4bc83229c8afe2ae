"""The incident commands end to end: ``hold`` (and the retention check it answers), ``show``,
``diff``, ``last-good`` and ``history`` with the trace id."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.runner.result import RunResult
from monitor.storage.sql.holds import held_filter
from monitor.storage.sql.tables import evidence_table, runs_table
from tests.conftest import SIM_KEY, chat_probe_config, write_config
from tests.incident import INCIDENT_START, StepClock, make_app, run_probe

ENV = {"SIM_API_KEY": SIM_KEY}


@pytest.fixture
def history(tmp_path: Path, sim: Any, sim_url: str, db_url: str) -> dict[str, Any]:
    """3 passing runs, then 2 with `usage` dropped (drift), 30 s of clock apart per step."""
    app = make_app(tmp_path, sim_url, db_url, clock=StepClock())

    async def seed() -> list[RunResult]:
        try:
            rows = [await run_probe(app) for _ in range(3)]
            sim.set_scenario("drop-usage")
            rows += [await run_probe(app) for _ in range(2)]
            return rows
        finally:
            await app.aclose()

    rows = asyncio.run(seed())
    config = write_config(tmp_path, chat_probe_config(sim_url, db_url))
    return {"rows": rows, "config": str(config), "db_url": db_url}


def test_hold_freezes_a_window_and_retention_spares_it(cli: Any, history: dict[str, Any]) -> None:
    rows, config = history["rows"], history["config"]
    since = rows[3].started_at.isoformat()
    until = (rows[4].started_at + timedelta(seconds=1)).isoformat()
    made = cli(
        "hold",
        "--config",
        config,
        "--since",
        since,
        "--until",
        until,
        "--reason",
        "INC-42 usage dropped",
        "--json",
        env=ENV,
    )
    assert made.code == 0, made.err
    hold = json.loads(made.out)
    assert hold["runs"] == 2
    listed = cli("hold", "list", "--config", config, env=ENV)
    assert hold["id"] in listed.out
    assert "INC-42 usage dropped" in listed.out

    # what retention will do: delete old runs in batches, never held ones
    engine = sa.create_engine(history["db_url"])
    runs = runs_table
    evidence = evidence_table
    cutoff = INCIDENT_START + timedelta(days=1)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.execute(
                sa.delete(runs).where(runs.c.started_at < cutoff, ~held_filter(runs.c.started_at))
            )
        with engine.connect() as conn:
            kept = sorted(conn.execute(sa.select(runs.c.id)).scalars())
            kept_evidence = sorted(conn.execute(sa.select(evidence.c.run_id)).scalars())
    finally:
        engine.dispose()
    assert kept == sorted(r.run_id for r in rows[3:])
    assert kept_evidence == kept

    released = cli("hold", "release", hold["id"], "--config", config, env=ENV)
    assert released.code == 0
    assert cli("hold", "list", "--config", config, env=ENV).out.strip() == "no holds"
    again = cli("hold", "release", hold["id"], "--config", config, env=ENV)
    assert again.code == 2


def test_is_held_answers_for_a_time_and_a_run(tmp_path: Path, sqlite_url: str) -> None:
    from monitor.ids import new_id
    from monitor.storage import create_store

    store = create_store(sqlite_url, lambda: new_id(INCIDENT_START), auto_upgrade=True)
    try:
        hold = store.create_hold(
            INCIDENT_START, INCIDENT_START + timedelta(hours=1), "INC-7", INCIDENT_START
        )
        assert store.is_held(INCIDENT_START)
        assert store.is_held(INCIDENT_START + timedelta(minutes=59))
        assert not store.is_held(INCIDENT_START + timedelta(hours=1))  # until is exclusive
        assert not store.is_held(INCIDENT_START - timedelta(seconds=1))
        assert store.held({"started_at": INCIDENT_START + timedelta(minutes=5)})
        store.release_hold(hold.id, INCIDENT_START + timedelta(days=1))
        assert not store.is_held(INCIDENT_START)
        with pytest.raises(ValueError, match="--until must be after --since"):
            store.create_hold(INCIDENT_START, INCIDENT_START, "x", INCIDENT_START)
    finally:
        store.close()


def test_hold_needs_a_reason(cli: Any, history: dict[str, Any]) -> None:
    result = cli("hold", "--config", history["config"], "--since", "2h", env=ENV)
    assert result.code == 2
    assert "--reason" in result.err


def test_show_prints_redacted_evidence_findings_and_the_ledger(
    cli: Any, history: dict[str, Any]
) -> None:
    run = history["rows"][3]
    # the contract engine fills the ledger; write one the way it will
    engine = sa.create_engine(history["db_url"])
    evidence = evidence_table
    ledger = [
        {
            "kind": "path",
            "assumption": "usage.total_tokens",
            "mark": "unsupported",
            "detail": "absent in this response",
        },
        {"kind": "status", "assumption": "200", "mark": "supported"},
    ]
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.update(evidence).where(evidence.c.run_id == run.run_id).values(ledger=ledger)
            )
    finally:
        engine.dispose()
    shown = cli("show", run.run_id, "--config", history["config"], env=ENV)
    assert shown.code == 0, shown.err
    assert f"trace id  {run.trace_id}" in shown.out
    assert "breaking property-removed `usage`" in shown.out
    assert "unsupported         path usage.total_tokens: absent in this response" in shown.out
    assert "authorization: Bearer ***" in shown.out
    assert "usage: absent" in shown.out
    assert SIM_KEY not in shown.out
    as_json = json.loads(
        cli("show", run.run_id, "--config", history["config"], "--json", env=ENV).out
    )
    assert as_json["evidence"]["ledger"] == ledger
    missing = cli("show", "nope", "--config", history["config"], env=ENV)
    assert missing.code == 2


def test_diff_shows_the_shape_change_between_two_runs(cli: Any, history: dict[str, Any]) -> None:
    good, bad = history["rows"][2], history["rows"][3]
    result = cli("diff", good.run_id, bad.run_id, "--config", history["config"], "--json", env=ENV)
    assert result.code == 0, result.err
    diff = json.loads(result.out)
    kinds = {(f["kind"], f["path"]) for f in diff["shape"]}
    assert ("property-removed", "usage") in kinds
    assert diff["fields"]["outcome"] == {"before": "pass", "after": "drift"}
    changed = {h["header"] for h in diff["response_headers"]}
    assert "date" not in changed
    assert "x-request-id" not in changed
    text = cli("diff", good.run_id, bad.run_id, "--config", history["config"], env=ENV).out
    assert "breaking property-removed `usage`" in text


def test_last_good_names_the_last_passing_run_and_what_changed(
    cli: Any, history: dict[str, Any]
) -> None:
    rows = history["rows"]
    result = cli("last-good", "chat-basic", "--config", history["config"], "--json", env=ENV)
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["last_good"]["id"] == rows[2].run_id
    assert out["latest"]["id"] == rows[4].run_id
    assert out["runs_since"] == {"drift": 2}
    assert ("property-removed", "usage") in {(f["kind"], f["path"]) for f in out["diff"]["shape"]}
    text = cli("last-good", "chat-basic", "--config", history["config"], env=ENV).out
    assert f"last good run of chat-basic: {rows[2].run_id}" in text
    assert "runs since: 2 drift" in text


def test_history_filters_and_shows_trace_ids(cli: Any, history: dict[str, Any]) -> None:
    rows = history["rows"]
    base = ("history", "--config", history["config"], "--since", "2026-05-08T00:00:00Z")
    drift = cli(
        *base,
        "--outcome",
        "drift",
        "--category",
        "usage_billing_assumption",
        "--verdict",
        "deployment_drift",
        "--status",
        "200",
        "--json",
        env=ENV,
    )
    assert [json.loads(line)["run_id"] for line in drift.out.splitlines()] == [
        rows[4].run_id,
        rows[3].run_id,
    ]
    table = cli(*base, "--probe", "chat-basic", "--target", "sim", env=ENV).out
    assert "TRACE ID" in table
    assert all(r.trace_id in table for r in rows)
    csv = cli(*base, "--format", "csv", "--until", rows[1].started_at.isoformat(), env=ENV).out
    assert csv.splitlines()[1].split(",")[0] == rows[0].run_id
