"""What of an observation may be stored: secrets scrubbed always, answer text on request.

Secrets (the API key, in case an upstream echoes it in a body, a header or an error message)
become ``***`` everywhere as soon as the answer is received, before the judge quotes any of it
in a finding, in whatever form the echo takes (``core.policy.scrub``). The generated text is
withheld only from what is stored: with ``redact.response_text`` the text under ``choices``
(content, reasoning, refusal, tool-call arguments) becomes ``***`` in JSON bodies and in every
SSE ``data:`` line; a body that cannot be read as JSON, or nested deeper than the strict parser
allows, is withheld whole (it may be text; a deeper walk could exhaust the stack). Shapes are
unchanged: only string values are replaced.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from monitor.core.depth import MAX_DEPTH, depth_exceeds
from monitor.core.observation import AttemptRecord, Observation, StreamCapture, TransportFailure
from monitor.core.policy.scrub import MASK, MIN_SECRET_LEN, Scrubber, scrub

__all__ = ["MASK", "MIN_SECRET_LEN", "redact_body_text", "redact_observation", "scrub"]
TEXT_KEYS = frozenset({"content", "reasoning_content", "reasoning", "refusal", "text", "arguments"})


def redact_observation(
    observation: Observation,
    *,
    response_text: bool,
    secrets: Sequence[str | None],
    prefixed: Sequence[str | None] = (),
) -> Observation:
    """``observation`` as it may be judged and stored. ``prefixed`` secrets (the API key,
    credential headers) are masked even when echoed cut short (``core.policy.scrub``)."""
    scrubber = Scrubber(secrets, prefixed)
    body = observation.body
    stream = observation.stream
    if response_text:
        body = redact_body_text(body, sse=stream is not None)
        if stream is not None:
            stream = replace(
                stream,
                events=tuple(_redact_event(e) for e in stream.events),
                chunks=tuple(redact_choices(c) for c in stream.chunks),
            )
    if not scrubber.active:
        return replace(observation, body=body, stream=stream)
    text = scrubber.text
    return replace(
        observation,
        url=text(observation.url),
        request_headers={k: text(v) for k, v in observation.request_headers.items()},
        request_body=_scrub_json(observation.request_body, scrubber),
        response_headers={text(k): text(v) for k, v in observation.response_headers.items()},
        body=scrubber.data(body),
        failure=_scrub_failure(observation.failure, scrubber),
        attempts=tuple(_scrub_attempt(a, scrubber) for a in observation.attempts),
        stream=_scrub_stream(stream, scrubber),
    )


def redact_choices(document: Any) -> Any:
    """``document`` with every generated-text string under ``choices`` replaced by ``***``."""
    if isinstance(document, dict) and isinstance(document.get("choices"), list):
        return {**document, "choices": _mask_text(document["choices"])}
    return document


def redact_body_text(body: bytes, *, sse: bool) -> bytes:
    if not body:
        return body
    if sse:
        lines = body.split(b"\n")
        return b"\n".join(_redact_sse_line(line) for line in lines)
    document = _bounded_json(body)
    if document is _UNREADABLE:
        return f"{MASK} ({len(body)} bytes withheld by redact.response_text)".encode()
    return json.dumps(redact_choices(document), ensure_ascii=False).encode()


_UNREADABLE = object()


def _bounded_json(text: str | bytes) -> Any:
    """The JSON value of ``text``, or ``_UNREADABLE``: not JSON, or nested deeper than the
    strict parser allows (100k ``[`` would exhaust the stack here or in ``_mask_text``)."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return _UNREADABLE
    return _UNREADABLE if depth_exceeds(document, MAX_DEPTH) else document


def _redact_sse_line(line: bytes) -> bytes:
    if not line.startswith(b"data:"):
        return line
    payload = line[5:].strip()
    if payload == b"[DONE]":
        return line
    document = _bounded_json(payload)
    if document is _UNREADABLE:
        return f"data: {MASK}".encode()
    return b"data: " + json.dumps(redact_choices(document), separators=(",", ":")).encode()


def _redact_event(data: str) -> str:
    if data.strip() == "[DONE]":
        return data
    document = _bounded_json(data)
    if document is _UNREADABLE:
        return MASK
    return json.dumps(redact_choices(document), separators=(",", ":"))


def _mask_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: MASK if k in TEXT_KEYS and isinstance(v, str) else _mask_text(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_text(v) for v in value]
    return value


def _scrub_json(value: Any, scrubber: Scrubber) -> Any:
    if isinstance(value, str):
        return scrubber.text(value)
    if isinstance(value, dict):
        return {scrubber.text(str(k)): _scrub_json(v, scrubber) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v, scrubber) for v in value]
    return value


def _scrub_failure(failure: TransportFailure | None, scrubber: Scrubber) -> TransportFailure | None:
    return None if failure is None else replace(failure, message=scrubber.text(failure.message))


def _scrub_attempt(attempt: AttemptRecord, scrubber: Scrubber) -> AttemptRecord:
    if attempt.error is None:
        return attempt
    return replace(attempt, error=scrubber.text(attempt.error))


def _scrub_stream(stream: StreamCapture | None, scrubber: Scrubber) -> StreamCapture | None:
    if stream is None:
        return None
    # the parsed chunks too: the judge quotes them (an error event's message)
    return replace(
        stream,
        events=tuple(scrubber.text(e) for e in stream.events),
        chunks=tuple(_scrub_json(c, scrubber) for c in stream.chunks),
        errors=tuple((i, scrubber.text(why)) for i, why in stream.errors),
    )
