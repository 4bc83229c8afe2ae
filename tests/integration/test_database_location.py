"""Where the data is: a relative SQLite path in the config is read against the config file's
directory, one in ``MONITOR_DATABASE_URL`` against the working directory; commands that only
read never create a database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.config.dburl import locate_database
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}
READ_ONLY = [
    ["history"],
    ["show", "0195d2c1a2b3"],
    ["events", "list"],
    ["events", "show", "0195d2c1a2b3"],
    ["report", "--since", "24h"],
    ["api", "--listen", "127.0.0.1:0"],
    ["verify", "--request", "req.json", "--response", "resp.json", "--probe", "chat-basic"],
    ["baseline", "show", "chat-basic"],
    ["baseline", "export", "chat-basic"],
    ["last-good", "chat-basic"],
    ["diff", "0195d2c1a2b3", "0195d2c1a2b4"],
    ["alert", "status"],
]


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[Path]:
    """A working directory that is not the config's."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    before = Path.cwd()
    os.chdir(other)
    try:
        yield other
    finally:
        os.chdir(before)


def test_relative_sqlite_url_is_read_against_the_config_directory(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "config.yaml"
    where = locate_database("sqlite:///data/m.db", str(config), {}, tmp_path / "cwd")
    assert where.path == tmp_path / "etc" / "data" / "m.db"
    assert where.url == f"sqlite:///{tmp_path / 'etc' / 'data' / 'm.db'}"
    assert where.origin == f"storage.url in {config}"
    assert where.cwd_path == tmp_path / "cwd" / "data" / "m.db"


def test_relative_sqlite_url_in_the_environment_is_read_against_the_working_directory(
    tmp_path: Path,
) -> None:
    env = {"MONITOR_DATABASE_URL": "sqlite:///m.db"}
    where = locate_database("sqlite:///ignored.db", str(tmp_path / "c.yaml"), env, tmp_path / "w")
    assert (where.path, where.origin, where.cwd_path) == (
        tmp_path / "w" / "m.db",
        "MONITOR_DATABASE_URL",
        None,
    )


def test_absolute_and_postgres_urls_are_kept(tmp_path: Path) -> None:
    absolute = locate_database(f"sqlite:///{tmp_path}/a.db", "c.yaml", {}, Path("/"))
    assert (absolute.path, absolute.cwd_path) == (tmp_path / "a.db", None)
    pg = locate_database("postgresql+psycopg://u@h/d", "c.yaml", {}, Path("/"))
    assert (pg.url, pg.path) == ("postgresql+psycopg://u@h/d", None)


def test_history_from_another_directory_reads_the_database_beside_the_config(
    cli: Any, sim_url: str, tmp_path: Path, elsewhere: Path
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, "sqlite:///monitor.db"))
    os.chdir(tmp_path)
    assert cli("--config", str(config), "check", env=ENV).code == 0
    os.chdir(elsewhere)
    result = cli("--config", str(config), "history", "--json", env=ENV)
    assert result.code == 0, result.err
    assert '"probe": "chat-basic"' in result.out
    assert not (elsewhere / "monitor.db").exists()


@pytest.mark.parametrize("argv", READ_ONLY, ids=" ".join)
def test_reading_commands_never_create_a_database(
    cli: Any, argv: list[str], sim_url: str, tmp_path: Path, elsewhere: Path
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, "sqlite:///monitor.db"))
    (elsewhere / "req.json").write_text('{"model": "m", "messages": []}')
    (elsewhere / "resp.json").write_text('{"id": "x", "choices": []}')
    result = cli("--config", str(config), *argv, env=ENV)
    assert result.code == 2, result.out + result.err
    assert f"no database at {tmp_path / 'monitor.db'}" in result.err
    assert f"from storage.url in {config}" in result.err
    assert not (tmp_path / "monitor.db").exists()
    assert not (elsewhere / "monitor.db").exists()


def test_a_database_left_in_the_working_directory_is_pointed_out(
    cli: Any, sim_url: str, tmp_path: Path, elsewhere: Path
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, "sqlite:///monitor.db"))
    (elsewhere / "monitor.db").write_bytes(b"")
    result = cli("--config", str(config), "history", env=ENV)
    assert result.code == 2
    assert result.err.count("a database exists at the old place") == 1
    assert str(elsewhere / "monitor.db") in result.err
    assert str(tmp_path / "monitor.db") in result.err


def test_config_check_prints_the_resolved_database(
    cli: Any, sim_url: str, tmp_path: Path, elsewhere: Path
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, "sqlite:///monitor.db"))
    result = cli("config", "check", str(config), env=ENV)
    assert result.code == 0, result.err
    assert f"database: SQLite {tmp_path / 'monitor.db'} (created on first write;" in result.out


def test_config_check_shows_each_targets_host_and_warns_about_a_trailing_v1(
    cli: Any, tmp_path: Path
) -> None:
    text = chat_probe_config("https://api.example.com/v1", "sqlite:///m.db").replace(
        "targets:\n", 'targets:\n  gw: {base_url: "${GATEWAY_URL}"}\n'
    )
    config = write_config(tmp_path, text)
    env = {**ENV, "GATEWAY_URL": "https://gw.example.com/acct-SECRET42?k=tk-1"}
    result = cli("config", "check", str(config), env=env)
    assert result.code == 0, result.err
    assert "target sim: host https://api.example.com" in result.out
    assert "target gw: host https://gw.example.com" in result.out
    assert "acct-SECRET42" not in result.out + result.err
    assert "targets.sim.base_url: warning: ends in /v1" in result.err
    assert "/v1/v1/" in result.err
    assert result.err.count("ends in /v1") == 1
