"""Running the simulator: `Simulator` (state plus `serve()` in a background thread or
`serve_async()` on the current loop) and `serve_forever()` for the `monitor simulate` command.

The listening socket is bound before uvicorn starts, so port 0 works and the URL is known at
once. Shutdown first wakes every sleeping or endless response (see `delivery.Hub`), then lets
uvicorn close connections; uvicorn's graceful-shutdown timeout cancels anything left over.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from types import FrameType

import uvicorn

from monitor.simulator import payloads
from monitor.simulator.asgi import build_app
from monitor.simulator.delivery import Hub
from monitor.simulator.plan import Settings
from monitor.simulator.scenarios import SCENARIOS
from monitor.simulator.state import RecordedRequest, SimState

StrPath = str | os.PathLike[str]
TLSFiles = tuple[StrPath, StrPath]

STARTUP_TIMEOUT = 5.0
SHUTDOWN_TIMEOUT = 5.0
_GRACEFUL_SECONDS = 2  # uvicorn cancels handlers still running after this


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, hub: Hub) -> None:
        super().__init__(config)
        self._hub = hub

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # Never touch process signal handlers: we may share the process with tests or the CLI.
        yield

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._hub.close()
        await super().shutdown(sockets=sockets)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: accepted sockets inherit it, and asyncio sets TCP_NODELAY
    # only on sockets whose proto says TCP. Without it uvicorn's separate writes (headers, body)
    # meet Nagle and the client's delayed ACK: +40 ms on every kept-alive answer.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    return sock


def _base_url(sock: socket.socket, host: str, tls: TLSFiles | None) -> str:
    port = sock.getsockname()[1]
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    shown = f"[{shown}]" if ":" in shown else shown
    return f"{'https' if tls else 'http'}://{shown}:{port}"


class Simulator:
    """An OpenAI-compatible provider on localhost whose behaviour is set by a scenario."""

    def __init__(
        self,
        api_key: str = "sk-sim-test",
        scenario: str = "healthy",
        seed: int | None = None,
        *,
        models: Sequence[str] = payloads.DEFAULT_MODELS,
        slow_seconds: float = 3.0,
        trickle_interval: float = 0.2,
        stream_interval: float = 0.01,
        record_limit: int = 10_000,
    ) -> None:
        self.api_key = api_key
        self.settings = Settings(
            slow_seconds=slow_seconds,
            trickle_interval=trickle_interval,
            stream_interval=stream_interval,
            models=tuple(models),
        )
        self._state = SimState(scenario, seed, record_limit)

    @property
    def scenario(self) -> str:
        return self._state.scenario

    def set_scenario(self, scenario: str) -> None:
        """Switch behaviour for the next requests; ValueError names the valid scenarios."""
        self._state.set_scenario(scenario)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._state.requests()

    def clear_requests(self) -> None:
        self._state.clear_requests()

    def _server(self, tls: TLSFiles | None) -> _Server:
        hub = Hub()
        app = build_app(self._state, self.api_key, self.settings, hub)
        certfile, keyfile = tls if tls else (None, None)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            timeout_graceful_shutdown=_GRACEFUL_SECONDS,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
        return _Server(config, hub)

    @contextlib.contextmanager
    def serve(
        self, port: int = 0, host: str = "127.0.0.1", tls: TLSFiles | None = None
    ) -> Iterator[str]:
        """Serve from a background thread; yields the base URL once connections are accepted."""
        sock = _bind(host, port)
        server = self._server(tls)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except BaseException as exc:  # reported to the caller's thread below
                failure.append(exc)

        thread = threading.Thread(target=run, name="contract-monitor-simulator", daemon=True)
        try:
            thread.start()
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not server.started:
                if failure or not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("simulator failed to start") from (
                        failure[0] if failure else None
                    )
                time.sleep(0.01)
            yield _base_url(sock, host, tls)
        finally:
            server.should_exit = True
            thread.join(SHUTDOWN_TIMEOUT)
            sock.close()
            if thread.is_alive():
                server.force_exit = True
                raise RuntimeError(f"simulator did not stop within {SHUTDOWN_TIMEOUT} s")

    @contextlib.asynccontextmanager
    async def serve_async(
        self, port: int = 0, host: str = "127.0.0.1", tls: TLSFiles | None = None
    ) -> AsyncIterator[str]:
        """Serve as a task on the running event loop; yields the base URL."""
        sock = _bind(host, port)
        server = self._server(tls)
        task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("simulator failed to start")
                await asyncio.sleep(0.01)
            yield _base_url(sock, host, tls)
        finally:
            server.should_exit = True
            try:
                await asyncio.wait_for(task, SHUTDOWN_TIMEOUT)
            finally:
                sock.close()


def serve_forever(sim: Simulator, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve in the foreground until SIGINT or SIGTERM (a second SIGINT skips the grace period).

    Prints the base URL and the scenario list to stderr. Call from the main thread.
    """
    sock = _bind(host, port)
    server = sim._server(None)

    def stop(signum: int, frame: FrameType | None) -> None:
        server.force_exit = server.should_exit and signum == signal.SIGINT
        server.should_exit = True

    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, stop) for sig in handled}
    try:
        width = max(map(len, SCENARIOS))
        lines = [f"  {name:<{width}}  {s.description}" for name, s in SCENARIOS.items()]
        print(
            f"Simulator listening on {_base_url(sock, host, None)} "
            f"(API key {sim.api_key}, scenario {sim.scenario})\n"
            "Scenarios (combine with commas; switch with PUT /_simulator/scenario):\n"
            + "\n".join(lines),
            file=sys.stderr,
            flush=True,
        )
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
