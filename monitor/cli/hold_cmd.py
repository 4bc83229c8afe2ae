"""``monitor hold``: freeze a window's runs and evidence against retention; ``hold list``,
``hold release HOLD_ID``.

    monitor hold --since 2026-05-08T14:00Z --until 2026-05-08T16:00Z --reason "INC-42"
"""

from __future__ import annotations

import argparse

from monitor.app import open_store
from monitor.cli.common import Context, add_format_options, resolve_time
from monitor.cli.output import write_json, write_table
from monitor.clock import SystemClock
from monitor.errors import UsageError


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "hold",
        parents=[common],
        help="freeze a window's runs and evidence against retention",
        description="Without an action: create a hold for runs started in [--since, --until). "
        "`hold list` shows active holds (--all: released too); `hold release HOLD_ID` lets "
        "retention prune the window again.",
    )
    parser.add_argument("action", nargs="?", choices=("list", "release"), help="list | release")
    parser.add_argument(
        "hold_id", nargs="?", metavar="HOLD_ID", help="release: the hold to release"
    )
    parser.add_argument("--since", metavar="T", help="window start (duration or ISO 8601)")
    parser.add_argument("--until", metavar="T", help="window end (default: now)")
    parser.add_argument("--reason", help="why (the incident), shown in `hold list`")
    parser.add_argument("--all", action="store_true", help="list: include released holds")
    add_format_options(parser, ("table", "json"))
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    a = ctx.args
    loaded = ctx.load()
    clock = SystemClock()
    now = clock.now()
    since = until = now
    if a.action is None:
        if not a.since or not a.reason:
            raise UsageError("hold needs --since and --reason (and usually --until)")
        since = resolve_time(a.since, now) or now
        until = resolve_time(a.until, now) or now
    elif a.action == "release" and not a.hold_id:
        raise UsageError("hold release needs a HOLD_ID (see `monitor hold list`)")
    if a.action is not None and (a.since or a.until or a.reason):
        # `hold list --since 1h` would otherwise list every hold as if it had been filtered
        raise UsageError(
            f"--since, --until and --reason create a hold; `hold {a.action}` takes none"
        )
    store = open_store(loaded, ctx.env, clock)
    try:
        if a.action == "list":
            holds = store.list_holds(include_released=a.all)
            if a.format == "json":
                write_json([h.to_json() for h in holds], ctx.stdout)
            else:
                rows = [(h.id, h.since, h.until, h.runs, h.released_at, h.reason) for h in holds]
                headers = ("hold id", "since (UTC)", "until (UTC)", "runs", "released", "reason")
                write_table(rows, headers, ctx.stdout, empty="no holds")
            return 0
        if a.action == "release":
            if not store.release_hold(a.hold_id, now):
                raise UsageError(f"no active hold {a.hold_id!r} (see `monitor hold list`)")
            ctx.stdout.write(f"released hold {a.hold_id}: retention may prune its runs again\n")
            return 0
        try:
            hold = store.create_hold(since, until, a.reason, now)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    finally:
        store.close()
    if a.format == "json":
        write_json(hold.to_json(), ctx.stdout)
    else:
        ctx.stdout.write(
            f"hold {hold.id}: {hold.runs} runs from {hold.since:%Y-%m-%d %H:%M:%S} to "
            f"{hold.until:%Y-%m-%d %H:%M:%S} UTC are kept with their evidence until released\n"
        )
    return 0
