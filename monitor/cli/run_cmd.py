"""``monitor run``: the long-lived service; exits cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from datetime import timedelta

from monitor.app import SHUTDOWN_GRACE_S, build_app
from monitor.cli.common import Context, require_secrets
from monitor.clock import SystemClock
from monitor.config.loader import LoadedConfig
from monitor.config.timeparse import parse_duration
from monitor.service import serve
from monitor.telemetry.logs import configure_logging
from monitor.telemetry.narrate import RunNarrator


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "run",
        parents=[common],
        help="run the monitor as a service",
        description="Schedule every probe, judge and store each run, deliver alerts. "
        "SIGTERM or SIGINT stops it after in-flight probes finish (bounded).",
    )
    parser.add_argument(
        "--shutdown-grace",
        type=_duration,
        default=timedelta(seconds=SHUTDOWN_GRACE_S),
        metavar="DURATION",
        help="after SIGTERM, how long runs in flight may take before they are cancelled and "
        "their claims handed to another replica (default: 10s)",
    )
    parser.add_argument(
        "--summary-every",
        type=_duration,
        default=timedelta(minutes=5),
        metavar="DURATION",
        help="at the default log level every run that is not a pass is one line, and the "
        "passes are summarised this often (default: 5m; --log-level error: quiet)",
    )
    parser.set_defaults(handler=handle)


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def handle(ctx: Context) -> int:
    loaded = ctx.load()
    served = ("alerts", "api") if loaded.config.api.enabled else ("alerts",)
    require_secrets(loaded, {p.target for p in loaded.config.probes}, sections=served)
    if ctx.args.log_format is None and loaded.config.telemetry.log_format == "json":
        configure_logging(ctx.stderr, ctx.args.log_level, "json")
    return asyncio.run(_serve(ctx, loaded))


async def _serve(ctx: Context, loaded: LoadedConfig) -> int:
    clock = SystemClock()
    narrator = RunNarrator(clock, ctx.args.summary_every)
    # the activity lines show at the default level (warning); --log-level error silences them
    quiet = ctx.args.log_level == "error"
    narrator.log.setLevel(logging.ERROR if quiet else min(logging.INFO, _level(ctx)))
    app = build_app(
        loaded, env=ctx.env, stderr=ctx.stderr, service=True, clock=clock, observer=narrator
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ctx.warn(
        f"monitor: running {len(loaded.config.probes)} probe(s) "
        f"[environment {loaded.config.environment}, config {loaded.config_hash}]"
        + (f"; API on {app.api.url}" if app.api else "")
    )
    try:
        await serve(app, stop, grace_s=ctx.args.shutdown_grace.total_seconds())
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await app.aclose()
    ctx.warn("monitor: stopped")
    return 0


def _level(ctx: Context) -> int:
    return int(logging.getLevelName(str(ctx.args.log_level).upper()))
