"""Read a response body as JSON, strictly and within bounds.

Python's ``json`` accepts ``NaN``/``Infinity`` and silently keeps the last of duplicate keys;
real clients (JavaScript, Go, pydantic in strict mode) do not, so both are reported. Nesting
deeper than the interpreter can follow is an error, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_MEDIA_TYPES = ("application/json",)


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
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ParsedBody(error_kind="body-unparseable", error=f"invalid UTF-8 at byte {exc.start}")
    if not text.strip():
        return ParsedBody(error_kind="body-unparseable", error="the body is empty")
    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=_reject_constant)
    except _NonFiniteNumberError as exc:
        return ParsedBody(error_kind="body-unparseable", error=str(exc))
    except RecursionError:
        return ParsedBody(error_kind="body-unparseable", error="JSON nested too deeply")
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        if exc.pos >= len(text.rstrip()) - 1:
            return ParsedBody(error_kind="body-unparseable", error=f"JSON ends early ({where})")
        return ParsedBody(error_kind="body-unparseable", error=f"{exc.msg} ({where})")
    return ParsedBody(value=value, duplicate_keys=tuple(duplicates))
