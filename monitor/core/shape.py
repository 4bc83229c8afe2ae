"""Shape statistics of JSON bodies: per path presence, nulls, a type histogram, enum values.

Why our own code: JSON-Schema inference libraries (genson and friends) keep one merged schema,
not counts, so they cannot say "optional" from "seen 3 of 5 times" or "nullable" from "null once";
the drift rules need exactly those counts.

Paths use dots for object members and ``[]`` for array items: ``choices[].message.content``.
Presence is counted once per sample (a path inside an array counts if any item has it).
``merge_shapes`` is associative and commutative, so shapes learned anywhere combine in any order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TYPE_NAMES = ("null", "bool", "integer", "number", "string", "object", "array")
ENUM_LIKE_KEYS = frozenset({"finish_reason", "object", "role", "type", "service_tier"})
MAX_ENUM_VALUES = 32  # more distinct values than this and the field is not an enum
MAX_ARRAY_ITEMS = 64  # long arrays are sampled: the shape of item 65 rarely differs from item 1
MAX_DEPTH = 64


def type_name(value: Any) -> str:
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


@dataclass(frozen=True)
class PathStats:
    present: int = 0
    nulls: int = 0
    types: Mapping[str, int] = field(default_factory=dict)
    # Distinct values of enum-like fields with their counts; None when the set is open.
    values: Mapping[str, int] | None = None
    empty: int = 0  # samples in which an array at this path was empty
    enum: bool = False

    @property
    def non_null_types(self) -> frozenset[str]:
        return frozenset(t for t, n in self.types.items() if n and t != "null")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"present": self.present, "nulls": self.nulls}
        out["types"] = dict(sorted(self.types.items()))
        if self.enum:
            out["values"] = None if self.values is None else dict(sorted(self.values.items()))
        if self.empty:
            out["empty"] = self.empty
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PathStats:
        enum = "values" in data
        values = data.get("values")
        return cls(
            present=int(data["present"]),
            nulls=int(data.get("nulls", 0)),
            types={str(k): int(v) for k, v in data.get("types", {}).items()},
            values=None if values is None else {str(k): int(v) for k, v in values.items()},
            empty=int(data.get("empty", 0)),
            enum=enum,
        )


@dataclass(frozen=True)
class Shape:
    samples: int = 0
    paths: Mapping[str, PathStats] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "paths": {p: s.to_json() for p, s in sorted(self.paths.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Shape:
        return cls(
            samples=int(data.get("samples", 0)),
            paths={p: PathStats.from_json(s) for p, s in data.get("paths", {}).items()},
        )

    def containers(self, path: str) -> int:
        """Samples in which the container holding ``path`` was there to hold it."""
        parent = parent_path(path)
        if parent == "":
            return self.samples
        stats = self.paths.get(parent)
        if stats is None:
            return 0
        if path.endswith("[]"):
            return stats.types.get("array", 0) - stats.empty
        return stats.types.get("object", 0)


def parent_path(path: str) -> str:
    if path.endswith("[]"):
        return path[:-2]
    cut = path.rfind('"', 0, len(path) - 1) - 1 if path.endswith('"') else path.rfind(".")
    return "" if cut < 0 else path[:cut]


def leaf_key(path: str) -> str:
    base = path[:-2] if path.endswith("[]") else path
    parent = parent_path(base)
    leaf = base[len(parent) + 1 :] if parent else base
    return leaf.strip('"')


def _member_path(prefix: str, key: str) -> str:
    safe = key if ("." not in key and "[" not in key) else f'"{key}"'
    return safe if prefix == "" else f"{prefix}.{safe}"


@dataclass
class _Acc:
    types: dict[str, int] = field(default_factory=dict)
    values: set[str] = field(default_factory=set)
    empty: bool = False


def infer_shape(document: Any, enum_paths: Iterable[str] = ()) -> Shape:
    """The shape of one JSON document (one sample)."""
    configured = frozenset(enum_paths)
    seen: dict[str, _Acc] = {}
    _walk(document, "", seen, 0, configured)
    paths: dict[str, PathStats] = {}
    for path, acc in seen.items():
        is_enum = is_enum_path(path, configured)
        values = {v: 1 for v in sorted(acc.values)} if is_enum else None
        if is_enum and values is not None and len(values) > MAX_ENUM_VALUES:
            values = None
        paths[path] = PathStats(
            present=1,
            nulls=1 if acc.types.get("null") else 0,
            types={t: 1 for t in acc.types},
            values=values,
            empty=1 if acc.empty else 0,
            enum=is_enum,
        )
    return Shape(samples=1, paths=paths)


def is_enum_path(path: str, configured: frozenset[str]) -> bool:
    return path in configured or leaf_key(path) in ENUM_LIKE_KEYS


def _walk(
    value: Any, path: str, seen: dict[str, _Acc], depth: int, configured: frozenset[str]
) -> None:
    if depth > MAX_DEPTH:
        return  # callers cap depth when parsing; this only guards hand-built documents
    if path:
        acc = seen.setdefault(path, _Acc())
        kind = type_name(value)
        acc.types[kind] = 1
        if kind in ("string", "integer", "bool") and is_enum_path(path, configured):
            acc.values.add(str(value).lower() if isinstance(value, bool) else str(value))
    if isinstance(value, dict):
        for key, member in value.items():
            _walk(member, _member_path(path, str(key)), seen, depth + 1, configured)
    elif isinstance(value, list):
        if path and not value:
            seen[path].empty = True
        item_path = f"{path}[]"
        for item in value[:MAX_ARRAY_ITEMS]:
            _walk(item, item_path, seen, depth + 1, configured)


def merge_stats(a: PathStats, b: PathStats) -> PathStats:
    types = dict(a.types)
    for t, n in b.types.items():
        types[t] = types.get(t, 0) + n
    enum = a.enum or b.enum
    values: dict[str, int] | None = None
    if enum and a.values is not None and b.values is not None:
        values = dict(a.values)
        for v, n in b.values.items():
            values[v] = values.get(v, 0) + n
        if len(values) > MAX_ENUM_VALUES:
            values = None
    return PathStats(
        present=a.present + b.present,
        nulls=a.nulls + b.nulls,
        types=types,
        values=values,
        empty=a.empty + b.empty,
        enum=enum,
    )


def merge_shapes(a: Shape, b: Shape) -> Shape:
    paths = dict(a.paths)
    for path, stats in b.paths.items():
        mine = paths.get(path)
        paths[path] = stats if mine is None else merge_stats(mine, stats)
    return Shape(samples=a.samples + b.samples, paths=paths)
