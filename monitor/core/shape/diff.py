"""Compare one observed shape with a learned baseline shape: the baseline drift rules.

Only shape counts: values (ids, text, token counts), key order and fields the baseline saw only
sometimes never produce a finding. Severities are the taxonomy's defaults
(``monitor.core.taxonomy``); assumptions and overrides adjust them later in the judge.
A path that was only ever null in the baseline takes its type from the first non-null value
without a finding (``refine_null_only`` adopts it into the baseline). What changed at a path
both sides hold is ``core.path_changes``; headers and the content type, ``core.header_changes``;
a stream's SSE framing, ``core.framing``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from functools import partial

from monitor.core.model import Finding, ResponseClass, Source
from monitor.core.shape.framing import framing_changes
from monitor.core.shape.header_changes import header_changes, in_all
from monitor.core.shape.path_changes import path_changes, type_label
from monitor.core.shape.paths import parent_path
from monitor.core.shape.stats import PathStats, Shape
from monitor.core.shape.watch import Watch, chance_threshold
from monitor.core.taxonomy import default_severity, make_finding

# In an error envelope every structural change is one kind: handlers break on all alike.
_ENVELOPE_KINDS = frozenset(
    {"property-removed", "type-changed", "null-appeared", "const-changed", "enum-value-added"}
)
_finding = partial(make_finding, source=Source.BASELINE)


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
            findings.extend(path_changes(path, before, after, assumed_paths))
    findings.extend(_added(baseline, observed))
    findings.extend(header_changes(baseline, observed))
    findings.extend(framing_changes(baseline, observed))
    if response_class is ResponseClass.ERROR:
        findings = [_as_envelope(f) for f in findings]
    if response_class is not ResponseClass.SUCCESS:
        findings = [replace(f, response_class=response_class) for f in findings]
    return findings


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
            f"`{path}` was present {in_all(before.present)} and now comes and goes",
            "always",
            "sometimes",
        )
    return _finding(
        "property-removed",
        path,
        f"`{path}` was present {in_all(before.present)} and is missing",
        "present",
        "absent",
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
                type_label(observed.paths[path].non_null_types) or "null",
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
