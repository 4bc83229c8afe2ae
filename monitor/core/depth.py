"""How deep a JSON value from an upstream may nest before every walk over it refuses it.

One bound for every pure walk over a body (the strict parser, a stream's chunks, the
redaction of answer text), checked iteratively so the check itself cannot exhaust the stack.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 64  # real chat bodies nest about 8 deep; deeper is hostile or broken


def depth_exceeds(value: Any, limit: int) -> bool:
    """Iterative, so a hostile document cannot exhaust the stack here either."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False
