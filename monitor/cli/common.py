"""Helpers shared by the commands: config loading, time and output options, the event loop."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TextIO

from monitor.config.loader import LoadedConfig, load_config
from monitor.config.timeparse import parse_time
from monitor.errors import ConfigError, ConfigIssue, UsageError


class Context:
    """What every command gets: arguments, environment, output streams."""

    def __init__(
        self,
        args: argparse.Namespace,
        env: Mapping[str, str],
        stdout: TextIO,
        stderr: TextIO,
    ) -> None:
        self.args = args
        self.env = env
        self.stdout = stdout
        self.stderr = stderr

    def config_path(self) -> str:
        path = getattr(self.args, "config", None) or self.env.get("MONITOR_CONFIG")
        if not path:
            raise UsageError("no configuration: pass --config FILE or set MONITOR_CONFIG")
        return str(path)

    def load(self) -> LoadedConfig:
        loaded = load_config(self.config_path(), self.env)
        return loaded

    def warn(self, message: str) -> None:
        self.stderr.write(message + "\n")


def unknown_probe(name: str, loaded: LoadedConfig) -> UsageError:
    """The error for a probe name the config does not have, listing the ones it has."""
    known = ", ".join(p.name for p in loaded.config.probes) or "none"
    return UsageError(f"unknown probe {name!r} (probes: {known})")


def warn_unknown_probes(ctx: Context, names: Iterable[str], loaded: LoadedConfig) -> None:
    """A filter on a probe the config does not have may still match history (a removed
    probe), so it is a note on stderr, with the configured names (a typo shows at once)."""
    configured = {p.name for p in loaded.config.probes}
    for name in names:
        if name not in configured:
            known = ", ".join(p.name for p in loaded.config.probes) or "none"
            ctx.warn(f"monitor: note: no probe {name!r} in the configuration (probes: {known})")


def require_secrets(
    loaded: LoadedConfig, targets: Iterable[str], *, sections: Iterable[str] = ("alerts",)
) -> None:
    """At run time an unset secret is an error (``config check`` only warns), reported as
    ``config check`` locates it: the targets' keys, and those of ``sections`` (the sinks; the
    API's token for ``run``)."""
    prefixes = tuple(f"targets.{t}." for t in targets) + tuple(f"{s}." for s in sections)
    missing = [
        ConfigIssue(w.file, w.line, w.key_path, w.message)
        for w in loaded.warnings
        if w.key_path.startswith(prefixes)
    ]
    if missing:
        raise ConfigError(missing)


def add_config_option(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=None if top_level else argparse.SUPPRESS,
        help="configuration file (default: $MONITOR_CONFIG)",
    )


def add_format_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """``--format`` among ``formats`` (the first is the default) and ``--json`` for ``json``."""
    parser.add_argument(
        "--format",
        choices=formats,
        default=formats[0],
        help=f"output format (default: {formats[0]})",
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="alias of --format json"
    )


def add_time_options(parser: argparse.ArgumentParser, *, since_default: str | None) -> None:
    parser.add_argument(
        "--since",
        default=since_default,
        metavar="T",
        help="a duration back from now (2h) or an ISO 8601 time"
        + (f" (default: {since_default})" if since_default else ""),
    )
    parser.add_argument("--until", default=None, metavar="T", help="a duration or ISO 8601 time")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--limit 0`` is a mistake, not 1)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def resolve_time(text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_time(text, now)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def resolve_window(
    since: str | None, until: str | None, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """``--since``/``--until`` as times; a window that ends before it starts is a mistake
    (it would print "no runs" and look like an answer)."""
    start, end = resolve_time(since, now), resolve_time(until, now)
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--until {until} must be after --since {since}")
    return start, end


def use_colour(ctx: Context) -> bool:
    """Colour only for a terminal, and never with ``NO_COLOR`` set (no-color.org) or a dumb
    terminal."""
    isatty = getattr(ctx.stdout, "isatty", None)
    tty = callable(isatty) and bool(isatty())
    return tty and not ctx.env.get("NO_COLOR") and ctx.env.get("TERM") != "dumb"


def environ() -> Mapping[str, str]:
    return os.environ


def default_streams() -> tuple[TextIO, TextIO]:
    return sys.stdout, sys.stderr
