"""``monitor api``: serve the read-only query API, ``/metrics``, ``/healthz`` and ``/readyz``
without running probes (``monitor run`` serves the same API next to the scheduler)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable

from monitor.api.server import checked_listen
from monitor.api.wiring import make_api_server
from monitor.app import metrics_for, open_store
from monitor.cli.common import Context
from monitor.clock import SystemClock
from monitor.config.listen import api_token


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "api",
        parents=[common],
        help="serve the query API alone",
        description="Serve /api/v1/{runs,events,report}, /metrics, /healthz and /readyz from "
        "the database. /healthz reports whether a scheduler replica's heartbeat is fresh.",
    )
    parser.add_argument("--listen", metavar="HOST:PORT", help="default: api.listen")
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    loaded = ctx.load()
    clock = SystemClock()
    # a listen the policy refuses is said first, before a missing database is
    api = loaded.config.api
    checked_listen(
        api if ctx.args.listen is None else api.model_copy(update={"listen": ctx.args.listen}),
        api_token(api, ctx.env),
    )
    store = open_store(loaded, ctx.env, clock, must_exist=True)
    try:
        metrics = metrics_for(store, loaded.config, clock)
        server = make_api_server(
            loaded.config, ctx.env, store, clock, metrics, listen=ctx.args.listen
        )
        ctx.warn(f"monitor: API on {server.url} (openapi: {server.url}/openapi.json)")
        asyncio.run(_serve(server.run))
    finally:
        store.close()
    return 0


async def _serve(run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run(stop)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
