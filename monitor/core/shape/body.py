"""Read a response body as JSON, strictly and within bounds.

Python's ``json`` accepts ``NaN``/``Infinity`` and silently keeps the last of duplicate keys;
real clients (JavaScript, Go, pydantic in strict mode) do not, so both are reported. Nesting
deeper than the interpreter can follow is an error, never a crash.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from monitor.core.depth import MAX_DEPTH, depth_exceeds

JSON_MEDIA_TYPES = ("application/json",)
MAX_BODY_BYTES = 8 * 1024 * 1024  # the transport caps at 1 MiB; `verify` reads files


@dataclass(frozen=True)
class ParsedBody:
    value: Any = None
    error_kind: str | None = None  # body-unparseable, body-truncated, body-not-json, ...
    error: str | None = None
    duplicate_keys: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.error_kind is None


class _NonFiniteNumberError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFiniteNumberError(f"non-standard JSON number {name}")


def finite_float(text: str) -> float:
    """``parse_float`` for strict reading: ``1e999999`` is infinity to Python, an error to a
    real client (and not a number any schema or baseline can hold)."""
    value = float(text)
    if math.isinf(value):
        raise _NonFiniteNumberError(f"number {text[:40]} is out of range (not finite)")
    return value


def is_json_media_type(media_type: str) -> bool:
    return media_type in JSON_MEDIA_TYPES or media_type.endswith("+json")


def parse_json_body(body: bytes, *, truncated: bool = False) -> ParsedBody:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out and len(duplicates) < 16:
                duplicates.append(key)
            out[key] = value
        return out

    if truncated:
        return ParsedBody(error_kind="body-truncated", error="the body exceeded the size cap")
    if len(body) > MAX_BODY_BYTES:
        return ParsedBody(
            error_kind="body-too-large",
            error=f"{len(body)} bytes exceed the {MAX_BODY_BYTES}-byte cap",
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ParsedBody(error_kind="body-unparseable", error=f"invalid UTF-8 at byte {exc.start}")
    if not text.strip():
        return ParsedBody(error_kind="body-unparseable", error="the body is empty")
    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=_reject_constant,
            parse_float=finite_float,
        )
    except _NonFiniteNumberError as exc:
        return ParsedBody(error_kind="body-unparseable", error=str(exc))
    except RecursionError:
        return ParsedBody(error_kind="body-too-deep", error=f"JSON nested deeper than {MAX_DEPTH}")
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        if exc.pos >= len(text.rstrip()) - 1:
            return ParsedBody(error_kind="body-unparseable", error=f"JSON ends early ({where})")
        return ParsedBody(error_kind="body-unparseable", error=f"{exc.msg} ({where})")
    except ValueError as exc:  # e.g. an integer longer than Python's 4300-digit limit
        return ParsedBody(error_kind="body-unparseable", error=str(exc)[:200])
    if depth_exceeds(value, MAX_DEPTH):
        return ParsedBody(error_kind="body-too-deep", error=f"JSON nested deeper than {MAX_DEPTH}")
    if NUL_ESCAPE in text:  # the only way a NUL can be in valid JSON text
        value = without_nul(value)
    return ParsedBody(value=value, duplicate_keys=tuple(duplicates))


NUL_ESCAPE = "\\u0000"
NUL_STAND_IN = "\ufffd"


def without_nul(value: Any) -> Any:
    """``value`` with every NUL character in keys and strings replaced by U+FFFD.

    JSON allows ``\\u0000``; PostgreSQL's text and JSONB do not, so a single such byte from a
    target would make the whole run unrecordable. The raw body is kept as bytes, unchanged.
    """
    if isinstance(value, str):
        return value.replace("\x00", NUL_STAND_IN)
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value
