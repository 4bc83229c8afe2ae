"""Helpers for the incident-tooling tests: a stepping clock and an app built on the simulator."""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace.export import SpanExporter

from monitor.app import App, build_app
from monitor.config.loader import load_config
from monitor.core.model import Trigger
from monitor.runner.result import RunResult
from tests.conftest import SIM_KEY, chat_probe_config, write_config

INCIDENT_START = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)


class StepClock:
    """Time as an input: each ``now()`` moves ``step`` forward, so runs get distinct times."""

    def __init__(self, start: datetime = INCIDENT_START, step: timedelta = timedelta(seconds=30)):
        self.current = start
        self.step = step

    def now(self) -> datetime:
        value = self.current
        self.current += self.step
        return value

    def monotonic(self) -> float:
        return time.monotonic()


def make_app(
    tmp_path: Path,
    sim_url: str,
    db_url: str,
    *,
    clock: Any = None,
    exporter: SpanExporter | None = None,
    extra: str = "",
    env: Mapping[str, str] | None = None,
    config_text: str | None = None,
) -> App:
    text = config_text or chat_probe_config(sim_url, db_url, extra=extra)
    path = write_config(tmp_path, text)
    environ = {"SIM_API_KEY": SIM_KEY, **(env or {})}
    loaded = load_config(str(path), environ)
    return build_app(loaded, env=environ, clock=clock, stderr=io.StringIO(), span_exporter=exporter)


async def run_probe(app: App, name: str = "chat-basic") -> RunResult:
    probe = app.config.probe(name)
    assert probe is not None
    row = await app.pipeline.run_once(probe, None, Trigger.CHECK)
    assert row is not None
    return row


class RunningApi:
    """An ``ApiServer`` on 127.0.0.1:0 served from a background thread's event loop."""

    def __init__(self, asgi: Any) -> None:
        from monitor.api.server import ApiServer, Listen

        self.server = ApiServer(asgi, Listen("127.0.0.1", 0))
        self.url = self.server.url
        self._loop: Any = None
        self._stop: Any = None
        self._thread: Any = None

    def __enter__(self) -> RunningApi:
        import asyncio
        import threading

        ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            ready.set()
            await self.server.run(self._stop)

        self._thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
