"""``monitor diff RUN_A RUN_B``: shape and header differences between two runs."""

from __future__ import annotations

import argparse

from monitor.app import open_store
from monitor.cli.common import Context, add_format_options
from monitor.cli.output import write_json
from monitor.clock import SystemClock
from monitor.errors import UsageError
from monitor.views.diff import diff_runs, render_diff


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "diff",
        parents=[common],
        help="shape and header differences between two runs",
        description="Compare RUN_B with RUN_A: status, outcome, served model, body shape "
        "(the baseline drift rules, RUN_A as before) and headers (volatile values ignored).",
    )
    parser.add_argument("run_a", metavar="RUN_A", help="the earlier run (id or 6+ char prefix)")
    parser.add_argument("run_b", metavar="RUN_B", help="the later run (id or 6+ char prefix)")
    add_format_options(parser, ("text", "json"))
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    loaded = ctx.load()
    store = open_store(loaded, ctx.env, SystemClock(), must_exist=True)
    try:
        rows = []
        for ref in (ctx.args.run_a, ctx.args.run_b):
            run_id = store.resolve_run_id(ref)
            row = store.get_run(run_id)
            if row is None:
                raise UsageError(f"no run {run_id!r}: see `monitor history` for run ids")
            rows.append((row, store.get_evidence(run_id)))
    finally:
        store.close()
    diff = diff_runs(rows[0][0], rows[0][1], rows[1][0], rows[1][1])
    if ctx.args.format == "json":
        write_json(diff, ctx.stdout)
    else:
        ctx.stdout.write(render_diff(diff))
    return 0
