"""What is shape-like in one JSON value: its type name (an integral float is an integer: only a
real fraction generalizes an integer field) and the format of an id or a timestamp (the
``chatcmpl`` prefix, 10 digits of seconds), which changes when a provider changes, not per call.
"""

from __future__ import annotations

import math
from typing import Any

TYPE_NAMES = ("null", "bool", "integer", "number", "string", "object", "array")
_HEX_LETTERS = frozenset("abcdefABCDEF")

# The exact types JSON decoding produces, looked up before the isinstance chain (the hot path).
TYPE_OF: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "bool",
    int: "integer",
    type(None): "null",
}


def type_name(value: Any) -> str:
    fast = TYPE_OF.get(type(value))
    if fast is not None:
        return fast
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        # 6.0 is integral: only a real fraction generalizes an integer field
        return "integer" if math.isfinite(value) and value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def value_format(key: str, value: Any) -> str | None:
    """The format of an id or a timestamp: what changes when a provider changes, not per call."""
    if key == "id" and isinstance(value, str):
        letters = ""
        for ch in value[:24]:
            if ch.isalpha() and ch.isascii():
                letters += ch
                continue
            if ch in "-_" and letters and set(letters) - _HEX_LETTERS:
                return f"prefix:{letters}"
            break
        return "no-prefix"  # uuids, hex and random ids change every call: no prefix to keep
    if key == "created" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"digits:{len(str(abs(int(value))))}"
    return None
