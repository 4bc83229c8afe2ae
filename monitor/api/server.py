"""Serving the API: the listen address, the token policy, and uvicorn on the caller's loop.

Policy: with a token, every ``/api/*`` request needs ``Authorization: Bearer <token>``; without
one the API is served only on a loopback address (a non-loopback ``listen`` without a token is
refused before anything binds). The socket is bound before uvicorn starts so a busy port is a
clear error, and uvicorn never touches the process's signal handlers (the command owns them).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Generator, Mapping
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from monitor.config.schema import ApiConfig
from monitor.errors import ConfigError, ConfigIssue

log = logging.getLogger("monitor.api")
GRACEFUL_S = 3


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def connect_host(self) -> str:
        """Where a local client (``monitor healthcheck``) connects to reach this listener."""
        return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)


def _issue(message: str, key: str = "api.listen") -> ConfigError:
    return ConfigError([ConfigIssue("configuration", None, key, message)])


def parse_listen(text: str) -> Listen:
    """``host:port``, ``[v6]:port`` or ``:port`` (every interface)."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise _issue(f"invalid listen address {text!r}: use host:port, e.g. 127.0.0.1:8080")
    host = host.strip("[]") if host.startswith("[") else host
    return Listen(host or "0.0.0.0", int(port_text))


def api_token(api: ApiConfig, env: Mapping[str, str]) -> str | None:
    if not api.token_env:
        return None
    value = env.get(api.token_env, "").strip()
    return value or None


def checked_listen(api: ApiConfig, token: str | None) -> Listen:
    listen = parse_listen(api.listen)
    if token is None and not listen.is_loopback:
        where = f"set {api.token_env}" if api.token_env else "set api.token_env and that variable"
        raise _issue(
            f"refusing to serve the API on non-loopback address {api.listen} without a token: "
            f"{where}, or listen on 127.0.0.1"
        )
    return listen


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the command that runs us owns SIGTERM/SIGINT


def bind(listen: Listen) -> socket.socket:
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((listen.host, listen.port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise _issue(f"cannot listen on {listen.host}:{listen.port}: {exc.strerror}") from None
    return sock


class ApiServer:
    """The ASGI app on one bound socket; ``run(stop)`` serves until ``stop`` is set."""

    def __init__(self, app: ASGIApp, listen: Listen) -> None:
        self.listen = listen
        self.sock = bind(listen)
        self.port = int(self.sock.getsockname()[1])
        self._server = _Server(
            uvicorn.Config(
                app,
                log_config=None,
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=GRACEFUL_S,
            )
        )

    @property
    def url(self) -> str:
        host = self.listen.connect_host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    async def run(self, stop: asyncio.Event) -> None:
        task = asyncio.create_task(self._server.serve(sockets=[self.sock]))
        try:
            waiter = asyncio.create_task(stop.wait())
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
        finally:
            self._server.should_exit = True
            await task
            self.sock.close()
