"""The two values every request handler passes around: `Ctx` (what was asked, under which
scenario) and `Plan` (what to send back and how fast). Scenarios only ever edit a Plan; the
delivery module is the one place that turns a Plan into ASGI messages."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from monitor.simulator import payloads

DONE = b"data: [DONE]\n\n"
PING = b": ping\n\n"
JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream; charset=utf-8"
HTML_TYPE = "text/html"


@dataclass(frozen=True)
class Settings:
    """Knobs the Simulator constructor exposes to scenarios."""

    slow_seconds: float = 3.0
    trickle_interval: float = 0.2
    stream_interval: float = 0.01
    models: tuple[str, ...] = payloads.DEFAULT_MODELS


@dataclass
class Plan:
    """A response to send. `parts` may be a lazy (even endless) iterable of body pieces."""

    status: int = 200
    content_type: str = JSON_TYPE
    parts: Iterable[bytes] = ()
    headers: dict[str, str] = field(default_factory=dict)
    stream: bool = False
    length: int | None = None
    delay: float = 0.0
    interval: float = 0.0
    hold: bool = False
    processing_ms: int | None = None

    def materialized(self) -> bytes | None:
        """The whole body, or None when `parts` is lazy and must not be joined."""
        if isinstance(self.parts, list | tuple):
            return b"".join(self.parts)
        return None

    def content_length(self) -> int | None:
        if self.length is not None:
            return self.length
        body = None if self.stream else self.materialized()
        return None if body is None else len(body)


@dataclass
class Ctx:
    """One request as the scenarios see it."""

    names: frozenset[str]
    rng: random.Random
    now: float
    settings: Settings
    kind: Literal["chat", "models", "other"] = "chat"
    body: dict[str, Any] = field(default_factory=dict)
    ordinal: int = 0
    scheme: str = "http"
    port: int = 0
    request_id: str = ""
    chunks: list[payloads.JSONDict] = field(default_factory=list)

    @property
    def stream(self) -> bool:
        return self.body.get("stream") is True

    @property
    def model(self) -> str:
        return payloads.requested_model(self.body)

    def comet_id(self) -> str:
        return payloads.comet_request_id(self.rng, self.now)

    def json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> Plan:
        body = payloads.json_body(obj)
        return Plan(status=status, parts=[body], headers=dict(headers or {}))

    def error(
        self,
        status: int,
        message: str,
        type_: str,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Plan:
        """An error in OpenAI's envelope, or CometAPI's under the `comet-errors` scenario."""
        if "comet-errors" in self.names:
            obj = payloads.comet_error(message, self.comet_id(), code or "")
        else:
            obj = payloads.openai_error(message, type_, param, code)
        return self.json(status, obj, headers)

    def html(self, status: int, page: bytes) -> Plan:
        return Plan(status=status, content_type=HTML_TYPE, parts=[page])
