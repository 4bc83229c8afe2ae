"""``monitor baseline show|accept|reset PROBE``."""

from __future__ import annotations

import argparse
from typing import Any

from monitor.app import open_store
from monitor.cli.common import Context
from monitor.cli.output import write_json, write_table
from monitor.clock import SystemClock
from monitor.core.shape import Shape
from monitor.errors import UsageError


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "baseline", parents=[common], help="inspect or change learned baselines"
    )
    actions = parser.add_subparsers(dest="baseline_action", metavar="ACTION")
    actions.required = True
    for name, handler, text in (
        ("show", handle_show, "show baseline versions and the active shape"),
        ("accept", handle_accept, "adopt the latest observed shape as a new active version"),
        ("reset", handle_reset, "forget the current baselines; the next runs relearn"),
    ):
        action = actions.add_parser(name, parents=[common], help=text, description=text)
        action.add_argument("probe", metavar="PROBE")
        if name == "show":
            action.add_argument("--json", action="store_true", help="JSON output")
        action.set_defaults(handler=handler)


def _probe_checked(ctx: Context) -> str:
    loaded = ctx.load()
    name = str(ctx.args.probe)
    if loaded.config.probe(name) is None:
        raise UsageError(f"unknown probe {name!r}")
    return name


def handle_show(ctx: Context) -> int:
    probe = _probe_checked(ctx)
    store = open_store(ctx.load().config, ctx.env, SystemClock())
    try:
        rows = store.list_baselines(probe)
    finally:
        store.close()
    if ctx.args.json:
        write_json(rows, ctx.stdout)
        return 0
    if not rows:
        ctx.stdout.write(f"no baseline yet for {probe}: run `monitor check --probe {probe}`\n")
        return 0
    write_table(
        [
            (
                r["response_class"],
                r["version"],
                r["state"],
                r["samples"],
                r["source"],
                r["started_at"],
                r["activated_at"],
                r["request_hash"],
            )
            for r in rows
        ],
        ("class", "version", "state", "samples", "source", "started", "activated", "request"),
        ctx.stdout,
    )
    for row in rows:
        if row["state"] in ("active", "learning"):
            ctx.stdout.write(f"\n{row['response_class']} v{row['version']} ({row['state']}):\n")
            _shape_table(Shape.from_json(row["shape"]), ctx)
    return 0


def _shape_table(shape: Shape, ctx: Context) -> None:
    rows: list[tuple[Any, ...]] = []
    for path, stats in sorted(shape.paths.items()):
        values = (
            ", ".join(sorted(stats.values)) if stats.values else ("(open)" if stats.enum else "")
        )
        rows.append(
            (
                path,
                f"{stats.present}/{shape.samples}",
                "|".join(sorted(stats.types)),
                stats.nulls,
                values,
            )
        )
    write_table(rows, ("path", "present", "types", "nulls", "values"), ctx.stdout)


def handle_accept(ctx: Context) -> int:
    probe = _probe_checked(ctx)
    clock = SystemClock()
    store = open_store(ctx.load().config, ctx.env, clock)
    try:
        accepted = store.accept_baseline(probe, clock.now())
    finally:
        store.close()
    if accepted is None:
        raise UsageError(f"{probe} has no run with a parsed body to accept")
    ctx.stdout.write(
        f"{probe}: {accepted['response_class']} baseline v{accepted['version']} is active "
        f"({accepted['note']})\n"
    )
    return 0


def handle_reset(ctx: Context) -> int:
    probe = _probe_checked(ctx)
    clock = SystemClock()
    store = open_store(ctx.load().config, ctx.env, clock)
    try:
        count = store.reset_baselines(probe, clock.now())
    finally:
        store.close()
    ctx.stdout.write(f"{probe}: {count} baseline(s) superseded; the next runs relearn\n")
    return 0
