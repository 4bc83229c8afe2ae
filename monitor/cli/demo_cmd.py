"""``monitor demo``: baseline -> drift alert -> resolution, from the real pipeline, < 60 s."""

from __future__ import annotations

import argparse
import asyncio

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
    parser.add_argument(
        "--serve",
        action="store_true",
        help="serve the web pages during the story and afterwards, until Ctrl-C",
    )
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="where --serve listens (default 127.0.0.1:8080; loopback only, no token)",
    )
    parser.epilog = "examples:\n  monitor demo\n  monitor demo --serve --listen 127.0.0.1:9000"
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    from monitor.cli.demo_story import run_demo

    spans = ctx.stdout if ctx.args.spans else None
    serve_on = ctx.args.listen if ctx.args.serve else None
    return asyncio.run(run_demo(ctx.stdout, ctx.stderr, console_spans=spans, serve_on=serve_on))
