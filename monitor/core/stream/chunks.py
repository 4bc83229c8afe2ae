"""Judging a streamed answer: its chunk shape, its representative chunks (what the contract
checks), the reassembled completion (``core.reassemble``) and stream findings.

The chunk shape is ONE sample per stream (a path is present when any chunk has it; the
stream's SSE framing is recorded with it, ``core.framing``), so a stream counts once toward
``learn_runs`` and a field carried by one chunk only (``usage`` in the last one) is still
required when every stream has it. Long streams are sampled at both ends so the first (role)
and the last (finish, usage) chunks are always seen.

Findings here depend on the stream alone; what depends on the request (the usage chunk that
``stream_options.include_usage`` asks for, the TTFT SLO) is the stream probe kind's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from monitor.core.model import Finding, ResponseClass, Severity, Source
from monitor.core.observation import StreamCapture
from monitor.core.shape.framing import with_framing
from monitor.core.shape.stats import Shape, infer_shape
from monitor.core.stream.reassemble import reassemble
from monitor.core.stream.sse import SSE_MEDIA_TYPE

SAMPLE_HEAD = 32
SAMPLE_TAIL = 32
MIN_BURST_CHECK_MS = 500.0  # faster streams are too short to tell a burst from a stream
BURST_SPREAD = 0.1  # all data within 10% of the duration is "streamed in name only"
_KEY_LIKE = re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{6,}")


@dataclass(frozen=True)
class StreamReading:
    document: dict[str, Any]
    shape: Shape
    # The chunks the shape was read from (``representatives``): what the contract validates.
    samples: tuple[dict[str, Any], ...] = ()
    findings: tuple[Finding, ...] = ()
    error_events: tuple[Any, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """False when there is no valid answer (the run fails; nothing is learned)."""
        return not any(f.source is Source.PARSER for f in self.findings)


def is_error_chunk(chunk: Any) -> bool:
    """An in-band error. OpenRouter's keeps ``choices`` beside ``error``, so ``error`` decides."""
    return isinstance(chunk, dict) and chunk.get("error") not in (None, "", {}, [])


def mask_keys(text: str) -> str:
    """Upstream messages are quoted in findings; never quote anything shaped like a key."""
    return _KEY_LIKE.sub(lambda m: f"{m.group(1)}-***", text)


def read_stream(capture: StreamCapture, enum_paths: Iterable[str] = ()) -> StreamReading:
    chunks = [c for c in capture.chunks if isinstance(c, dict) and not is_error_chunk(c)]
    errors = tuple(
        c
        for c, kind in zip(capture.chunks, capture.event_types, strict=False)
        if is_error_chunk(c) or (kind == "error" and c is not None)
    )
    samples = representatives(chunks)
    return StreamReading(
        document=reassemble(chunks),
        shape=with_framing(chunk_shape(samples, enum_paths), capture),
        samples=tuple(samples),
        findings=tuple(stream_findings(capture, chunks, errors)),
        error_events=errors,
    )


def chunk_shape(samples: list[dict[str, Any]], enum_paths: Iterable[str] = ()) -> Shape:
    """The shape of a stream's ``representatives`` (walking the rest would add nothing)."""
    whole = infer_shape(samples, [f"[].{p}" for p in enum_paths])
    paths = {p[3:]: s for p, s in whole.paths.items() if p.startswith("[].")}
    return Shape(samples=1, paths=paths)


