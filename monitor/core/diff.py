"""Compare one observed shape with a learned baseline shape: the baseline drift rules.

Only shape counts: values (ids, text, token counts), key order and fields the baseline saw only
sometimes never produce a finding. Severities follow ``../shared/reference/drift-taxonomy.md``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from monitor.core.model import Finding, ResponseClass, Severity, Source
from monitor.core.shape import PathStats, Shape, leaf_key, parent_path

CONST_KEYS = frozenset({"object"})  # enum-like fields that carry one fixed value per endpoint


def diff_shapes(
    baseline: Shape,
    observed: Shape,
    *,
    response_class: ResponseClass = ResponseClass.SUCCESS,
    assumed_paths: Collection[str] = (),
) -> list[Finding]:
    findings: list[Finding] = []
    for path, before in sorted(baseline.paths.items()):
        after = observed.paths.get(path)
        if after is None:
            finding = _removed(path, before, baseline, observed)
        else:
            finding = None
            findings.extend(_changed(path, before, after, assumed_paths))
        if finding is not None:
            findings.append(finding)
    findings.extend(_added(baseline, observed))
    if response_class is not ResponseClass.SUCCESS:
        findings = [_with_class(f, response_class) for f in findings]
    return findings


def _with_class(finding: Finding, response_class: ResponseClass) -> Finding:
    return replace(finding, response_class=response_class)


def _removed(path: str, before: PathStats, baseline: Shape, observed: Shape) -> Finding | None:
    if observed.containers(path) == 0:
        return None  # the parent is gone too; the parent's finding says it once
    if before.present == 0 or before.present < baseline.containers(path):
        return None  # seen only sometimes while learning: optional, its absence is not drift
    return Finding(
        kind="property-removed",
        path=path,
        severity=Severity.BREAKING,
        source=Source.BASELINE,
        message=f"`{path}` was present in all {before.present} baseline responses and is missing",
        before="present",
        after="absent",
    )


def _changed(
    path: str, before: PathStats, after: PathStats, assumed_paths: Collection[str]
) -> list[Finding]:
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
                    Severity.BREAKING,
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
                    Severity.BREAKING,
                    f"`{path}` changed type from {_types(known)} to {_types(seen)}",
                    _types(known),
                    _types(seen),
                )
            )
    if after.nulls and not before.nulls and known:
        out.append(
            _finding(
                "null-appeared",
                path,
                Severity.BREAKING,
                f"`{path}` is null; the baseline never saw it null",
                _types(known),
                "null",
            )
        )
    if after.empty and not before.empty and before.types.get("array"):
        out.append(
            _finding(
                "array-became-empty",
                path,
                Severity.BREAKING,
                f"`{path}` is an empty array; the baseline always had items",
                "non-empty",
                "[]",
            )
        )
    if before.enum and before.values is not None and after.values:
        for value in sorted(set(after.values) - set(before.values)):
            out.append(_enum_finding(path, before, value, assumed_paths))
    return out


def _enum_finding(
    path: str, before: PathStats, value: str, assumed_paths: Collection[str]
) -> Finding:
    assert before.values is not None
    known = sorted(before.values)
    if leaf_key(path) in CONST_KEYS and len(known) == 1:
        return Finding(
            kind="const-changed",
            path=path,
            severity=Severity.BREAKING,
            source=Source.BASELINE,
            message=f"`{path}` changed from {known[0]!r} to {value!r}",
            before=known[0],
            after=value,
            value_key=value,
        )
    assumed = path in assumed_paths
    return Finding(
        kind="enum-value-added",
        path=path,
        severity=Severity.BREAKING if assumed else Severity.WARNING,
        source=Source.BASELINE,
        message=f"`{path}` has a new value {value!r} (known: {', '.join(map(repr, known))})"
        + (" and the client switches on it" if assumed else ""),
        before=known,
        after=value,
        value_key=value,
    )


def _added(baseline: Shape, observed: Shape) -> list[Finding]:
    out: list[Finding] = []
    for path in sorted(observed.paths):
        if path in baseline.paths:
            continue
        parent = parent_path(path)
        if parent and parent not in baseline.paths:
            continue  # only the topmost new path is worth a line
        out.append(
            Finding(
                kind="property-added",
                path=path,
                severity=Severity.INFO,
                source=Source.BASELINE,
                message=f"`{path}` appeared; the baseline never had it",
                before="absent",
                after=_types(observed.paths[path].non_null_types) or "null",
            )
        )
    return out


def _finding(
    kind: str, path: str, severity: Severity, message: str, before: str, after: str
) -> Finding:
    return Finding(
        kind=kind,
        path=path,
        severity=severity,
        source=Source.BASELINE,
        message=message,
        before=before,
        after=after,
    )


def _types(types: Collection[str]) -> str:
    return "|".join(sorted(types))
