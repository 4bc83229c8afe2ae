"""Resolve a document's local ``$ref``s once, so validators never look anything up per call.

Each reference is inlined (the same target object is shared, not copied). A recursive schema
(a tree that contains itself) is inlined ``MAX_RECURSION`` levels deep and then accepts anything
below: responses of chat APIs are never that deep, and an unbounded cycle cannot be inlined.
"""

from __future__ import annotations

from typing import Any

from monitor.contract.document import is_nowhere, resolve_pointer

MAX_RECURSION = 4


def dereference(spec: dict[str, Any]) -> dict[str, Any]:
    cache: dict[str, Any] = {}
    resolved = _deref(spec, spec, cache, ())
    assert isinstance(resolved, dict)
    return resolved


def _deref(value: Any, spec: dict[str, Any], cache: dict[str, Any], stack: tuple[str, ...]) -> Any:
    if isinstance(value, list):
        return [_deref(v, spec, cache, stack) for v in value]
    if not isinstance(value, dict):
        return value
    ref = value.get("$ref")
    if isinstance(ref, str):
        if stack.count(ref) >= MAX_RECURSION:
            return {}  # below the recursion bound: accept anything (see the module docstring)
        siblings = {k: v for k, v in value.items() if k != "$ref"}
        if ref in cache and ref not in stack and not siblings:
            return cache[ref]
        target = resolve_pointer(spec, ref)
        if is_nowhere(target):  # read_document refuses these; keep the resolver total anyway
            return {}
        resolved = _deref(target, spec, cache, (*stack, ref))
        if ref not in stack:
            cache[ref] = resolved
        if siblings and isinstance(resolved, dict):
            # 3.1 allows keywords beside $ref (description, nullable in some 3.0 tools)
            return {**resolved, **{k: _deref(v, spec, cache, stack) for k, v in siblings.items()}}
        return resolved
    return {k: _deref(v, spec, cache, stack) for k, v in value.items()}
