"""Serving the API: the listen address, the token policy, and uvicorn on the caller's loop.

Policy: with a token, every ``/api/*`` request needs ``Authorization: Bearer <token>``; without
one the API is served only on a loopback address (a non-loopback ``listen`` without a token is
refused before anything binds). The socket is bound before uvicorn starts so a busy port is a
clear error, and uvicorn never touches the process's signal handlers (the command owns them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator

import uvicorn
from starlette.types import ASGIApp

from monitor.config import listen as listen_rules
from monitor.config.listen import Listen
from monitor.config.schema import ApiConfig
from monitor.errors import ConfigError, ConfigIssue

log = logging.getLogger("monitor.api")
GRACEFUL_S = 3


def _issue(message: str, key: str = "api.listen") -> ConfigError:
    return ConfigError([ConfigIssue("configuration", None, key, message)])


def parse_listen(text: str) -> Listen:
    try:
        return listen_rules.parse_listen(text)
    except ValueError as exc:
        raise _issue(str(exc)) from None


def checked_listen(api: ApiConfig, token: str | None) -> Listen:
    listen = parse_listen(api.listen)
    problem = listen_rules.token_problem(api, listen, token)
    if problem is not None:
        raise _issue(problem)
    return listen


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the command that runs us owns SIGTERM/SIGINT


def bind(listen: Listen) -> socket.socket:
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: accepted sockets inherit it, and asyncio sets TCP_NODELAY
    # only on sockets whose proto says TCP. Without it uvicorn's separate writes (headers, body)
    # meet Nagle and the client's delayed ACK: +40 ms on every kept-alive answer.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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

    def close(self) -> None:
        """Let the port go (``run`` does when it ends; this is for a server never run)."""
        self.sock.close()

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
