"""What of an observation may be stored: secrets scrubbed always, answer text on request.

Secrets (the API key, in case an upstream echoes it in a body, a header or an error message)
become ``***`` everywhere as soon as the answer is received, before the judge quotes any of it
in a finding. The generated text is withheld only from what is stored: with
``redact.response_text`` the text under ``choices`` (content, reasoning, refusal, tool-call
arguments) becomes ``***`` in JSON bodies and in every SSE ``data:`` line; a body that cannot be
read as JSON is withheld whole, since it may be text. Shapes are unchanged: only string values
are replaced.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from monitor.core.observation import AttemptRecord, Observation, StreamCapture, TransportFailure

MASK = "***"
TEXT_KEYS = frozenset({"content", "reasoning_content", "reasoning", "refusal", "text", "arguments"})
MIN_SECRET_LEN = 6


def redact_observation(
    observation: Observation, *, response_text: bool, secrets: Sequence[str | None]
) -> Observation:
    # longest first: a secret that contains another (a URL around the key) goes whole
    keys = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LEN}, key=len, reverse=True)
    body = observation.body
    stream = observation.stream
    if response_text:
        body = redact_body_text(body, sse=stream is not None)
        if stream is not None:
            stream = replace(stream, events=tuple(_redact_event(e) for e in stream.events))
    if not keys:
        return replace(observation, body=body, stream=stream)
    return replace(
        observation,
        url=scrub(observation.url, keys),
        request_headers={k: scrub(v, keys) for k, v in observation.request_headers.items()},
        request_body=_scrub_json(observation.request_body, keys),
        response_headers={k: scrub(v, keys) for k, v in observation.response_headers.items()},
        body=_scrub_bytes(body, keys),
        failure=_scrub_failure(observation.failure, keys),
        attempts=tuple(_scrub_attempt(a, keys) for a in observation.attempts),
        stream=_scrub_stream(stream, keys),
    )


def scrub(text: str, keys: Sequence[str | None]) -> str:
    """``text`` with every secret in ``keys`` masked (ones too short to be a secret skipped:
    masking "ab" would mangle the text and hide nothing)."""
    for key in sorted((k for k in keys if k), key=len, reverse=True):
        if len(key) >= MIN_SECRET_LEN:
            text = text.replace(key, MASK)
    return text


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
    try:
        document = json.loads(body)
    except ValueError:
        return f"{MASK} ({len(body)} bytes withheld by redact.response_text)".encode()
    return json.dumps(redact_choices(document), ensure_ascii=False).encode()


def _redact_sse_line(line: bytes) -> bytes:
    if not line.startswith(b"data:"):
        return line
    payload = line[5:].strip()
    if payload == b"[DONE]":
        return line
    try:
        document = json.loads(payload)
    except ValueError:
        return f"data: {MASK}".encode()
    return b"data: " + json.dumps(redact_choices(document), separators=(",", ":")).encode()


def _redact_event(data: str) -> str:
    if data.strip() == "[DONE]":
        return data
    try:
        return json.dumps(redact_choices(json.loads(data)), separators=(",", ":"))
    except ValueError:
        return MASK


def _mask_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: MASK if k in TEXT_KEYS and isinstance(v, str) else _mask_text(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_text(v) for v in value]
    return value


def _scrub_json(value: Any, keys: Sequence[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, keys)
    if isinstance(value, dict):
        return {scrub(str(k), keys): _scrub_json(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v, keys) for v in value]
    return value


def _scrub_bytes(body: bytes, keys: Sequence[str]) -> bytes:
    for key in keys:
        body = body.replace(key.encode("utf-8"), MASK.encode())
    return body


def _scrub_failure(
    failure: TransportFailure | None, keys: Sequence[str]
) -> TransportFailure | None:
    return None if failure is None else replace(failure, message=scrub(failure.message, keys))


def _scrub_attempt(attempt: AttemptRecord, keys: Sequence[str]) -> AttemptRecord:
    return attempt if attempt.error is None else replace(attempt, error=scrub(attempt.error, keys))


def _scrub_stream(stream: StreamCapture | None, keys: Sequence[str]) -> StreamCapture | None:
    if stream is None:
        return None
    return replace(stream, events=tuple(scrub(e, keys) for e in stream.events))
