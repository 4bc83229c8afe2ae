"""What stands between a socket and the API's handlers: the ``Host`` check that defeats DNS
rebinding, the header-read deadline and connection cap that defeat slowloris, and a rate limit
on the event loop's repeated accept errors.

- **Host**: without a token, the API trusts that only local processes reach loopback. A page on
  ``rebind.attacker.example`` that resolves to 127.0.0.1 is a local client too, for the
  browser; its requests carry the attacker's name in ``Host``. So, without a token, a request
  whose ``Host`` is not a local name, the listen host or an ``api.allowed_hosts`` entry gets 400.
  With a token the token protects. ``/healthz``, ``/readyz`` and ``/metrics`` answer any
  ``Host`` (kubelet and Prometheus send the pod IP) and show no runs.
- **Slowloris**: uvicorn's h11 protocol arms no timer before a request's headers are complete,
  so a client sending one byte a minute holds a file descriptor forever. ``GuardedH11`` closes
  a connection whose headers are not complete ``header_timeout`` after they began, and keeps
  at most ``max_connections``: a new one beyond that evicts the oldest connection still waiting
  for its headers (a client that sends its request at once, like the kubelet's ``/healthz``,
  gets through a flood of slow ones); when every connection is busy, the new one is closed.
- **Accept errors**: out of descriptors, asyncio logs one error per accept attempt (hundreds of
  thousands a minute); ``AcceptErrorFilter`` lets one through per interval with a count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import h11
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
HEADER_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 100
ACCEPT_ERROR_PREFIX = "socket.accept() out of system resource"


def host_name(header: str) -> str:
    """``Host`` without its port, lower-cased: ``[::1]:8080`` -> ``::1``."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.rpartition(":")[0] if value.count(":") == 1 else value


class HostGuard:
    """ASGI middleware: 400 for a ``Host`` outside ``allowed`` (None: every host is allowed)."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str] | None) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allowed is not None and scope["type"] == "http" and scope["path"] not in OPEN_PATHS:
            raw = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if host_name(raw).rstrip(".") not in self.allowed:
                await _refuse(send)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    body = b'{"error": "unexpected Host header: add the name to api.allowed_hosts"}'
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def allowed_hosts(listen_host: str, extra: Iterable[str]) -> frozenset[str]:
    """The ``Host`` names a token-less API answers."""
    # an entry written with a port or brackets (``[fd00::1]:8080``) means its host
    names = {listen_host.lower(), *LOCAL_HOSTS, *(host_name(h).rstrip(".") for h in extra)}
    return frozenset(names)


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with a header-read deadline and a connection cap."""

    header_timeout = HEADER_TIMEOUT_S
    max_connections = MAX_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._opened_at = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._opened_at = self.loop.time()
        if len(self.connections) > self.max_connections:
            victim = self._oldest_waiting()
            if victim is None:
                transport.abort()  # connection_lost forgets it; the descriptor is free at once
                return
            victim._disarm()  # not chosen again before its connection_lost runs
            victim.transport.abort()
        self._arm()

    def _oldest_waiting(self) -> GuardedH11 | None:
        waiting = [
            c
            for c in self.connections
            if isinstance(c, GuardedH11)
            and c is not self
            and c._header_timer is not None
            and not c.transport.is_closing()
        ]
        return min(waiting, key=lambda c: c._opened_at, default=None)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm()  # a request's headers have begun: the deadline is not re-armed per byte
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._disarm()  # the keep-alive timer takes over; the next request's bytes re-arm us

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE:  # still no complete request line and headers
            self.transport.abort()


def guarded_protocol(header_timeout: float, max_connections: int) -> type[GuardedH11]:
    return type(
        "GuardedH11",
        (GuardedH11,),
        {"header_timeout": header_timeout, "max_connections": max_connections},
    )


class AcceptErrorFilter(logging.Filter):
    """Lets one "accept out of resource" error through per ``interval_s``, saying how many were
    held back; every other record passes. ``clock`` is a monotonic time source."""

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._last: float | None = None
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(ACCEPT_ERROR_PREFIX):
            return True
        now = self.clock()
        if self._last is not None and now - self._last < self.interval_s:
            self.suppressed += 1
            return False
        if self.suppressed:
            record.msg = f"{record.msg} ({self.suppressed} more since the last one not logged)"
        self._last, self.suppressed = now, 0
        return True
