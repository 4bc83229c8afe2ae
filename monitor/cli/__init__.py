"""The ``monitor`` command line: one module per command (``register(sub, common)`` and
``handle(ctx) -> int``), shared options and context (``common``), output for humans and scripts
(``output``, ``tables``), and the demo's story (``demo_story``). ``main(argv)`` runs in-process
(tests call it directly).

Exit codes: 0 success; 1 a probe failed, a finding is breaking, or the service failed;
2 usage or configuration errors (nothing written).

May import: everything (the top of the layers, beside ``api``), but nothing imports it except
``monitor.__main__``; and most of it only inside the handlers. Building the parser imports
every command module, so at their top they import only light modules: the standard library's
small ones, this package's ``common``/``output``/``tables``, the root's ``errors`` and
``clock``, ``core.model``, ``config.timeparse``/``config.listen``, the defaults ``--help``
shows (``monitor.runner``) and the simulator's scenario names. Everything else (the app, the
store, httpx, the config schema, the API, asyncio) is imported inside the handler that needs
it, so ``--help``, ``--version`` and ``COMMAND --help`` load nothing of the application and
``healthcheck`` only the config reader; a new command follows the same rule, which
``tests/unit/test_cli_imports.py`` checks.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from monitor import __version__
from monitor.cli import (
    alert_cmd,
    api_cmd,
    baseline_cmd,
    check_cmd,
    completion_cmd,
    config_cmd,
    db_cmd,
    demo_cmd,
    diff_cmd,
    events_cmd,
    healthcheck_cmd,
    history_cmd,
    hold_cmd,
    last_good_cmd,
    prune_cmd,
    report_cmd,
    run_cmd,
    show_cmd,
    simulate_cmd,
    verify_cmd,
)
from monitor.cli.common import Context, add_config_option, environ
from monitor.cli.help import CommandParser, add_examples
from monitor.cli.safe_stream import safe
from monitor.errors import ConfigError, MonitorError, SecretError, StorageError, UsageError
from monitor.telemetry.logs import configure_logging

COMMANDS = (
    run_cmd,
    check_cmd,
    history_cmd,
    events_cmd,
    alert_cmd,
    baseline_cmd,
    db_cmd,
    prune_cmd,
    config_cmd,
    demo_cmd,
    simulate_cmd,
    show_cmd,
    diff_cmd,
    last_good_cmd,
    hold_cmd,
    report_cmd,
    api_cmd,
    healthcheck_cmd,
    verify_cmd,
    completion_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="monitor",
        description="Contract Monitor: synthetic contract probes for OpenAI-compatible LLM APIs.",
    )
    add_config_option(parser, top_level=True)
    parser.add_argument(
        "--log-level",
        default="warning",
        type=str.lower,
        choices=("debug", "info", "warning", "error"),
        help="debug|info|warning|error (default: warning)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=None,
        help="text or json, one object per line with the trace id (default: telemetry.log_format)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    add_config_option(common, top_level=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMANDS:
        module.register(sub, common)
    add_examples(parser)
    parser.set_defaults(root_parser=parser)  # `completion` writes its script from the whole CLI
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err  # argparse prints help and errors to sys.*
        try:
            args = parser.parse_args(list(argv) if argv is not None else None)
        finally:
            sys.stdout, sys.stderr = old_out, old_err
    except SystemExit as exc:
        return int(exc.code or 0)
    # upstream text reaches logs, alerts and every command's output: escaped once, here
    configure_logging(safe(err), args.log_level, args.log_format or "text")
    ctx = Context(args, env if env is not None else environ(), safe(out), safe(err))
    try:
        code = int(args.handler(ctx))
        out.flush()  # here, so a closed pipe is caught below and not at interpreter exit
        return code
    except BrokenPipeError:
        return _reader_went_away(out)
    except (ConfigError, UsageError, SecretError) as exc:
        err.write(f"monitor: error: {exc}\n" if not isinstance(exc, ConfigError) else f"{exc}\n")
        return 2
    except StorageError as exc:
        err.write(f"monitor: database error: {exc}\n")
        return 1
    except MonitorError as exc:
        err.write(f"monitor: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130


def _reader_went_away(out: TextIO) -> int:
    """``monitor history | head``: the reader closed the pipe. Quietly, as the Python docs
    advise: point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    if out is sys.stdout:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe
