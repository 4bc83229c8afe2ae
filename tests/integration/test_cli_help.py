"""``--help`` for people: every flag explained, examples at the end of every command's help,
and a mistyped flag reported by the command it was given to."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from monitor.cli import build_parser
from monitor.cli.help import EXAMPLES
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}


def _parsers() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    def walk(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, Any]]:
        yield path, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, f"{path} {name}".strip())

    yield from walk(build_parser(), "")


def test_every_flag_and_argument_has_help_text() -> None:
    missing = [
        (path, action.option_strings or action.dest)
        for path, parser in _parsers()
        for action in parser._actions
        if action.help is None and not isinstance(action, argparse._SubParsersAction)
    ]
    assert missing == []


def test_every_commands_help_ends_with_examples(cli: Any) -> None:
    for path, _parser in _parsers():
        result = cli(*path.split(), "--help")
        assert result.code == 0, path
        tail = result.out.rstrip().split("examples:\n")
        assert len(tail) == 2, f"`monitor {path} --help` has no examples"
        lines = tail[1].splitlines()
        assert 1 <= len(lines) <= 2, path
        assert all(line.strip().startswith("monitor ") or "monitor " in line for line in lines)
    assert set(EXAMPLES) >= {path for path, _ in _parsers()}


def test_a_mistyped_flag_prints_the_subcommands_usage_and_the_nearest_flag(cli: Any) -> None:
    result = cli("history", "--limt", "5")
    assert result.code == 2
    assert result.err.startswith("usage: monitor history ")
    assert "monitor history: error: unrecognized arguments: --limt 5" in result.err
    assert "(did you mean --limit?)" in result.err
    nested = cli("events", "list", "--sevrity", "breaking")
    assert nested.err.startswith("usage: monitor events list ")
    assert "did you mean --severity?" in nested.err


def test_an_unknown_probe_name_lists_the_probe_names_everywhere(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = str(write_config(tmp_path, chat_probe_config(sim_url, sqlite_url)))
    assert cli("check", "--config", config, env=ENV).code == 0
    for argv in (
        ["baseline", "show", "chat-basci"],
        ["baseline", "reset", "chat-basci"],
        ["last-good", "chat-basci"],
        ["check", "--probe", "chat-basci"],
    ):
        result = cli(*argv, "--config", config, env=ENV)
        assert result.code == 2, argv
        assert "unknown probe" in result.err, argv
        assert "chat-basci" in result.err, argv
        assert "(probes: chat-basic)" in result.err, argv
    for argv in (["history", "--probe", "chat-basci"], ["events", "list", "--probe", "chat-basci"]):
        result = cli(*argv, "--config", config, env=ENV)
        assert result.code == 0, argv  # a removed probe's history is still history
        assert "no probe 'chat-basci' in the configuration (probes: chat-basic)" in result.err
    routed = chat_probe_config(sim_url, sqlite_url) + (
        "routes:\n  - match: {probe: [chat-basci]}\n    sinks: [console]\n"
    )
    bad = cli("config", "check", str(write_config(tmp_path, routed, "routed.yaml")), env=ENV)
    assert bad.code == 2
    assert "unknown probe 'chat-basci' (probes: @monitor, chat-basic)" in bad.err
