"""The CLI contract: global --config placement, --help everywhere, exit codes, db, baseline,
history and config check, all in-process through ``main(argv)``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from monitor.cli import COMMANDS, build_parser
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}


def _subcommands() -> list[list[str]]:
    parser = build_parser()
    found: list[list[str]] = []

    def walk(p: Any, prefix: list[str]) -> None:
        for action in p._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                for name, sub in action.choices.items():
                    found.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(parser, [])
    return found


def test_every_command_has_help(cli: Any) -> None:
    commands = _subcommands()
    assert len(commands) >= len(COMMANDS)
    for argv in [[], *commands]:
        result = cli(*argv, "--help")
        assert result.code == 0, argv
        assert "usage: monitor" in result.out


def test_config_is_accepted_before_or_after_the_command(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url)))
    before = cli("--config", config, "check", "--json", env=ENV)
    after = cli("check", "--json", "--config", config, env=ENV)
    from_env = cli("check", "--json", env={**ENV, "MONITOR_CONFIG": config})
    assert (before.code, after.code, from_env.code) == (0, 0, 0)


def test_missing_config_is_a_usage_error(cli: Any) -> None:
    result = cli("history")
    assert result.code == 2
    assert "pass --config FILE or set MONITOR_CONFIG" in result.err


def test_bad_config_exits_2_with_a_located_error_and_writes_nothing(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    text = chat_probe_config("http://127.0.0.1:9", sqlite_url).replace("every: 60s", "every: soon")
    config = write_config(tmp_path, text)
    for argv in (["check"], ["run"], ["config", "check", str(config)]):
        result = cli(*argv, "--config", str(config), env=ENV)
        assert result.code == 2
        assert f"{config}:10: probes[0].every: invalid duration 'soon'" in result.err
    assert not (tmp_path / "monitor.db").exists()


def test_config_check_warns_about_unset_secrets_and_prints_the_expected_load(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config("http://127.0.0.1:9", sqlite_url))
    result = cli("config", "check", str(config), env={})
    assert result.code == 0
    assert "warning: environment variable SIM_API_KEY is not set" in result.err
    assert "OK — 1 target(s), 1 probe(s)" in result.out
    assert "target sim: about 1440 request(s) per day" in result.out


def test_unknown_probe_is_a_usage_error(cli: Any, tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, chat_probe_config("http://127.0.0.1:9", sqlite_url))
    result = cli("check", "--probe", "nope", "--config", str(config), env=ENV)
    assert result.code == 2
    assert "unknown probe nope (probes: chat-basic)" in result.err


def test_db_upgrade_and_current_report_the_revision(cli: Any, tmp_path: Path, db_url: str) -> None:
    config = str(write_config(tmp_path, chat_probe_config("http://127.0.0.1:9", db_url)))
    upgraded = cli("db", "upgrade", "--config", config)
    assert upgraded.code == 0
    current = cli("db", "current", "--config", config)
    assert current.code == 0
    assert "(at head)" in current.out


def test_dry_run_stores_nothing(cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url)))
    result = cli("check", "--dry-run", "--json", "--config", config, env=ENV)
    assert result.code == 0
    assert json.loads(result.out)["outcome"] == "pass"
    history = cli("history", "--json", "--config", config)
    assert history.out == ""


def test_history_filters_and_formats(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url, learn_runs=1)))
    for scenario in ("healthy", "healthy", "drop-usage", "html-502"):
        sim.set_scenario(scenario)
        cli("check", "--config", config, env=ENV)
    all_runs = [
        json.loads(x) for x in cli("history", "--json", "--config", config).out.splitlines()
    ]
    assert [r["outcome"] for r in all_runs] == ["fail", "drift", "pass", "pass"]
    drift = cli("history", "--outcome", "drift", "--json", "--config", config).out.splitlines()
    assert len(drift) == 1
    failed = cli("history", "--status", "502", "--format", "csv", "--config", config).out
    lines = failed.splitlines()
    assert lines[0].startswith("run_id,probe,target,trigger,started_at,outcome,status_code")
    assert len(lines) == 2
    assert ",fail,502," in lines[1]
    table = cli("history", "--config", config).out
    assert "STARTED (UTC)" in table
    assert "1B property-removed usage" in table
    limited = cli("history", "--limit", "1", "--json", "--config", config).out.splitlines()
    assert len(limited) == 1
    future = cli("history", "--since", "2999-01-01T00:00:00Z", "--json", "--config", config)
    assert future.out == ""
    bad = cli("history", "--since", "yesterday", "--config", config)
    assert bad.code == 2
    assert "invalid time 'yesterday'" in bad.err


@pytest.mark.parametrize("action", ["accept", "reset"])
def test_baseline_commands_change_what_later_runs_compare_with(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str, action: str
) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url, learn_runs=1)))
    cli("check", "--config", config, env=ENV)
    sim.set_scenario("drop-usage")
    drifted = json.loads(cli("check", "--json", "--config", config, env=ENV).out)
    assert drifted["outcome"] == "drift"
    changed = cli("baseline", action, "chat-basic", "--config", config)
    assert changed.code == 0
    after = json.loads(cli("check", "--json", "--config", config, env=ENV).out)
    assert after["outcome"] == "pass"
    # accept adopts the drifted shape as v2; reset relearns v2 from the next run (learn_runs: 1)
    assert after["baseline"] == {"class": "success", "state": "active", "version": 2}
    shown = cli("baseline", "show", "chat-basic", "--config", config)
    assert "superseded" in shown.out
    active_shape = shown.out.split("success v2 (active):")[1]
    assert "choices[].finish_reason" in active_shape
    assert "usage" not in active_shape


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--log-level", "foo", "history"], "invalid choice: 'foo'"),
        (["history", "--since", "10000000000d"], "invalid duration '10000000000d': too long"),
        (["history", "--since", "1000000d"], "too long (at most 36500d, 100 years)"),
        (["history", "--since", "0001-01-01T00:00:00+05:00"], "out of range"),
        (["history", "--limit", "0"], "'0' must be at least 1"),
        (["history", "--category", "bogus"], "invalid choice: 'bogus'"),
        (["history", "--verdict", "bogus"], "invalid choice: 'bogus'"),
        (["simulate", "--port", "70000"], "70000 is not a port number (0-65535)"),
        (["history", "--since", "30m", "--until", "1h"], "--until 1h must be after --since 30m"),
        (["hold", "list", "--since", "1h"], "`hold list` takes none"),
    ],
)
def test_bad_arguments_are_usage_errors_not_tracebacks(
    cli: Any, tmp_path: Path, sqlite_url: str, argv: list[str], message: str
) -> None:
    config = write_config(tmp_path, chat_probe_config("http://127.0.0.1:9", sqlite_url))
    result = cli(*argv, "--config", str(config))
    assert result.code == 2, result.err
    assert message in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("command", [["history"], ["db", "upgrade"], ["db", "current"], ["check"]])
def test_a_bad_database_url_in_the_environment_is_a_usage_error(
    cli: Any, tmp_path: Path, sqlite_url: str, command: list[str]
) -> None:
    config = write_config(tmp_path, chat_probe_config("http://127.0.0.1:9", sqlite_url))
    env = {"SIM_API_KEY": "k", "MONITOR_DATABASE_URL": "mysql://u:hunter22@db/x"}
    result = cli(*command, "--config", str(config), env=env)
    assert result.code == 2, result.err
    assert "MONITOR_DATABASE_URL: unsupported database URL (mysql://)" in result.err
    assert "hunter22" not in result.err
    assert "Traceback" not in result.err


def test_a_postgres_url_in_the_environment_opens_postgresql(
    cli: Any, tmp_path: Path, sqlite_url: str, pg_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config("http://127.0.0.1:9", sqlite_url))
    aliased = pg_url.replace("postgresql+psycopg://", "postgres://", 1)
    result = cli("db", "current", "--config", str(config), env={"MONITOR_DATABASE_URL": aliased})
    assert result.code == 0, result.err
    assert result.out.startswith("schema: ")
    assert "(at head)" in result.out
    assert not (tmp_path / "monitor.db").exists()  # storage.url (SQLite) was not the one opened


def test_a_reader_closing_the_pipe_ends_the_command_quietly(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    """``monitor history | head``: exit 141 like a command killed by SIGPIPE, no traceback."""
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url))
    for _ in range(3):
        assert cli("check", "--config", str(config), env={"SIM_API_KEY": SIM_KEY}).code == 0
    command = [sys.executable, "-m", "monitor", "history", "--config", str(config), "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before the first line is written
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141, err
    assert b"Traceback" not in err


def test_simulate_on_a_taken_port_is_a_usage_error(cli: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("simulate", "--port", str(port))
    assert result.code == 2
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.err
