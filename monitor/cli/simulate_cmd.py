"""``monitor simulate``: the built-in OpenAI-compatible provider simulator, in the foreground."""

from __future__ import annotations

import argparse

from monitor.cli.common import Context
from monitor.simulator.scenarios import SCENARIOS


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "simulate",
        parents=[common],
        help="run the provider simulator",
        description="Serve POST /v1/chat/completions (JSON and SSE) and GET /v1/models on "
        "127.0.0.1. Switch scenarios at run time with "
        '`curl -X PUT localhost:PORT/_simulator/scenario -d \'{"scenario": "drop-usage"}\'`.',
        epilog="scenarios (combine with commas): " + ", ".join(SCENARIOS),
    )
    parser.add_argument(
        "--port", type=port_number, default=8089, help="port (default: 8089; 0 = any)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    parser.add_argument("--scenario", default="healthy", help="initial scenario (default: healthy)")
    parser.add_argument("--api-key", default="sk-sim-demo", help="accepted bearer key")
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    from monitor.errors import UsageError
    from monitor.simulator import Simulator, serve_forever

    try:
        sim = Simulator(api_key=ctx.args.api_key, scenario=ctx.args.scenario)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        serve_forever(sim, host=ctx.args.host, port=ctx.args.port)
    except OSError as exc:  # taken port, unknown host, address not on this machine
        where = f"{ctx.args.host}:{ctx.args.port}"
        raise UsageError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    return 0


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port
