"""``monitor history``: past runs, filtered, newest first."""

from __future__ import annotations

import argparse
import time

from monitor.app import open_store
from monitor.cli.common import (
    Context,
    add_format_options,
    add_time_options,
    positive_int,
    resolve_window,
    use_colour,
    warn_unknown_probes,
)
from monitor.cli.output import RUN_CSV_COLUMNS, write_csv, write_json_lines
from monitor.cli.tables import (
    TABLE_COLUMNS,
    add_column_options,
    chosen_columns,
    csv_rows,
    run_rows_table,
)
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
    parser.add_argument(
        "--probe", action="append", default=[], metavar="NAME", help="only this probe (repeatable)"
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME",
        help="only this target (repeatable)",
    )
    parser.add_argument(
        "--outcome",
        action="append",
        default=[],
        choices=("pass", "drift", "fail", "skipped"),
        help="only runs with this outcome (repeatable)",
    )
    parser.add_argument(
        "--category",
        action="append",
        default=[],
        choices=[c.value for c in Category],
        help="only runs classified so (repeatable)",
    )
    parser.add_argument(
        "--verdict",
        action="append",
        default=[],
        choices=[v.value for v in Verdict],
        help="only runs with this verdict (repeatable)",
    )
    parser.add_argument(
        "--status", action="append", default=[], type=int, metavar="CODE", help="HTTP status code"
    )
    add_time_options(parser, since_default="24h")
    parser.add_argument(
        "--limit", type=positive_int, default=50, help="at most N runs (default: 50)"
    )
    add_format_options(parser, ("table", "json", "csv"))
    add_column_options(parser)
    parser.add_argument(
        "--follow",
        "-f",
        action="store_true",
        help="after the recent runs (oldest first), print each new run as it is stored; "
        "Ctrl-C ends it",
    )
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    loaded = ctx.load()
    clock = SystemClock()
    now = clock.now()
    a = ctx.args
    since, until = resolve_window(a.since, a.until, now)
    warn_unknown_probes(ctx, a.probe, loaded)
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
    store = open_store(loaded, ctx.env, clock, must_exist=True)
    if a.follow:
        from monitor.cli.follow import Printer, follow_runs

        try:
            printer = Printer(a.format, ctx.stdout, chosen_columns(a, RUN_CSV_COLUMNS))
            follow_runs(store, flt, printer, time.sleep)
        finally:
            store.close()
        return 0  # not reached: Ctrl-C ends a follow (exit 130)
    try:
        views = [run_view(r) for r in store.list_runs(flt)]
    finally:
        store.close()
    if a.format == "json":
        write_json_lines(views, ctx.stdout)
    elif a.format == "csv":
        columns = chosen_columns(ctx.args, RUN_CSV_COLUMNS)
        write_csv(csv_rows(views, columns), columns, ctx.stdout)
    else:
        run_rows_table(
            views,
            ctx.stdout,
            columns=chosen_columns(ctx.args, TABLE_COLUMNS),
            wide=ctx.args.wide,
            colour=use_colour(ctx),
        )
    return 0
