"""A run id may be given as a unique prefix of 6+ characters, as ``events show`` reads event ids;
an ambiguous prefix lists the candidates (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}


def _two_runs(cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str) -> tuple[str, list[str]]:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url)))
    for _ in range(2):
        assert cli("check", "--config", config, env=ENV).code == 0
    out = cli("history", "--json", "--config", config).out
    return config, [json.loads(line)["run_id"] for line in out.splitlines()]


def _unique_prefix(run_id: str, others: list[str]) -> str:
    for n in range(6, len(run_id)):
        if not any(o.startswith(run_id[:n]) for o in others if o != run_id):
            return run_id[:n]
    return run_id


def test_show_and_diff_take_a_unique_prefix(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config, (b, a) = _two_runs(cli, sim_url, tmp_path, sqlite_url)
    short_a, short_b = _unique_prefix(a, [b]), _unique_prefix(b, [a])
    shown = cli("show", short_b, "--json", "--config", config)
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["run_id"] == b
    diff = cli("diff", short_a, short_b, "--json", "--config", config)
    assert diff.code == 0, diff.err
    assert (json.loads(diff.out)["run_a"], json.loads(diff.out)["run_b"]) == (a, b)


def test_an_ambiguous_prefix_lists_the_candidates(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config, ids = _two_runs(cli, sim_url, tmp_path, sqlite_url)
    common = ids[0][:6]
    assert ids[1].startswith(common)  # UUIDv7: runs minutes apart share their first characters
    result = cli("show", common, "--config", config)
    assert result.code == 2
    assert f"run prefix '{common}' is ambiguous" in result.err
    assert ids[0] in result.err
    assert ids[1] in result.err
    short = cli("show", ids[0][:5], "--config", config)
    assert short.code == 2
    assert "at least 6 characters" in short.err
