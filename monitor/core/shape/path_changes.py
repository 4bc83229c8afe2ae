"""What changed at one path that both the baseline and the observed shape hold.

New types (an integer turned fractional is its own kind; an integer where numbers were seen
is not a change), a null or an empty array the baseline never saw, new values of a learned
enum (``const-changed`` for one-value members such as ``object``, ``variant-added`` for the
``type`` of items in a list, ``served-model-changed`` for free values such as ``model``) and
new string formats. Values of non-enum fields (ids, text, token counts) never count.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

from monitor.core.model import Finding, Severity, Source
from monitor.core.shape.paths import leaf_key, parent_path
from monitor.core.shape.stats import PathStats
from monitor.core.taxonomy import make_finding

CONST_KEYS = frozenset({"object"})  # enum-like fields that carry one fixed value per endpoint
_finding = partial(make_finding, source=Source.BASELINE)


def _unchanged(before: PathStats, after: PathStats) -> bool:
    """The common case, cheaply: nothing the baseline has not seen already."""
    return (
        after.types.keys() <= before.types.keys()
        and (not after.nulls or bool(before.nulls))
        and (not after.empty or bool(before.empty))
        and (
            after.values is None
            or before.values is None
            or after.values.keys() <= before.values.keys()
        )
        and after.formats.keys() <= before.formats.keys()
    )


def path_changes(
    path: str, before: PathStats, after: PathStats, assumed_paths: Collection[str]
) -> list[Finding]:
    if _unchanged(before, after):
        return []
    out: list[Finding] = []
    known = before.non_null_types
    seen = after.non_null_types
    new_types = seen - known
    if known and new_types:
        if known <= {"integer"} and new_types == {"number"}:
            out.append(
                _finding(
                    "int-became-fractional",
                    path,
                    f"`{path}` was always an integer and is now fractional",
                    "integer",
                    "number",
                )
            )
        elif not (new_types == {"integer"} and "number" in known):
            out.append(
                _finding(
                    "type-changed",
                    path,
                    f"`{path}` changed type from {type_label(known)} to {type_label(seen)}",
                    type_label(known),
                    type_label(seen),
                )
            )
    if after.nulls and not before.nulls and known:
        out.append(
            _finding(
                "null-appeared",
                path,
                f"`{path}` is null; the baseline never saw it null",
                type_label(known),
                "null",
            )
        )
    if after.empty and not before.empty and before.types.get("array"):
        out.append(
            _finding(
                "array-became-empty",
                path,
                f"`{path}` is an empty array; the baseline always had items",
                "non-empty",
                "[]",
            )
        )
    if before.values is not None and after.values:
        for value in sorted(set(after.values) - set(before.values)):
            out.append(_value_finding(path, before, value, assumed_paths))
    if before.formats and after.formats:
        new_formats = sorted(set(after.formats) - set(before.formats))
        if new_formats:
            out.append(
                _finding(
                    "format-changed",
                    path,
                    f"`{path}` format changed from {', '.join(sorted(before.formats))} to "
                    f"{', '.join(new_formats)}",
                    sorted(before.formats),
                    new_formats[0],
                    value_key=new_formats[0],
                )
            )
    return out


def _value_finding(
    path: str, before: PathStats, value: str, assumed_paths: Collection[str]
) -> Finding:
    assert before.values is not None
    known = sorted(before.values)
    leaf = leaf_key(path)
    if not before.enum:
        return _finding(
            "served-model-changed",
            path,
            f"`{path}` is {value!r}; the baseline saw {', '.join(map(repr, known))}",
            known,
            value,
            value_key=value,
        )
    if leaf in CONST_KEYS and len(known) == 1:
        return _finding(
            "const-changed",
            path,
            f"`{path}` changed from {known[0]!r} to {value!r}",
            known[0],
            value,
            value_key=value,
        )
    assumed = path in assumed_paths
    if leaf == "type" and parent_path(path).endswith("[]") and not assumed:
        return _finding(
            "variant-added",
            path,
            f"`{path}` has a new variant {value!r} (known: {', '.join(map(repr, known))})",
            known,
            value,
            value_key=value,
        )
    return _finding(
        "enum-value-added",
        path,
        f"`{path}` has a new value {value!r} (known: {', '.join(map(repr, known))})"
        + (" and the client switches on it" if assumed else ""),
        known,
        value,
        severity=Severity.BREAKING if assumed else None,
        value_key=value,
    )


def type_label(types: Collection[str]) -> str:
    return "|".join(sorted(types))
