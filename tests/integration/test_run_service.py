"""`monitor run` as a real process: scheduled slots, persisted runs, clean exit on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.runner.scheduler import EPOCH, start_offset
from tests.conftest import API_ANY_PORT, SIM_KEY, chat_probe_config, write_config


def _completed(db_path: Path) -> list[sa.Row]:
    engine = sa.create_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "SELECT probe, trigger, slot_at, outcome FROM runs "
                        "WHERE state = 'completed' ORDER BY slot_at"
                    )
                )
            )
    except sa.exc.OperationalError:
        return []
    finally:
        engine.dispose()


class Service:
    """`monitor run --config CONFIG` in a real process, every probe due each second."""

    def __init__(self, sim_url: str, tmp_path: Path) -> None:
        self.db_path = tmp_path / "service.db"
        text = chat_probe_config(sim_url, f"sqlite:///{self.db_path}") + API_ANY_PORT
        self.config = write_config(tmp_path, text.replace("every: 60s", "every: 1s"))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(self.config)],
            env={**os.environ, "SIM_API_KEY": SIM_KEY},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_for_runs(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while (
            len([r for r in _completed(self.db_path) if r.outcome != "skipped"]) < count
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)

    def stop(self) -> str:
        """SIGTERM, then the stderr of the process (killed if it does not stop in 20 s)."""
        try:
            self.proc.send_signal(signal.SIGTERM)
            _out, err = self.proc.communicate(timeout=20)
            return err
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.communicate()


def test_run_probes_each_scheduled_slot_and_stops_cleanly_on_sigterm(
    sim_url: str, tmp_path: Path
) -> None:
    service = Service(sim_url, tmp_path)
    service.wait_for_runs(3)
    err = service.stop()
    assert service.proc.returncode == 0, err
    assert "monitor: stopped" in err
    runs = _completed(service.db_path)
    assert {r.trigger for r in runs} == {"schedule"}
    # On a loaded machine the scheduler may coalesce a late slot: it is recorded `skipped`,
    # never silently absent; every slot that ran passed.
    assert {r.outcome for r in runs} <= {"pass", "skipped"}
    assert len([r for r in runs if r.outcome == "pass"]) >= 3
    offset = start_offset("chat-basic", timedelta(seconds=1))
    for run in runs:
        slot = run.slot_at if isinstance(run.slot_at, str) else run.slot_at.isoformat()
        parsed = datetime.fromisoformat(slot).replace(tzinfo=UTC)
        since_epoch = (parsed - EPOCH - offset).total_seconds()
        assert abs(since_epoch - round(since_epoch)) < 0.002, slot  # slots sit on the schedule
    assert len({r.slot_at for r in runs}) == len(runs)


def test_check_writes_beside_a_running_service_on_the_same_sqlite_file(
    cli: Any, sim_url: str, tmp_path: Path
) -> None:
    service = Service(sim_url, tmp_path)
    service.wait_for_runs(1)
    codes = [
        cli("check", "--config", str(service.config), env={"SIM_API_KEY": SIM_KEY}).code
        for _ in range(5)
    ]
    err = service.stop()
    assert codes == [0] * 5
    assert service.proc.returncode == 0, err
    assert "database is locked" not in err
    triggers = [r.trigger for r in _completed(service.db_path)]
    assert triggers.count("check") == 5
    assert triggers.count("schedule") >= 1


def test_run_refuses_a_config_with_an_unset_secret_with_exit_2(
    cli: object, tmp_path: Path, sim_url: str, sqlite_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url))
    result = cli("run", "--config", str(config), env={})  # type: ignore[operator]
    assert result.code == 2
    assert "targets.sim.api_key_env: environment variable SIM_API_KEY is not set" in result.err
    assert not (tmp_path / "monitor.db").exists()  # nothing written


def test_unset_sink_secrets_and_an_unprotected_api_are_located_errors_at_run_time(
    cli: object, tmp_path: Path, sim_url: str, sqlite_url: str
) -> None:
    text = chat_probe_config(sim_url, sqlite_url) + (
        'alerts:\n  slack: {token_env: NOPE_SLACK, channel: C123}\napi: {listen: "0.0.0.0:18093"}\n'
    )
    config = write_config(tmp_path, text)
    env = {"SIM_API_KEY": SIM_KEY}
    ran = cli("run", "--config", str(config), env=env)  # type: ignore[operator]
    checked = cli("check", "--config", str(config), env=env)  # type: ignore[operator]
    for result in (ran, checked):
        assert result.code == 2
        assert f"{config}:" in result.err  # located like `config check` locates it
        assert "alerts.slack.token_env: environment variable NOPE_SLACK is not set" in result.err
    assert "api.token_env: refusing to serve the API on non-loopback address" in ran.err
    assert "api.token_env" not in checked.err  # `check` serves no API
    assert not (tmp_path / "monitor.db").exists()


def test_run_tells_each_failed_run_and_summarises_at_the_default_level(
    sim: Any, sim_url: str, tmp_path: Path
) -> None:
    sim.set_scenario("html-502")
    db_path = tmp_path / "told.db"
    text = chat_probe_config(sim_url, f"sqlite:///{db_path}") + API_ANY_PORT
    config = write_config(tmp_path, text.replace("every: 60s", "every: 1s"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config), "--summary-every", "2s"],
        env={**os.environ, "SIM_API_KEY": SIM_KEY},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_completed(db_path)) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    told = [line for line in err.splitlines() if "monitor.activity" in line]
    assert any("WARNING monitor.activity: chat-basic: fail (HTTP 502" in line for line in told), err
    assert any(" runs in " in line and "fail" in line for line in told), err
