"""A run's effect on events: which fingerprints it saw, and every event advanced once.

Documentation drift (response findings from the contract) is grouped into ONE event per
response class and capped at ``warning``: a provider that never matched its docs raises one
event, not a stream; a contract finding that touches an assumption stays breaking on its own.
A failed run says nothing about drift (there is no answer): only the probe's health event moves.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.core.events import EventRecord, Transition, advance
from monitor.core.model import Finding, Outcome, Severity, Source
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
        for f in findings:
            if f.severity.rank >= Severity.WARNING.rank:
                seen.setdefault(f.fingerprint(spec.name), f)
        seen.update(group_summaries(spec.name, findings))
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
