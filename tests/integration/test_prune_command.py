"""`monitor prune`: applies the configured retention once; `--dry-run` counts and keeps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.ids import new_id
from monitor.storage import create_store
from tests.conftest import chat_probe_config, write_config
from tests.storage.builders import Recorder


def test_prune_deletes_old_runs_and_reports_what_it_did(
    cli: Any, tmp_path: Path, sim_url: str, db_url: str
) -> None:
    now = datetime.now(UTC)
    store = create_store(db_url, lambda: new_id(now), auto_upgrade=db_url.startswith("sqlite"))
    try:
        recorder = Recorder(store)
        old = [recorder.run(now - timedelta(days=40, minutes=i)) for i in range(3)]
        passing = recorder.run(now - timedelta(days=9))
        fresh = recorder.run(now - timedelta(days=1))
    finally:
        store.close()
    extra = "\nretention: {runs: 30d, bodies: 7d}\n"
    config = write_config(tmp_path, chat_probe_config(sim_url, db_url) + extra)

    dry = cli("prune", "--config", str(config), "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert json.loads(dry.out) | {"runs_cutoff": None, "bodies_cutoff": None} == {
        "runs_cutoff": None,
        "bodies_cutoff": None,
        "runs_deleted": 3,
        "bodies_dropped": 1,
        "batches": 0,
        "dry_run": True,
        "busy": False,
    }
    done = cli("prune", "--config", str(config), "--batch-size", "2")
    assert done.code == 0, done.err
    assert "deleted 3 run(s)" in done.out
    assert "dropped 1 body(ies) of passing runs" in done.out
    store = create_store(db_url, lambda: new_id(now))
    try:
        assert all(store.get_run(r.run_id) is None for r in old)
        assert store.get_run(passing.run_id) is not None
        assert store.get_run(fresh.run_id) is not None
    finally:
        store.close()


def test_prune_refuses_a_batch_size_below_one(cli: Any, tmp_path: Path, sim_url: str) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, f"sqlite:///{tmp_path}/m.db"))
    result = cli("prune", "--config", str(config), "--batch-size", "0")
    assert result.code == 2
    assert "--batch-size must be at least 1" in result.err
