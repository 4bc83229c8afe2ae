"""``monitor completion``: static scripts generated from the parser, costing nothing at start-up."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_prints_a_script_naming_every_command_and_flag(cli: Any, shell: str) -> None:
    result = cli("completion", shell)
    assert result.code == 0, result.err
    for word in ("history", "events", "completion", "--follow", "--since"):
        assert word in result.out, (shell, word)


def test_the_bash_script_is_valid_bash(cli: Any, tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash on this machine")
    script = tmp_path / "monitor.bash"
    script.write_text(cli("completion", "bash").out, encoding="utf-8")
    checked = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_fish_is_refused_with_the_shells_offered(cli: Any) -> None:
    result = cli("completion", "fish")
    assert result.code == 2
    assert "choose from 'bash', 'zsh'" in result.err


def test_starting_the_cli_does_not_import_the_completion_library() -> None:
    code = "import sys, monitor.cli; monitor.cli.build_parser(); print('shtab' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
