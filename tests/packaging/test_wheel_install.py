"""The package as the image ships it: build the wheels and install them into a fresh virtual
environment with the Dockerfile's own scripts, then run `monitor run` from it (no source tree
on the path) and see a run recorded; `config check` with the built-in contract and `monitor
demo` work from outside the checkout."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import API_ANY_PORT, SIM_KEY, chat_probe_config, write_config
from tests.integration.processes import MonitorProcess, wait_until

ROOT = Path(__file__).resolve().parents[2]
DOCKER_COPIES = (
    "pyproject.toml",
    "constraints.txt",
    "README.md",
    "LICENSE",
    "requirements",
    "monitor",
)


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
    (wheel,) = (tmp_path / "wheels").glob("contract_monitor-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert "monitor/contract/builtin/openai-chat-completions.yaml" in names
    assert "monitor/example.yaml" in names
    text = metadata.decode("utf-8")
    assert "Project-URL: Changelog, " in text
    assert "Classifier: Programming Language :: Python :: 3.11" in text
    assert "Requires-Dist: psycopg[binary]" in text  # the production store's driver by default
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
    _builtin_contract_and_demo_work_outside_the_checkout(tmp_path / "venv" / "bin", workdir)
    db = workdir / "monitor.db"
    text = chat_probe_config(sim_url, f"sqlite:///{db}").replace("every: 60s", "every: 1s")
    # the built-in contract from the installed package, whatever the working directory
    text = text.replace(
        "    api_key_env: SIM_API_KEY\n",
        "    api_key_env: SIM_API_KEY\n    contract: builtin:openai-chat-completions\n",
    )
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


def _builtin_contract_and_demo_work_outside_the_checkout(bin_dir: Path, workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["KEY"] = "sk-anything"
    config = workdir / "builtin.yaml"
    config.write_text(
        "targets:\n"
        "  provider:\n"
        "    base_url: https://llm.example.com\n"
        "    api_key_env: KEY\n"
        "    contract: builtin:openai-chat-completions\n",
        encoding="utf-8",
    )
    check = subprocess.run(
        [str(bin_dir / "monitor"), "config", "check", str(config)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "contract builtin:openai-chat-completions (OpenAPI 3.0" in check.stdout
    demo = subprocess.run(
        [str(bin_dir / "monitor"), "demo"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "resolved" in demo.stdout.lower(), demo.stdout[-3000:]
