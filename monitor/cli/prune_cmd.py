"""``monitor prune``: apply ``retention`` once (``monitor run`` also does it every hour)."""

from __future__ import annotations

import argparse

from monitor.app import open_store
from monitor.cli.common import Context
from monitor.cli.output import write_json
from monitor.clock import SystemClock
from monitor.config.timeparse import format_duration
from monitor.runner.retention import BATCH_SIZE, prune


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "prune",
        parents=[common],
        help="delete runs and bodies older than the retention settings",
        description="Delete runs older than retention.runs and drop the bodies of passing runs "
        "older than retention.bodies, in small batches. Baselines, events, runs that events "
        "refer to and runs inside an active hold (`monitor hold`) are never pruned.",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would be pruned; change nothing"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE,
        metavar="N",
        help=f"rows per transaction (default: {BATCH_SIZE})",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    from monitor.errors import UsageError

    if ctx.args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    loaded = ctx.load()
    clock = SystemClock()
    store = open_store(loaded, ctx.env, clock)
    policy = loaded.config.retention
    try:
        report = prune(
            store, policy, clock.now(), batch_size=ctx.args.batch_size, dry_run=ctx.args.dry_run
        )
    finally:
        store.close()
    if ctx.args.json:
        write_json(report.to_json(), ctx.stdout)
        return 0
    verb = ("would delete", "would drop") if report.dry_run else ("deleted", "dropped")
    ctx.stdout.write(
        f"retention (runs {format_duration(policy.runs)}, bodies "
        f"{format_duration(policy.bodies)}): {verb[0]} {report.runs_deleted} run(s) started "
        f"before {report.to_json()['runs_cutoff']}, {verb[1]} {report.bodies_dropped} "
        f"body(ies) of passing runs started before {report.to_json()['bodies_cutoff']}\n"
    )
    if report.busy:
        ctx.stdout.write("another replica is pruning right now; stopped early\n")
    return 0
