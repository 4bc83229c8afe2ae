"""``monitor check``: run probes once now through the same pipeline as the service.

Runs learn baselines, move events and deliver their alerts before the command exits
(``--dry-run`` stores and alerts nothing). Exit 0 when no run failed and no finding is
breaking, 1 otherwise, 2 on usage or configuration errors.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from monitor.app import build_app
from monitor.cli.common import Context, add_format_options, require_secrets, use_colour
from monitor.cli.output import RUN_CSV_COLUMNS, write_csv, write_json_lines
from monitor.cli.tables import (
    TABLE_COLUMNS,
    add_column_options,
    chosen_columns,
    csv_rows,
    run_rows_table,
)
from monitor.config.crossrefs import SINK_NAMES
from monitor.config.loader import LoadedConfig
from monitor.core.model import Trigger
from monitor.errors import UsageError

ALERT_DRAIN_S = 30.0
CSV_COLUMNS = tuple(c for c in RUN_CSV_COLUMNS if c != "trigger")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "check",
        parents=[common],
        help="run probes once now",
        description="Run probes once now (learning baselines, moving events, delivering "
        "alerts) and exit 0 when no run failed and no finding is breaking, else 1.",
    )
    parser.add_argument(
        "--probe",
        action="append",
        default=[],
        metavar="NAME",
        help="probe to run (repeatable; default: all)",
    )
    parser.add_argument("--dry-run", action="store_true", help="store nothing, alert nothing")
    add_format_options(parser, ("table", "json", "csv"))
    add_column_options(parser)
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    loaded = ctx.load()
    names = ctx.args.probe or [p.name for p in loaded.config.probes]
    unknown = [n for n in names if loaded.config.probe(n) is None]
    if unknown:
        known = ", ".join(p.name for p in loaded.config.probes) or "none"
        raise UsageError(f"unknown probe {', '.join(unknown)} (probes: {known})")
    probes = [p for p in loaded.config.probes if p.name in names]
    # the sinks' secrets (alerts are delivered before exit), not the dead man's switch's
    sinks = tuple(f"alerts.{name}" for name in SINK_NAMES)
    require_secrets(loaded, {p.target for p in probes}, sections=sinks)
    views = asyncio.run(_check(ctx, loaded, names))
    fmt = ctx.args.format
    if fmt == "json":
        write_json_lines(views, ctx.stdout)
    elif fmt == "csv":
        columns = chosen_columns(ctx.args, CSV_COLUMNS)
        write_csv(csv_rows(views, columns), columns, ctx.stdout)
    else:
        run_rows_table(
            views,
            ctx.stdout,
            columns=chosen_columns(ctx.args, TABLE_COLUMNS),
            wide=ctx.args.wide,
            colour=use_colour(ctx),
        )
    spooled = [v for v in views if v["outcome"] is None]
    for view in spooled:
        ctx.warn(f"monitor: {view['probe']}: {view['note']}")
    bad = spooled or any(
        v["outcome"] == "fail" or any(f["severity"] == "breaking" for f in v["findings"])
        for v in views
    )
    return 1 if bad else 0


async def _check(ctx: Context, loaded: LoadedConfig, names: list[str]) -> list[dict[str, Any]]:
    # With --json/--csv stdout belongs to the script reading it: alerts go to stderr even when
    # the console sink is configured for stdout.
    machine = ctx.args.format in ("json", "csv")
    app = build_app(
        loaded, env=ctx.env, stderr=ctx.stderr, stdout=ctx.stderr if machine else ctx.stdout
    )
    try:
        if not ctx.args.dry_run:
            await app.pipeline.replay_spool()  # runs an earlier outage left waiting
        probes = [p for p in loaded.config.probes if p.name in names]
        results = await asyncio.gather(
            *(
                app.pipeline.run_once(p, None, Trigger.CHECK, dry_run=ctx.args.dry_run)
                for p in probes
            )
        )
        if not ctx.args.dry_run:
            began = time.monotonic()
            await app.dispatcher.drain(timeout_s=ALERT_DRAIN_S)
            # A sink that recovered (or failed) in this batch: its meta-alert goes out now too.
            if await app.selfwatch.check_sinks():
                left = max(1.0, ALERT_DRAIN_S - (time.monotonic() - began))
                await app.dispatcher.drain(timeout_s=left)
    finally:
        await app.aclose()
    return [result.view() for result in results if result is not None]