def representatives(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chunks that can add to the shape: the first and last, and the first of each kind.

    Why: a stream is mostly content deltas of one structure, and walking every one of them
    was most of a stream probe's CPU. Chunks with the same keys and value types at the top,
    in each choice and its delta (and the same role, object and finish_reason) add nothing
    that the first of them did not; at most SAMPLE_HEAD + SAMPLE_TAIL kinds are walked.
    """
    if len(chunks) <= 2:
        return chunks
    seen: set[Any] = set()
    picked = [chunks[0]]
    for chunk in chunks[1:-1]:
        signature = _signature(chunk)
        if signature not in seen and len(picked) < SAMPLE_HEAD + SAMPLE_TAIL - 1:
            seen.add(signature)
            picked.append(chunk)
    return [*picked, chunks[-1]]


def _types(value: dict[str, Any]) -> tuple[tuple[str, ...], tuple[type, ...]]:
    # Key order is kept (not sorted): a reordered chunk only costs one more representative.
    return tuple(value), tuple(map(type, value.values()))


def _signature(chunk: dict[str, Any]) -> Any:
    choices = chunk.get("choices")
    inner: list[Any] = []
    for choice in choices[:8] if isinstance(choices, list) else ():
        if not isinstance(choice, dict):
            inner.append(type(choice).__name__)
            continue
        delta = choice.get("delta")
        inner.append(
            (
                _types(choice),
                _types(delta) if isinstance(delta, dict) else None,
                delta.get("role") if isinstance(delta, dict) else None,
                str(choice.get("finish_reason")),
            )
        )
    return (_types(chunk), str(chunk.get("object")), tuple(inner))


def stream_findings(
    capture: StreamCapture, chunks: list[dict[str, Any]], errors: tuple[Any, ...]
) -> list[Finding]:
    out: list[Finding] = []
    if capture.decode_error is not None:
        out.append(_parser("body-unparseable", f"the stream is not UTF-8: {capture.decode_error}"))
    for index, why in capture.errors[:3]:
        out.append(_parser("body-unparseable", f"event {index} is not valid JSON: {why}"))
    for error in errors[:3]:
        out.append(
            _finding(
                "sse-error-event",
                "error",
                Severity.BREAKING,
                Source.PARSER,
                f"an error inside the HTTP 200 stream: {_error_text(error)}",
            )
        )
    if capture.truncated:
        out.append(
            _parser(
                "body-truncated",
                f"the stream exceeded the body cap after {len(capture.events)} event(s)",
            )
        )
    complete = not capture.truncated and not capture.cut_at_deadline
    data_events = [c for c in capture.chunks if c is not None]
    if complete and not data_events and not capture.done_seen:
        out.append(_parser("body-unparseable", "the stream carried no data events"))
    elif complete and not capture.done_seen:
        out.append(
            _finding(
                "sse-terminator-missing",
                "",
                Severity.BREAKING,
                Source.PARSER,
                f"the stream ended after {len(capture.events)} event(s) without `data: [DONE]`; "
                "clients that wait for it hang",
            )
        )
    broken = any(f.source is Source.PARSER for f in out)
    if complete and not broken and chunks and not any(_finish_reason(c) for c in chunks):
        out.append(
            _finding(
                "sse-finish-reason-missing",
                "choices[].finish_reason",
                Severity.WARNING,
                Source.EXPECTATION,
                f"none of the {len(chunks)} chunks carries a finish_reason",
            )
        )
    if capture.media_type != SSE_MEDIA_TYPE:
        out.append(
            Finding(
                kind="media-type-changed",
                path="",
                severity=Severity.WARNING,
                source=Source.EXPECTATION,
                message=f"the stream is labelled {capture.media_type or 'nothing'!r}, not "
                f"{SSE_MEDIA_TYPE}; strict SSE clients reject it",
                before=SSE_MEDIA_TYPE,
                after=capture.media_type or None,
                response_class=ResponseClass.CHUNK,
            )
        )
    burst = _burst(capture)
    if burst is not None:
        out.append(burst)
    return out


def _burst(capture: StreamCapture) -> Finding | None:
    offsets = [o for o, c in zip(capture.offsets_ms, capture.chunks, strict=False) if c is not None]
    duration = capture.duration_ms or 0.0
    if len(offsets) < 3 or duration < MIN_BURST_CHECK_MS or capture.cut_at_deadline:
        return None
    spread = offsets[-1] - offsets[0]
    if spread > BURST_SPREAD * duration:
        return None
    return _finding(
        "streamed-in-name-only",
        "",
        Severity.WARNING,
        Source.EXPECTATION,
        f"all {len(offsets)} chunks arrived within {spread:.0f} ms, {offsets[0]:.0f} ms after "
        f"the request of {duration:.0f} ms: time to first token is the whole answer",
        after={"ttft_ms": round(capture.ttft_ms or 0.0, 1), "duration_ms": round(duration, 1)},
    )


def _finish_reason(chunk: dict[str, Any]) -> bool:
    return any(isinstance(c, dict) and c.get("finish_reason") for c in chunk.get("choices") or ())


def _error_text(error: Any) -> str:
    body = error.get("error") if isinstance(error, dict) else error
    if isinstance(body, dict):
        parts = [
            str(body.get(k)) for k in ("code", "type", "message") if body.get(k) not in (None, "")
        ]
        text = " ".join(parts)
    else:
        text = str(body)
    return mask_keys(text)[:300]


def _parser(kind: str, message: str) -> Finding:
    return _finding(kind, "", Severity.BREAKING, Source.PARSER, message)


def _finding(
    kind: str, path: str, severity: Severity, source: Source, message: str, after: Any = None
) -> Finding:
    return Finding(
        kind=kind,
        path=path,
        severity=severity,
        source=source,
        message=message,
        after=after,
        response_class=ResponseClass.CHUNK,
    )
