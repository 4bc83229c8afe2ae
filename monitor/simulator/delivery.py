"""Turns a `Plan` into ASGI messages, with pauses that end early when the client leaves or the
server shuts down.

Uvicorn's `send` silently does nothing once the client has gone, so a response that loops on
`send` would never notice. Each long-running response therefore holds a `Lifeline`: a task that
waits for `http.disconnect`, plus a wake-up the `Hub` triggers on shutdown. Every wait is an
`asyncio` wait on that event, so nothing keeps running after either happens.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from monitor.simulator import payloads
from monitor.simulator.plan import Plan

# Upper bound for `headers-never`, so even a client that never disconnects frees the handler.
MAX_HOLD_SECONDS = 600.0


class Hub:
    """Per-server set of in-flight responses; `close()` (on the loop thread) wakes them all."""

    def __init__(self) -> None:
        self.closing = False
        self._live: set[Lifeline] = set()

    def close(self) -> None:
        self.closing = True
        for lifeline in list(self._live):
            lifeline.wake()

    def add(self, lifeline: Lifeline) -> None:
        self._live.add(lifeline)
        if self.closing:
            lifeline.wake()

    def discard(self, lifeline: Lifeline) -> None:
        self._live.discard(lifeline)


class Lifeline:
    def __init__(self, receive: Receive, hub: Hub) -> None:
        self._receive = receive
        self._hub = hub
        self._stop = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None
        self.client_gone = False

    @property
    def closing(self) -> bool:
        return self._hub.closing

    def wake(self) -> None:
        self._stop.set()

    async def __aenter__(self) -> Lifeline:
        self._hub.add(self)
        self._watcher = asyncio.get_running_loop().create_task(self._watch())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._hub.discard(self)
        if self._watcher is not None:
            self._watcher.cancel()
            # asyncio.wait rather than awaiting the task: it never swallows our own cancellation.
            await asyncio.wait({self._watcher})

    async def _watch(self) -> None:
        # The handler has already read the request body, so the next message is the disconnect.
        while (await self._receive())["type"] != "http.disconnect":
            pass
        self.client_gone = True
        self._stop.set()

    async def pause(self, seconds: float) -> None:
        """Sleep, returning early once the client is gone or the server is closing."""
        if seconds <= 0 or self._stop.is_set():
            return
        try:
            async with asyncio.timeout(seconds):
                await self._stop.wait()
        except TimeoutError:
            pass


class PlanResponse(Response):
    """A Starlette response that sends a `Plan` piece by piece."""

    def __init__(self, plan: Plan, hub: Hub, started: float) -> None:
        super().__init__(status_code=plan.status, media_type=plan.content_type)
        self.plan = plan
        self.hub = hub
        self.started = started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with Lifeline(receive, self.hub) as lifeline:
            await self._deliver(lifeline, send)

    def _start_message(self, plan: Plan) -> Message:
        headers = [(b"content-type", plan.content_type.encode("latin-1"))]
        length = plan.content_length()
        if length is not None:
            headers.append((b"content-length", str(length).encode()))
        if plan.processing_ms is not None:
            elapsed = int((time.monotonic() - self.started) * 1000)
            headers.append((b"openai-processing-ms", str(plan.processing_ms + elapsed).encode()))
        headers += [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in plan.headers.items()
        ]
        return {"type": "http.response.start", "status": plan.status, "headers": headers}

    async def _deliver(self, lifeline: Lifeline, send: Send) -> None:
        plan = self.plan
        if plan.hold:
            await lifeline.pause(MAX_HOLD_SECONDS)
            if lifeline.client_gone:
                return
            error = payloads.openai_error(
                "The simulator stopped holding this request.", "server_error"
            )
            plan = Plan(
                status=503,
                parts=[payloads.json_body(error)],
                headers=plan.headers,
                processing_ms=plan.processing_ms,
            )
        await lifeline.pause(plan.delay)
        if lifeline.client_gone:
            return
        endless_ok = plan.content_length() is None
        await send(self._start_message(plan))
        first = True
        for part in plan.parts:
            if not first:
                await lifeline.pause(plan.interval)
            first = False
            # A body with a declared length is finished (fast) on shutdown; one without can end.
            if lifeline.client_gone or (lifeline.closing and endless_ok):
                break
            await send({"type": "http.response.body", "body": part, "more_body": True})
        if not lifeline.client_gone:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
