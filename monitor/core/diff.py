"""Compare one observed shape with a learned baseline shape: the baseline drift rules.

Only shape counts: values (ids, text, token counts), key order and fields the baseline saw only
sometimes never produce a finding. Severities are the taxonomy's defaults
(``monitor.core.taxonomy``); assumptions and overrides adjust them later in the judge.
A path that was only ever null in the baseline takes its type from the first non-null value
without a finding (``refine_null_only`` adopts it into the baseline).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from monitor.core.model import Finding, ResponseClass, Severity, Source
from monitor.core.shape import PathStats, Shape, leaf_key, normalize_media, parent_path
from monitor.core.taxonomy import default_severity
from monitor.core.watch import Watch, chance_threshold

CONST_KEYS = frozenset({"object"})  # enum-like fields that carry one fixed value per endpoint
# In an error envelope every structural change is one kind: handlers break on all alike.
_ENVELOPE_KINDS = frozenset(
    {"property-removed", "type-changed", "null-appeared", "const-changed", "enum-value-added"}
)


def diff_shapes(
    baseline: Shape,
    observed: Shape,
    *,
    response_class: ResponseClass = ResponseClass.SUCCESS,
    assumed_paths: Collection[str] = (),
    watch: Watch | None = None,
) -> list[Finding]:
    findings: list[Finding] = []
    for path, before in sorted(baseline.paths.items()):
        after = observed.paths.get(path)
        if after is None:
            finding = _removed(path, before, baseline, observed, watch)
            if finding is not None:
                findings.append(finding)
        else:
            findings.extend(_changed(path, before, after, assumed_paths))
    findings.extend(_added(baseline, observed))
    findings.extend(_headers(baseline, observed))
    if response_class is ResponseClass.ERROR:
        findings = [_as_envelope(f) for f in findings]
    if response_class is not ResponseClass.SUCCESS:
        findings = [replace(f, response_class=response_class) for f in findings]
    return findings


def _finding(
    kind: str,
    path: str,
    message: str,
    before: Any,
    after: Any,
    *,
    severity: Severity | None = None,
    value_key: str | None = None,
) -> Finding:
    return Finding(
        kind=kind,
        path=path,
        severity=severity or default_severity(kind, Source.BASELINE),
        source=Source.BASELINE,
        message=message,
        before=before,
        after=after,
        value_key=value_key,
    )


def _as_envelope(finding: Finding) -> Finding:
    if finding.kind not in _ENVELOPE_KINDS:
        return finding
    return replace(
        finding,
        kind="error-envelope-changed",
        severity=default_severity("error-envelope-changed", Source.BASELINE),
        message=f"error envelope: {finding.message}",
        extra={**finding.extra, "detail": finding.kind},
    )


def _removed(
    path: str, before: PathStats, baseline: Shape, observed: Shape, watch: Watch | None
) -> Finding | None:
    if observed.containers(path) == 0:
        return None  # the parent is gone too; the parent's finding says it once
    held = baseline.containers(path)
    if before.present == 0 or held == 0:
        return None
    if before.present < held:
        # Optional while learning: its absence is not drift, unless it stays away for longer
        # than its baseline rate makes likely by chance.
        streak = watch.absent_streak.get(path, 0) + 1 if watch else 0
        needed = chance_threshold(before.present / held)
        if streak < needed:
            return None
        return _finding(
            "optional-property-removed",
            path,
            f"`{path}` (in {before.present} of {held} baseline responses) has been missing "
            f"{streak} runs in a row",
            f"{before.present}/{held}",
            "absent",
        )
    if watch is not None and path in watch.came_back:
        return _finding(
            "property-became-optional",
            path,
            f"`{path}` was present in all {before.present} baseline responses and now comes "
            "and goes",
            "always",
            "sometimes",
        )
    return _finding(
        "property-removed",
        path,
        f"`{path}` was present in all {before.present} baseline responses and is missing",
        "present",
        "absent",
    )


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


def _changed(
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


def _added(baseline: Shape, observed: Shape) -> list[Finding]:
    out: list[Finding] = []
    for path in sorted(observed.paths):
        if path in baseline.paths:
            continue
        parent = parent_path(path)
        if parent and parent not in baseline.paths:
            continue  # only the topmost new path is worth a line
        if parent and not baseline.paths[parent].non_null_types:
            continue  # members of a field only ever seen null: its first value, not drift
        out.append(
            _finding(
                "property-added",
                path,
                f"`{path}` appeared; the baseline never had it",
                "absent",
                _types(observed.paths[path].non_null_types) or "null",
            )
        )
    return out


def _headers(baseline: Shape, observed: Shape) -> list[Finding]:
    if not baseline.header_samples or not observed.header_samples:
        return []  # one side was captured without headers (an old baseline, `verify`)
    out: list[Finding] = []
    for name, count in sorted(baseline.headers.items()):
        if count >= baseline.header_samples and name not in observed.headers:
            out.append(
                _finding(
                    "header-removed",
                    f"header:{name}",
                    f"response header `{name}` was in all {count} baseline responses and is "
                    "missing",
                    "present",
                    "absent",
                )
            )
    for name in sorted(set(observed.headers) - set(baseline.headers)):
        out.append(
            _finding(
                "header-added",
                f"header:{name}",
                f"response header `{name}` appeared",
                "absent",
                "present",
            )
        )
    out.extend(_media(baseline.media, observed.media))
    return out


def _media(before: Mapping[str, int], after: Mapping[str, int]) -> list[Finding]:
    if not before or not after:
        return []
    out = []
    for value in sorted(set(after) - set(before)):
        kinds = {normalize_media(v).split(";", 1)[0] for v in before}
        same_type = value.split(";", 1)[0] in kinds
        out.append(
            _finding(
                "media-type-params-changed" if same_type else "media-type-changed",
                "header:content-type",
                f"content-type is {value!r}; the baseline saw {', '.join(sorted(before))}",
                sorted(before),
                value,
                value_key=value,
            )
        )
    return out


def refine_null_only(baseline: Shape, observed: Shape) -> Shape | None:
    """Adopt the first non-null type of paths the baseline only ever saw null (no finding)."""
    adopted: dict[str, PathStats] = {}
    for path, before in baseline.paths.items():
        after = observed.paths.get(path)
        if after is None or before.non_null_types or not after.non_null_types:
            continue
        types = dict(before.types)
        for t in after.non_null_types:
            types[t] = 1
        adopted[path] = replace(before, types=types)
        prefix_dot, prefix_item = f"{path}.", f"{path}[]"
        for child, stats in observed.paths.items():
            if child not in baseline.paths and child.startswith((prefix_dot, prefix_item)):
                adopted[child] = stats
    if not adopted:
        return None
    return replace(baseline, paths={**baseline.paths, **adopted})


def _types(types: Collection[str]) -> str:
    return "|".join(sorted(types))
