"""Flatten a resolved response schema into per-path facts, in the monitor's path notation.

``members`` says which object members the contract documents at each path (None: any member
is documented, e.g. a map or ``additionalProperties: true``). Plain JSON Schema validators
ignore extra members, so undocumented ones are found by comparing an observed shape with
``members``. ``required``, ``nullable`` and ``enums`` feed the assumption ledger.
Compositions are flattened: ``allOf`` merges, ``oneOf``/``anyOf`` unite (a member documented
by any variant is documented; required only when every variant requires it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor.core.documented import ResponseFacts
from monitor.core.shape.paths import member_path

MAX_SCHEMA_DEPTH = 24


@dataclass
class SchemaFacts:
    required: set[str] = field(default_factory=set)
    nullable: set[str] = field(default_factory=set)
    enums: dict[str, frozenset[str]] = field(default_factory=dict)
    members: dict[str, frozenset[str] | None] = field(default_factory=dict)

    def response_facts(self, headers: frozenset[str]) -> ResponseFacts:
        return ResponseFacts(
            documented=True,
            required=frozenset(self.required),
            nullable=frozenset(self.nullable),
            enums=dict(self.enums),
            headers=headers,
        )


@dataclass
class _Flat:
    types: set[str] = field(default_factory=set)
    properties: dict[str, Any] = field(default_factory=dict)
    required: set[str] | None = None
    nullable: bool = False
    enum: set[str] | None = None
    items: list[Any] = field(default_factory=list)
    open_members: bool = False


def schema_facts(schema: Any) -> SchemaFacts:
    facts = SchemaFacts()
    _walk(schema, "", facts, 0)
    return facts


def _walk(schema: Any, path: str, facts: SchemaFacts, depth: int) -> None:
    if depth > MAX_SCHEMA_DEPTH or not isinstance(schema, dict):
        return
    flat = _flatten(schema)
    if flat.nullable and path:
        facts.nullable.add(path)
    if flat.enum is not None and path:
        facts.enums[path] = frozenset(flat.enum)
    if flat.properties or "object" in flat.types:
        known = facts.members.get(path, frozenset())
        if flat.open_members or known is None:
            facts.members[path] = None
        else:
            facts.members[path] = known | frozenset(flat.properties)
        for name in flat.required or ():
            facts.required.add(member_path(path, name))
        for name, member in flat.properties.items():
            _walk(member, member_path(path, name), facts, depth + 1)
    for items in flat.items:
        _walk(items, f"{path}[]", facts, depth + 1)


def _flatten(schema: dict[str, Any]) -> _Flat:
    flat = _Flat()
    _absorb(flat, schema)
    for part in schema.get("allOf") or ():
        if isinstance(part, dict):
            inner = _flatten(part)
            flat.types |= inner.types
            flat.properties.update(inner.properties)
            flat.required = (flat.required or set()) | (inner.required or set())
            flat.items.extend(inner.items)
            flat.open_members = flat.open_members or inner.open_members
    variants = [
        v for key in ("oneOf", "anyOf") for v in schema.get(key) or () if isinstance(v, dict)
    ]
    if variants:
        union_required: set[str] | None = None
        for variant in variants:
            inner = _flatten(variant)
            if inner.types == {"null"} or inner.nullable:
                flat.nullable = True
            flat.types |= inner.types - {"null"}
            for name, member in inner.properties.items():
                flat.properties.setdefault(name, member)
            if inner.types != {"null"}:
                req = inner.required or set()
                union_required = req if union_required is None else union_required & req
            if inner.enum is not None:
                flat.enum = (flat.enum or set()) | inner.enum
            flat.items.extend(inner.items)
            flat.open_members = flat.open_members or inner.open_members
        flat.required = (flat.required or set()) | (union_required or set())
    return flat


def _absorb(flat: _Flat, schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    types = set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()
    if "null" in types or schema.get("nullable") is True:
        flat.nullable = True
    flat.types |= types - {"null"}
    properties = schema.get("properties")
    if isinstance(properties, dict):
        flat.properties.update(properties)
    required = schema.get("required")
    if isinstance(required, list):
        flat.required = (flat.required or set()) | {str(r) for r in required}
    enum = schema.get("enum")
    if isinstance(enum, list):
        if None in enum:
            flat.nullable = True
        flat.enum = {
            str(v).lower() if isinstance(v, bool) else str(v) for v in enum if v is not None
        }
    if "const" in schema and schema["const"] is not None:
        flat.enum = {str(schema["const"])}
    items = schema.get("items")
    if isinstance(items, dict):
        flat.items.append(items)
    additional = schema.get("additionalProperties")
    if additional is True or isinstance(additional, dict):
        flat.open_members = True  # a map (logit_bias, metadata): any member is documented
