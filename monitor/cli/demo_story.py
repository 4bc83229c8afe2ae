"""``monitor demo``: the real service against the built-in simulator, narrated, in under a minute.

Nothing here is scripted output: the demo starts the same ``serve`` loop as ``monitor run``
(scheduler, probe, judge, SQLite, outbox, console sink) and only flips the simulator's scenario
when the stored state says the previous act is over.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import TextIO

from monitor.app import App, build_app
from monitor.cli.tables import run_rows_table
from monitor.config.loader import parse_config
from monitor.service import serve
from monitor.simulator import Simulator
from monitor.storage.params import RunFilter
from monitor.views.run import run_view

DEMO_KEY = "sk-sim-demo-0123456789"
PROBE = "chat-basic"
ACT_TIMEOUT_S = 15.0


def example_config_text() -> str:
    return resources.files("monitor").joinpath("example.yaml").read_text(encoding="utf-8")


def _command_name() -> str:
    """How the user can call us again: the venv's script when it is not on PATH."""
    script = Path(sys.executable).parent / "monitor"
    if script.exists() and shutil.which("monitor") != str(script):
        try:
            return str(script.relative_to(Path.cwd()))
        except ValueError:
            return str(script)
    return "monitor"


async def _until(check: Callable[[], Awaitable[bool]], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"demo: {what} did not happen within {timeout_s:.0f}s")
        await asyncio.sleep(0.2)


async def run_demo(
    out: TextIO,
    err: TextIO,
    workdir: Path | None = None,
    console_spans: TextIO | None = None,
    serve_on: str | None = None,
) -> int:
    """The story; with ``serve_on`` (a listen address) the pages are served during it and
    afterwards, while the probe keeps running, until Ctrl-C."""
    began = time.monotonic()
    folder = workdir or Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    db_url = f"sqlite:///{folder / 'demo.db'}"
    sim = Simulator(api_key=DEMO_KEY, scenario="healthy")

    def say(text: str) -> None:
        out.write(f"[{time.monotonic() - began:5.1f}s] {text}\n")
        out.flush()

    async with sim.serve_async(port=0) as base_url:
        env = {"SIMULATOR_URL": base_url, "DEMO_API_KEY": DEMO_KEY, "MONITOR_DATABASE_URL": db_url}
        loaded = parse_config(example_config_text(), "config/example.yaml", env)
        app = build_app(
            loaded, env=env, stderr=err, console_spans=console_spans, api_listen=serve_on
        )
        stop = asyncio.Event()
        service = asyncio.create_task(serve(app, stop))
        try:
            await _acts(app, sim, say, base_url)
            if app.api is not None:
                say(f"look at it: {app.api.url}/ (the probe keeps running; Ctrl-C to stop)")
                await _until_interrupted()
        finally:
            stop.set()
            await service
            await app.aclose()
    store_app = build_app(loaded, env=env, stderr=err)
    try:
        views = [run_view(r) for r in store_app.store.list_runs(RunFilter(limit=30))]
    finally:
        await store_app.aclose()
    say("history (newest first):")
    run_rows_table(views, out)
    command = _command_name()
    # The packaged copy next to the database, so the commands work from any directory.
    config_path = folder / "example.yaml"
    config_path.write_text(example_config_text(), encoding="utf-8")
    out.write(
        "\nQuery it again:\n"
        f"  MONITOR_DATABASE_URL={db_url} {command} history --config {config_path}\n"
        f"  MONITOR_DATABASE_URL={db_url} {command} baseline show {PROBE} "
        f"--config {config_path}\n"
    )
    if serve_on is None:
        out.write(
            f"\nLook at it in a browser: {command} demo --serve (the same story, then the status "
            "page on http://127.0.0.1:8080/ until Ctrl-C)\n"
        )
    return 0


async def _until_interrupted() -> None:
    interrupted = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupted.set)
    try:
        await interrupted.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _acts(app: App, sim: Simulator, say: Callable[[str], None], base_url: str) -> None:
    store, db = app.store, app.db
    say(
        f"simulator on {base_url}; probe {PROBE} runs every second "
        "(scheduler, SQLite, console alerts)"
    )
    say("act 1: learning the baseline from healthy responses (ids, text and token counts vary)")

    async def baseline_active() -> bool:
        rows = await db.run(store.list_baselines, PROBE)
        return any(r.state == "active" for r in rows)

    await _until(baseline_active, ACT_TIMEOUT_S, "baseline learning")
    rows = await db.run(store.list_baselines, PROBE)
    active = next(r for r in rows if r.state == "active")
    say(
        f"baseline v{active.version} active: {len(active.shape['paths'])} paths from "
        f"{active.samples} healthy responses, no findings"
    )

    say("act 2: the provider drops `usage` and answers finish_reason 'end_turn'")
    sim.set_scenario("drop-usage,new-finish-reason")

    async def drift_open() -> bool:
        events = await db.run(store.list_events, probes=(PROBE,), states=("open",))
        return len(events) >= 2 and await db.run(store.pending_alerts) == 0

    await _until(drift_open, ACT_TIMEOUT_S, "drift alert")
    for event in await db.run(store.list_events, probes=(PROBE,), states=("open",)):
        say(
            f"event OPEN: {event.severity} {event.kind} `{event.path}` "
            f"({event.category}, {event.verdict}) after {event.run_count} runs"
        )

    say("act 3: the provider recovers")
    sim.set_scenario("healthy")

    async def resolved() -> bool:
        events = await db.run(store.list_events, probes=(PROBE,), states=("open", "suspected"))
        return not events and await db.run(store.pending_alerts) == 0

    await _until(resolved, ACT_TIMEOUT_S, "resolution")
    say("all drift events resolved; alerts delivered to the console sink (stderr)")
