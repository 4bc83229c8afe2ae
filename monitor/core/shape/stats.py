"""Shape statistics of JSON bodies: per path presence, nulls, a type histogram, enum values.

Why our own code: JSON-Schema inference libraries (genson and friends) keep one merged schema,
not counts, so they cannot say "optional" from "seen 3 of 5 times" or "nullable" from "null once";
the drift rules need exactly those counts.

Paths use dots for object members and ``[]`` for array items: ``choices[].message.content``
(``paths``).
Presence is counted once per sample (a path inside an array counts if any item has it).
``merge_shapes`` is associative and commutative, so shapes learned anywhere combine in any order.

Besides types (``values.type_name``), a shape keeps what is shape-like in a value: the distinct
values of enum-like fields, the served ``model`` (context, not an enum), the *format* of ids and
timestamps (``values.value_format``), the response headers present and the content type,
and for a stream its SSE framing (``core.shape.framing``: comment lines, ``event:`` fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.core.shape.paths import leaf_key, member_path, parent_path
from monitor.core.shape.values import TYPE_OF, type_name, value_format

ENUM_LIKE_KEYS = frozenset({"finish_reason", "object", "role", "type", "service_tier"})
TRACKED_VALUE_PATHS = frozenset({"model"})  # values kept as context, never an enum
# Headers that come and go with the transport, not the API (framing, caching, clocks).
VOLATILE_HEADERS = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "content-encoding",
        "date",
        "age",
        "set-cookie",
        "alt-svc",
        "vary",
        "via",
        "cf-cache-status",
        "server-timing",
    }
)
MAX_ENUM_VALUES = 32  # more distinct values than this and the field is not an enum
MAX_ARRAY_ITEMS = 64  # long arrays are sampled: the shape of item 65 rarely differs from item 1
MAX_DEPTH = 64


def _int_map(data: Mapping[str, Any], key: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in data.get(key, {}).items()}


def _count_merge(a: Mapping[str, int] | None, b: Mapping[str, int] | None) -> dict[str, int]:
    out = dict(a or {})
    for k, n in (b or {}).items():
        out[k] = out.get(k, 0) + n
    return out


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made building
# the ~30 stats of one body a third of the hot path. Treat instances as immutable all the same.
@dataclass(slots=True)
class PathStats:
    present: int = 0
    nulls: int = 0
    types: Mapping[str, int] = field(default_factory=dict)
    # Distinct values of enum-like (and tracked) fields with their counts; None once too many.
    values: Mapping[str, int] | None = None
    empty: int = 0  # samples in which an array at this path was empty
    enum: bool = False
    formats: Mapping[str, int] = field(default_factory=dict)

    @property
    def non_null_types(self) -> frozenset[str]:
        return frozenset(t for t, n in self.types.items() if n and t != "null")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"present": self.present, "nulls": self.nulls}
        out["types"] = dict(sorted(self.types.items()))
        if self.enum or self.values is not None:
            out["values"] = None if self.values is None else dict(sorted(self.values.items()))
            if not self.enum:
                out["enum"] = False
        if self.empty:
            out["empty"] = self.empty
        if self.formats:
            out["formats"] = dict(sorted(self.formats.items()))
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PathStats:
        values = data.get("values")
        return cls(
            present=int(data["present"]),
            nulls=int(data.get("nulls", 0)),
            types=_int_map(data, "types"),
            values=None if values is None else {str(k): int(v) for k, v in values.items()},
            empty=int(data.get("empty", 0)),
            enum=bool(data.get("enum", "values" in data)),
            formats=_int_map(data, "formats"),
        )


@dataclass(frozen=True)
class Shape:
    samples: int = 0
    paths: Mapping[str, PathStats] = field(default_factory=dict)
    # Response headers (lower-case names, volatile ones left out) and content types seen.
    header_samples: int = 0
    headers: Mapping[str, int] = field(default_factory=dict)
    media: Mapping[str, int] = field(default_factory=dict)
    # A stream's SSE framing (``framing``): samples whose framing was recorded (0 in shapes of
    # JSON bodies and in baselines stored before it was), the samples carrying each feature
    # and the lines carrying it in all of them.
    framing_samples: int = 0
    framing: Mapping[str, int] = field(default_factory=dict)
    framing_lines: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "samples": self.samples,
            "paths": {p: s.to_json() for p, s in sorted(self.paths.items())},
        }
        if self.header_samples:
            out["header_samples"] = self.header_samples
            out["headers"] = dict(sorted(self.headers.items()))
            out["media"] = dict(sorted(self.media.items()))
        if self.framing_samples:  # absent otherwise, so shapes without framing read as before
            out["framing_samples"] = self.framing_samples
            out["framing"] = dict(sorted(self.framing.items()))
            out["framing_lines"] = dict(sorted(self.framing_lines.items()))
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Shape:
        return cls(
            samples=int(data.get("samples", 0)),
            paths={p: PathStats.from_json(s) for p, s in data.get("paths", {}).items()},
            header_samples=int(data.get("header_samples", 0)),
            headers=_int_map(data, "headers"),
            media=_int_map(data, "media"),
            framing_samples=int(data.get("framing_samples", 0)),
            framing=_int_map(data, "framing"),
            framing_lines=_int_map(data, "framing_lines"),
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


def normalize_media(content_type: str) -> str:
    return content_type.replace(" ", "").lower()


# Accumulator slots while walking one document (a list is several times cheaper than a
# dataclass here, and this walk is the hot path of every run).
_TYPES, _VALUES, _FORMATS, _EMPTY, _ENUM = range(5)


def infer_shape(
    document: Any,
    enum_paths: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
) -> Shape:
    """The shape of one response (one sample): its JSON document and, when given, headers."""
    configured = frozenset(enum_paths)
    seen: dict[str, list[Any]] = {}
    _walk(document, "", "", seen, 0, configured)
    paths: dict[str, PathStats] = {}
    for path, acc in seen.items():
        values = acc[_VALUES]
        if values is not None:
            values = dict.fromkeys(values, 1) if len(values) <= MAX_ENUM_VALUES else None
        types = acc[_TYPES]
        paths[path] = PathStats(
            1,
            1 if "null" in types else 0,
            dict.fromkeys(types, 1),
            values,
            1 if acc[_EMPTY] else 0,
            acc[_ENUM],
            dict.fromkeys(acc[_FORMATS], 1) if acc[_FORMATS] else {},
        )
    if headers is None:
        return Shape(samples=1, paths=paths)
    names = {k.lower() for k in headers} - VOLATILE_HEADERS
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return Shape(
        samples=1,
        paths=paths,
        header_samples=1,
        headers=dict.fromkeys(names, 1),
        media={normalize_media(content_type): 1} if content_type else {},
    )


def is_enum_path(path: str, configured: frozenset[str]) -> bool:
    return path in configured or leaf_key(path) in ENUM_LIKE_KEYS


def _walk(
    value: Any,
    path: str,
    key: str,
    seen: dict[str, list[Any]],
    depth: int,
    configured: frozenset[str],
) -> None:
    if depth > MAX_DEPTH:
        return  # the parser caps depth; this only guards hand-built documents
    kind = TYPE_OF.get(type(value)) or type_name(value)
    if path:
        acc = seen.get(path)
        if acc is None:
            enum = key in ENUM_LIKE_KEYS or path in configured
            tracked = enum or path in TRACKED_VALUE_PATHS
            acc = seen[path] = [set(), set() if tracked else None, set(), False, enum]
        acc[_TYPES].add(kind)
        if acc[_VALUES] is not None and kind in ("string", "integer", "bool"):
            acc[_VALUES].add(str(value).lower() if kind == "bool" else str(value))
        if key == "id" or key == "created":
            fmt = value_format(key, value)
            if fmt is not None:
                acc[_FORMATS].add(fmt)
    if kind == "object":
        prefix = f"{path}." if path else ""
        for k, member in value.items():
            name = str(k)
            child = member_path(path, name) if "." in name or "[" in name else prefix + name
            _walk(member, child, name, seen, depth + 1, configured)
    elif kind == "array":
        if path and not value:
            seen[path][_EMPTY] = True
        item_path = f"{path}[]"
        for item in value[:MAX_ARRAY_ITEMS]:
            _walk(item, item_path, key, seen, depth + 1, configured)


def merge_stats(a: PathStats, b: PathStats) -> PathStats:
    enum = a.enum or b.enum
    values: dict[str, int] | None = None
    if a.values is not None and b.values is not None:
        values = _count_merge(a.values, b.values)
        if len(values) > MAX_ENUM_VALUES:
            values = None
    return PathStats(
        present=a.present + b.present,
        nulls=a.nulls + b.nulls,
        types=_count_merge(a.types, b.types),
        values=values,
        empty=a.empty + b.empty,
        enum=enum,
        formats=_count_merge(a.formats, b.formats),
    )


def merge_shapes(a: Shape, b: Shape) -> Shape:
    paths = dict(a.paths)
    for path, stats in b.paths.items():
        mine = paths.get(path)
        paths[path] = stats if mine is None else merge_stats(mine, stats)
    return Shape(
        samples=a.samples + b.samples,
        paths=paths,
        header_samples=a.header_samples + b.header_samples,
        headers=_count_merge(a.headers, b.headers),
        media=_count_merge(a.media, b.media),
        framing_samples=a.framing_samples + b.framing_samples,
        framing=_count_merge(a.framing, b.framing),
        framing_lines=_count_merge(a.framing_lines, b.framing_lines),
    )
