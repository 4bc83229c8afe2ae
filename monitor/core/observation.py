"""What a probe saw, as a plain record. The transport fills it; pure functions judge it.

An ``Observation`` never holds a secret: URLs carry no credentials and the ``Authorization``
header is stored as ``Bearer ***`` plus a short key fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AttemptRecord:
    number: int
    outcome: str  # "response" or a TransportFailure kind
    status_code: int | None
    latency_ms: float
    error: str | None = None
    retry_after_s: float | None = None
    started_ms: float = 0.0  # offset from the run's start, so spans can be drawn afterwards

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "outcome": self.outcome,
            "status_code": self.status_code,
            "latency_ms": round(self.latency_ms, 3),
            "error": self.error,
            "retry_after_s": self.retry_after_s,
            "started_ms": round(self.started_ms, 3),
        }


@dataclass(frozen=True)
class TransportFailure:
    """The request did not produce a complete response. ``kind`` is a taxonomy id."""

    kind: str  # connect-refused, dns-failure, tls-error, timeout, read-error, protocol-error
    message: str
    retryable: bool = True


@dataclass(frozen=True)
class StreamCapture:
    """A streamed answer: raw SSE payloads and timing (filled by streaming probes)."""

    events: tuple[str, ...] = ()
    comments: int = 0
    done_seen: bool = False
    ttft_ms: float | None = None
    gaps_ms: tuple[float, ...] = ()
    duration_ms: float | None = None
    cut_at_deadline: bool = False


@dataclass(frozen=True)
class Observation:
    probe: str
    target: str
    method: str
    url: str
    started_at: datetime
    latency_ms: float
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: Any = None
    status_code: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_truncated: bool = False
    failure: TransportFailure | None = None
    attempts: tuple[AttemptRecord, ...] = ()
    stream: StreamCapture | None = None

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()
