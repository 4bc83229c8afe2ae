"""``monitor demo``: baseline -> drift alert -> resolution, from the real pipeline, < 60 s."""

from __future__ import annotations

import argparse

from monitor.cli.common import Context


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "demo",
        parents=[common],
        help="watch baseline -> drift -> alert -> resolution against the simulator",
        description="Run the real service against the built-in simulator with SQLite in a "
        "temporary directory and narrate what happens (under a minute).",
    )
    parser.add_argument(
        "--spans", action="store_true", help="also print every span as JSON (console exporter)"
    )
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    import asyncio

    from monitor.cli.demo_story import run_demo

    spans = ctx.stdout if ctx.args.spans else None
    return asyncio.run(run_demo(ctx.stdout, ctx.stderr, console_spans=spans))
