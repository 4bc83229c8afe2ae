"""``monitor history``: past runs, filtered, newest first."""

from __future__ import annotations

import argparse

from monitor.app import open_store
from monitor.cli.common import (
    Context,
    add_format_options,
    add_time_options,
    positive_int,
    resolve_window,
)
from monitor.cli.output import RUN_CSV_COLUMNS, write_csv, write_json_lines
from monitor.cli.tables import run_rows_table
from monitor.clock import SystemClock
from monitor.core.model import Category, Verdict
from monitor.storage.params import RunFilter
from monitor.views.run import run_view


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "history",
        parents=[common],
        help="show past runs",
        description="Past runs, newest first. Filters combine (AND); repeat a filter for OR.",
    )
    parser.add_argument("--probe", action="append", default=[], metavar="NAME")
    parser.add_argument("--target", action="append", default=[], metavar="NAME")
    parser.add_argument(
        "--outcome", action="append", default=[], choices=("pass", "drift", "fail", "skipped")
    )
    parser.add_argument(
        "--category", action="append", default=[], choices=[c.value for c in Category]
    )
    parser.add_argument(
        "--verdict", action="append", default=[], choices=[v.value for v in Verdict]
    )
    parser.add_argument(
        "--status", action="append", default=[], type=int, metavar="CODE", help="HTTP status code"
    )
    add_time_options(parser, since_default="24h")
    parser.add_argument(
        "--limit", type=positive_int, default=50, help="at most N runs (default: 50)"
    )
    add_format_options(parser, ("table", "json", "csv"))
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    loaded = ctx.load()
    clock = SystemClock()
    now = clock.now()
    a = ctx.args
    since, until = resolve_window(a.since, a.until, now)
    flt = RunFilter(
        probes=tuple(a.probe),
        targets=tuple(a.target),
        outcomes=tuple(a.outcome),
        categories=tuple(a.category),
        verdicts=tuple(a.verdict),
        status_codes=tuple(a.status),
        since=since,
        until=until,
        limit=a.limit,
    )
    store = open_store(loaded.config, ctx.env, clock)
    try:
        views = [run_view(r) for r in store.list_runs(flt)]
    finally:
        store.close()
    if a.format == "json":
        write_json_lines(views, ctx.stdout)
    elif a.format == "csv":
        write_csv(views, RUN_CSV_COLUMNS, ctx.stdout)
    else:
        run_rows_table(views, ctx.stdout)
    return 0
