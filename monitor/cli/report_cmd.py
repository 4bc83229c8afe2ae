"""``monitor report``: the incident packet for a window, as Markdown or JSON.

Every statement is a short sentence with its count and run ids; the header says the statements
cover synthetic probes only.
"""

from __future__ import annotations

import argparse

from monitor.app import open_store
from monitor.cli.common import Context, add_format_options, resolve_time
from monitor.cli.output import write_json
from monitor.clock import SystemClock
from monitor.errors import UsageError
from monitor.report.markdown import render_markdown
from monitor.report.service import check_timezone, make_report


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "report",
        parents=[common],
        help="the post-incident packet for a window",
        description="Short, testable statements about a window: status timeline, failures by "
        "category and verdict, first failure and recovery, the assumption ledger, usage, what "
        "the monitor spent, open questions and observations needing account confirmation.",
    )
    parser.add_argument(
        "--since",
        "--from",
        dest="since",
        metavar="T",
        required=True,
        help="window start: a duration back from now (6h) or an ISO 8601 time",
    )
    parser.add_argument("--until", "--to", dest="until", metavar="T", help="default: now")
    parser.add_argument("--target", metavar="NAME", help="one target only")
    add_format_options(parser, ("md", "json"))
    parser.add_argument("--tz", default="UTC", help="local time zone shown next to UTC")
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    a = ctx.args
    loaded = ctx.load()
    clock = SystemClock()
    now = clock.now()
    since = resolve_time(a.since, now)
    until = resolve_time(a.until, now) or now
    assert since is not None
    check_timezone(a.tz)
    if until <= since:
        raise UsageError("--until must be after --since")
    store = open_store(loaded, ctx.env, clock, must_exist=True)
    try:
        report = make_report(store, loaded.config, since, until, target=a.target, tz=a.tz)
    finally:
        store.close()
    if a.format == "json":
        write_json(report.to_json(), ctx.stdout)
    else:
        ctx.stdout.write(render_markdown(report))
    return 0
