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
    """A streamed answer: the SSE events as received, their timing, and each chunk parsed once.

    ``events``, ``event_types`` and ``offsets_ms`` are parallel (one entry per dispatched event,
    ``[DONE]`` included); ``chunks`` holds the parsed JSON of each event (None for ``[DONE]`` or
    an event listed in ``errors``). Built by ``core.stream.build_capture``.
    """

    events: tuple[str, ...] = ()
    comments: int = 0
    done_seen: bool = False
    ttft_ms: float | None = None
    gaps_ms: tuple[float, ...] = ()
    duration_ms: float | None = None
    cut_at_deadline: bool = False
    event_types: tuple[str | None, ...] = ()
    offsets_ms: tuple[float, ...] = ()
    chunks: tuple[Any, ...] = ()
    errors: tuple[tuple[int, str], ...] = ()  # (event index, why it is not JSON)
    media_type: str = "text/event-stream"
    decode_error: str | None = None
    unterminated: bool = False  # the last event had no blank line after it
    truncated: bool = False  # reading stopped at the body cap

    def to_json(self) -> dict[str, Any]:
        gaps = [round(g, 3) for g in self.gaps_ms[:1000]]
        return {
            "events": len(self.events),
            "comments": self.comments,
            "done_seen": self.done_seen,
            "ttft_ms": None if self.ttft_ms is None else round(self.ttft_ms, 3),
            "duration_ms": None if self.duration_ms is None else round(self.duration_ms, 3),
            "max_gap_ms": max(gaps) if gaps else None,
            "gaps_ms": gaps,
            "cut_at_deadline": self.cut_at_deadline,
            "media_type": self.media_type,
            "event_types": sorted({t for t in self.event_types if t is not None}),
            "errors": [{"event": i, "error": e} for i, e in self.errors[:20]],
            "decode_error": self.decode_error,
            "unterminated": self.unterminated,
            "truncated": self.truncated,
        }


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
    # False when nobody saw the response headers (``monitor verify`` without ``--header``: only
    # an assumed content type). A fact about the evidence, kept on the observation rather than
    # filtered out of the findings afterwards, so every stage that reads headers (the shape and
    # its header drift, the assumption ledger) honours it alike and none infers "removed" from
    # "not captured".
    headers_captured: bool = True
    # A short fingerprint of the API key sent (never the key): a 401 after a rotation is ours.
    key_fingerprint: str | None = None

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()
