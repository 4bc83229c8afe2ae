"""PostgreSQL is the production store: its driver comes with the default install, and where
it is missing anyway, every command that opens a PostgreSQL URL says which extra to install
(exit 2), never a ``ModuleNotFoundError`` traceback."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[2]
# the interpreter as it would be without psycopg: ``None`` in sys.modules makes the import fail
WITHOUT_PSYCOPG = (
    "import sys; sys.modules['psycopg'] = None; from monitor.cli import main; "
    "sys.exit(main(sys.argv[1:]))"
)


def test_the_default_install_requires_the_postgresql_driver() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("psycopg[binary]") for dep in project["dependencies"])
    assert project["optional-dependencies"]["postgres"]  # old install commands keep working


@pytest.mark.parametrize(
    "command",
    [["db", "upgrade"], ["db", "current"], ["history"], ["check", "--dry-run"]],
)
def test_a_missing_driver_names_the_extra_and_exits_2(tmp_path: Path, command: list[str]) -> None:
    config = write_config(
        tmp_path,
        """
        storage: {url: "postgresql+psycopg://monitor@127.0.0.1:5432/test"}
        targets:
          t: {base_url: "https://llm.example.com", api_key_env: KEY}
        probes:
          - {name: p, target: t, every: 60s, model: m, messages: [{role: user, content: hi}],
             params: {max_tokens: 8}}
        """,
    )
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_PSYCOPG, *command, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"KEY": "k", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "pip install 'contract-monitor[postgres]'" in result.stderr
