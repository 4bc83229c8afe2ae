"""A run's effect on events: which fingerprints it saw, and every event advanced once.

Documentation drift (response findings from the contract) is grouped into ONE event per
response class and capped at ``warning``: a provider that never matched its docs raises one
event, not a stream; a contract finding that touches an assumption stays breaking on its own.
A failed run says nothing about drift (there is no answer): only the probe's health event moves.

One root cause, one event: findings of one run that share a path (the baseline's
``enum-value-added``, the contract's finding and an assumption's on the same field) are one
event at the lead finding's fingerprint, its message listing every source. An event already
active under a member's own fingerprint keeps it until it resolves (a changed fingerprint would
resolve one event and open another: two alerts for nothing).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.core.events import EventRecord, Transition, advance
from monitor.core.model import EventState, Finding, Outcome, Severity, Source
from monitor.core.spec import ProbeSpec, ProbeState

HEALTH_KIND = "probe-failing"
DOCUMENTATION_DRIFT = "documentation-drift"


def health_fingerprint(probe: str) -> str:
    return f"{probe}|health|{HEALTH_KIND}|"


def group_documentation(finding: Finding) -> Finding:
    if finding.source is not Source.CONTRACT or finding.kind.startswith("request-"):
        return finding
    if finding.extra.get("assumed") or finding.severity is Severity.INFO:
        return finding
    return replace(finding, severity=Severity.WARNING, event_group=DOCUMENTATION_DRIFT)


def group_summaries(probe: str, findings: list[Finding]) -> dict[str, Finding]:
    """One finding that speaks for a grouped event (what its alert and event row say)."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        if f.event_group is not None and f.severity.rank >= Severity.WARNING.rank:
            groups.setdefault(f.fingerprint(probe), []).append(f)
    out = {}
    for fingerprint, members in groups.items():
        first = members[0]
        listed = "; ".join(f"{f.kind} {f.path or '(body)'}" for f in members[:5])
        more = f" and {len(members) - 5} more" if len(members) > 5 else ""
        out[fingerprint] = replace(
            first,
            kind=first.event_group or first.kind,
            path="",
            message=f"{len(members)} difference(s) from the published contract: {listed}{more}",
            before="documented",
            after=[f"{f.kind} {f.path}" for f in members[:20]],
            value_key=None,
        )
    return out


_SOURCE_ORDER = (Source.BASELINE, Source.CONTRACT, Source.EXPECTATION)


def merge_by_path(
    probe: str, findings: list[Finding], active: set[str]
) -> tuple[dict[str, Finding], list[Finding]]:
    """The events of findings that share a path (``fingerprint -> finding``, sources listed),
    and the findings left to the usual one-event-per-fingerprint rule."""
    by_path: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.path and f.severity.rank >= Severity.WARNING.rank:
            by_path.setdefault((f.response_class.value, f.path), []).append(f)
    merged: dict[str, Finding] = {}
    folded: set[int] = set()
    for members in by_path.values():
        if len(members) < 2:
            continue
        anchors = [m for m in members if m.event_group is None and m.fingerprint(probe) in active]
        if not anchors and any(m.fingerprint(probe) in active for m in members):
            continue  # only a grouped (documentation) event is active: it keeps its members
        lead = anchors[0] if anchors else max(members, key=_lead_rank)
        later = {id(a) for a in anchors[1:]}
        joined = [m for m in members if id(m) not in later]
        merged[replace(lead, event_group=None).fingerprint(probe)] = _with_sources(lead, joined)
        folded.update(id(m) for m in members)
        for anchor in anchors[1:]:  # older events of the path stay seen until they resolve
            merged.setdefault(anchor.fingerprint(probe), anchor)
    return merged, [f for f in findings if id(f) not in folded]


def _lead_rank(f: Finding) -> tuple[int, int]:
    order = _SOURCE_ORDER.index(f.source) if f.source in _SOURCE_ORDER else len(_SOURCE_ORDER)
    return f.severity.rank, -order


def _with_sources(lead: Finding, members: list[Finding]) -> Finding:
    """The lead, speaking for every finding of its path: the worst severity, each source."""
    others = [m for m in members if m is not lead]
    if not others:
        return replace(lead, event_group=None)
    also = "; ".join(f"{m.source.value} {m.kind}: {m.message}" for m in others)
    return replace(
        lead,
        event_group=None,
        severity=max((m.severity for m in members), key=lambda s: s.rank),
        message=f"{lead.message} (also {also})",
        extra={**lead.extra, "sources": [f"{m.source.value} {m.kind}" for m in [lead, *others]]},
    )


def lead_finding(findings: list[Finding]) -> Finding | None:
    ranked = [f for f in findings if f.severity.rank >= Severity.WARNING.rank]
    if not ranked:
        return None
    return max(ranked, key=lambda f: f.severity.rank)


def advance_events(
    spec: ProbeSpec,
    state: ProbeState,
    findings: list[Finding],
    outcome: Outcome,
    now: datetime,
) -> tuple[list[EventRecord], list[Transition], dict[str, Finding]]:
    health = health_fingerprint(spec.name)
    seen: dict[str, Finding] = {}
    if outcome is Outcome.FAIL:
        lead = lead_finding(findings)
        if lead is not None:
            seen[health] = lead
    else:
        active = {fp for fp, r in state.events.items() if r.state is not EventState.RESOLVED}
        merged, rest = merge_by_path(spec.name, findings, active)
        for f in rest:
            if f.severity.rank >= Severity.WARNING.rank:
                seen.setdefault(f.fingerprint(spec.name), f)
        seen.update(group_summaries(spec.name, rest))
        seen.update(merged)
    # A failed run says nothing about drift (there is no body): only the health event moves.
    candidates = {health} if outcome is Outcome.FAIL else set(state.events) | set(seen) | {health}
    records: list[EventRecord] = []
    transitions: list[Transition] = []
    for fingerprint in sorted(candidates):
        before = state.events.get(fingerprint)
        after, moved = advance(
            before, seen=fingerprint in seen, now=now, gate=spec.gate, fingerprint=fingerprint
        )
        if after is not None and after != before:
            records.append(after)
        transitions.extend(moved)
    return records, transitions, seen
