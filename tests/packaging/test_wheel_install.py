"""The package as the image ships it: build the wheels and install them into a fresh virtual
environment with the Dockerfile's own scripts, then run `monitor run` from it (no source tree
on the path) and see a run recorded."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import API_ANY_PORT, SIM_KEY, chat_probe_config, write_config
from tests.integration.processes import MonitorProcess, wait_until

ROOT = Path(__file__).resolve().parents[2]
DOCKER_COPIES = ("pyproject.toml", "constraints.txt", "README.md", "LICENSE", "monitor")


def _completed_runs(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT count(*) FROM runs WHERE state = 'completed'").fetchone()
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet
    return int(row[0])


@pytest.mark.slow
def test_the_wheel_installed_like_the_image_runs_a_probe(tmp_path: Path, sim_url: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in DOCKER_COPIES:  # exactly what the Dockerfile copies into its build stage
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    env = {**os.environ, "PYTHON": sys.executable}
    for script, args in (
        ("build-wheels.sh", (src, tmp_path / "wheels")),
        ("install.sh", (tmp_path / "wheels", tmp_path / "venv")),
    ):
        result = subprocess.run(
            ["sh", str(ROOT / "packaging" / script), *map(str, args)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    venv_python = tmp_path / "venv" / "bin" / "python"
    where = subprocess.run(
        [str(venv_python), "-c", "import monitor; print(monitor.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(tmp_path / "venv")), where  # the installed copy, not the tree

    workdir = tmp_path / "work"
    workdir.mkdir()
    db = workdir / "monitor.db"
    text = chat_probe_config(sim_url, f"sqlite:///{db}").replace("every: 60s", "every: 1s")
    text += API_ANY_PORT
    config = write_config(tmp_path, text)
    monitor = MonitorProcess(
        config,
        {"SIM_API_KEY": SIM_KEY},
        tmp_path / "monitor.log",
        cwd=workdir,
        program=(str(tmp_path / "venv" / "bin" / "monitor"),),
    )
    try:
        wait_until(lambda: _completed_runs(db) >= 1, 60, "the installed monitor to record a run")
        monitor.signal(signal.SIGTERM)
        code = monitor.wait(30)
    finally:
        monitor.stop()
    assert code == 0, monitor.stderr()
    with sqlite3.connect(db) as conn:
        outcomes = {
            r[0] for r in conn.execute("SELECT outcome FROM runs WHERE state = 'completed'")
        }
    assert outcomes == {"pass"}
