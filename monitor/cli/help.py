"""``--help`` that ends with examples, and usage errors from the command that was mistyped.

Every command's help ends with one or two examples (``EXAMPLES``, by command path; a test keeps
every command covered). A flag argparse does not know is reported by the (sub)command it was
given to, with that command's usage and the nearest flag, not by the top-level parser (whose
usage says nothing about ``history --limt``).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("monitor config check config.yaml", "monitor --config config.yaml history --since 2h"),
    "run": ("monitor run --config config.yaml", "monitor run --log-level info"),
    "check": ("monitor check --probe chat-basic", "monitor check --json --dry-run"),
    "history": (
        "monitor history --since 2h --outcome drift",
        "monitor history --probe chat-basic --format csv --limit 500",
    ),
    "events": ("monitor events list", "monitor events show 0195d2c1a2"),
    "events list": ("monitor events list --all --since 24h", "monitor events list --json"),
    "events show": ("monitor events show 0195d2c1a2",),
    "events ack": ("monitor events ack 0195d2c1a2 --by alice",),
    "events mute": (
        "monitor events mute 0195d2c1a2 --for 2h --reason 'vendor ticket 4411'",
        "monitor events mute 0195d2c1a2 --off",
    ),
    "alert": ("monitor alert status",),
    "alert status": ("monitor alert status --limit 20",),
    "baseline": ("monitor baseline show chat-basic", "monitor baseline accept chat-basic"),
    "baseline show": ("monitor baseline show chat-basic --json",),
    "baseline accept": ("monitor baseline accept chat-basic",),
    "baseline reset": ("monitor baseline reset chat-basic",),
    "baseline export": ("monitor baseline export chat-basic -o chat-basic.json",),
    "baseline import": ("monitor baseline import chat-basic chat-basic.json",),
    "db": ("monitor db upgrade", "monitor db current"),
    "db upgrade": ("MONITOR_DATABASE_URL=postgresql+psycopg://m@db/monitor monitor db upgrade",),
    "db current": ("monitor db current",),
    "prune": ("monitor prune --dry-run", "monitor prune --batch-size 200"),
    "config": ("monitor config check config.yaml",),
    "config check": ("monitor config check config.yaml", "monitor config check  # $MONITOR_CONFIG"),
    "demo": ("monitor demo", "monitor demo --serve --listen 127.0.0.1:9000"),
    "simulate": ("monitor simulate --port 8900", "monitor simulate --scenario drop-usage"),
    "show": ("monitor show 0195d2c1a2b3", "monitor show 0195d2c1a2b3 --json"),
    "diff": ("monitor diff 0195d2c1a2b3 0195d2c4f5e6",),
    "last-good": ("monitor last-good chat-basic", "monitor last-good chat-basic --json"),
    "hold": (
        "monitor hold --since 2h --reason 'INC-1234'",
        "monitor hold list",
    ),
    "report": (
        "monitor report --since 6h",
        "monitor report --since 2026-05-08T14:00Z --until 2026-05-08T15:00Z --tz Europe/Berlin",
    ),
    "api": ("monitor api --listen 127.0.0.1:8080",),
    "healthcheck": (
        "monitor healthcheck --ready",
        "monitor healthcheck --url http://10.0.0.5:8080",
    ),
    "verify": (
        "monitor verify --probe chat-basic --request req.json --response resp.json",
        "monitor verify --request req.json --response resp.json --header 'x-request-id: abc'",
    ),
    "completion": (
        "monitor completion bash > ~/.local/share/bash-completion/completions/monitor",
        "monitor completion zsh > ~/.zfunc/_monitor",
    ),
}
_MARK = "examples:\n"


class Formatter(argparse.HelpFormatter):
    """Wraps descriptions as usual; keeps the examples epilog line by line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(_MARK):
            return text
        return super()._fill_text(text, width, indent)


class CommandParser(argparse.ArgumentParser):
    """A (sub)command's parser: an unknown flag is its own error, with its usage."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}{self._nearest(extras)}")
        return parsed, extras

    def _nearest(self, extras: list[str]) -> str:
        known = [s for a in self._actions for s in a.option_strings]
        for word in extras:
            if word.startswith("--"):
                close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1)
                if close:
                    return f" (did you mean {close[0]}?)"
        return ""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)  # looked up now: ``main`` points sys.stderr at its stream
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_examples(parser: argparse.ArgumentParser, path: str = "") -> None:
    """Give every parser under ``parser`` its examples epilog (``EXAMPLES[path]``)."""
    examples = EXAMPLES.get(path)
    if examples:
        parser.epilog = _MARK + "".join(f"  {line}\n" for line in examples)
        parser.formatter_class = Formatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            choices: dict[str, Any] = action.choices
            for name, sub in choices.items():
                add_examples(sub, f"{path} {name}".strip())
