"""Judge one observation: the pure heart of ``run_once``.

observation -> (transport | status | body) checks -> shape -> baseline learn or diff ->
classification -> outcome -> event transitions. The caller loads ``ProbeState`` and persists the
``Judgement`` in the same transaction, so two processes never judge against stale state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.core.baseline import BaselineRecord, LearnPolicy, learn
from monitor.core.body import is_json_media_type, parse_json_body
from monitor.core.chunks import read_stream
from monitor.core.classify import ClassifyContext, classify
from monitor.core.diff import diff_shapes
from monitor.core.events import EventGate, EventRecord, Transition, advance
from monitor.core.model import (
    Category,
    Finding,
    Outcome,
    ResponseClass,
    Severity,
    Source,
    Verdict,
    worst_severity,
)
from monitor.core.observation import Observation
from monitor.core.shape import Shape, infer_shape

HEALTH_KIND = "probe-failing"


def health_fingerprint(probe: str) -> str:
    return f"{probe}|health|{HEALTH_KIND}|"


@dataclass(frozen=True)
class ProbeSpec:
    """What the judge needs to know about a probe (built from config by the caller)."""

    name: str
    target: str
    request_hash: str
    expected_status: frozenset[int] = frozenset({200})
    learn: LearnPolicy = field(default_factory=LearnPolicy)
    gate: EventGate = field(default_factory=EventGate)
    assumed_paths: frozenset[str] = frozenset()
    enum_paths: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProbeState:
    """The persisted state a judgement starts from."""

    baselines: Mapping[ResponseClass, BaselineRecord] = field(default_factory=dict)
    events: Mapping[str, EventRecord] = field(default_factory=dict)
    next_version: Mapping[ResponseClass, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    findings: tuple[Finding, ...]
    category: Category | None = None
    verdict: Verdict | None = None
    response_class: ResponseClass | None = None
    shape: Shape | None = None
    document: Any = None
    baseline: BaselineRecord | None = None
    baseline_changed: bool = False
    events: tuple[EventRecord, ...] = ()
    transitions: tuple[Transition, ...] = ()
    event_findings: Mapping[str, Finding] = field(default_factory=dict)


def judge(
    observation: Observation,
    spec: ProbeSpec,
    state: ProbeState,
    now: datetime,
    kind_checks: Callable[[Any], Sequence[Finding]] | None = None,
) -> Judgement:
    """Judge ``observation``; ``kind_checks`` adds the probe kind's findings on the document."""
    failure = _failure_findings(observation, spec)
    baseline: BaselineRecord | None = None
    changed = False
    shape: Shape | None = None
    document: Any = None
    response_class: ResponseClass | None = None
    findings: list[Finding] = list(failure)
    if not failure:
        if observation.stream is not None:
            # A streamed answer: one chunk shape per stream, the deltas reassembled (core.chunks).
            reading = read_stream(observation.stream, spec.enum_paths)
            findings.extend(reading.findings)
            readable, document = reading.ok, reading.document
            response_class, shape = ResponseClass.CHUNK, reading.shape
        else:
            parsed = parse_json_body(observation.body, truncated=observation.body_truncated)
            readable = parsed.ok
            if not parsed.ok:
                findings.append(
                    Finding(
                        kind=parsed.error_kind or "body-unparseable",
                        path="",
                        severity=Severity.BREAKING,
                        source=Source.PARSER,
                        message=f"the body is not valid JSON: {parsed.error}",
                    )
                )
            else:
                document = parsed.value
                status = observation.status_code or 0
                response_class = ResponseClass.SUCCESS if status < 400 else ResponseClass.ERROR
                shape = infer_shape(document, spec.enum_paths)
        if readable:
            assert response_class is not None
            assert shape is not None
            # Kind checks first: a body they reject (an error envelope in a 200) is not learned.
            checked = list(kind_checks(document)) if kind_checks is not None else []
            findings.extend(checked)
            rejected = any(f.source is Source.PARSER for f in checked)
            current = state.baselines.get(response_class)
            if rejected:
                pass  # no valid answer: nothing to compare or learn
            elif current is not None and current.is_active:
                baseline = current
                findings.extend(
                    diff_shapes(
                        current.shape,
                        shape,
                        response_class=response_class,
                        assumed_paths=spec.assumed_paths,
                    )
                )
            else:
                baseline = learn(
                    current,
                    shape,
                    probe=spec.name,
                    request_hash=spec.request_hash,
                    response_class=response_class,
                    now=now,
                    policy=spec.learn,
                    next_version=state.next_version.get(response_class, 1),
                )
                changed = True

    accepted_before = any(b.is_active for b in state.baselines.values())
    ctx = ClassifyContext(accepted_before=accepted_before, status_code=observation.status_code)
    findings = [classify(f, ctx) for f in findings]
    failed = bool(failure) or any(f.source is Source.PARSER for f in findings)
    outcome = _outcome(findings, failed)
    lead = _lead(findings)

    events, transitions, event_findings = _advance_events(spec, state, findings, outcome, now)
    return Judgement(
        outcome=outcome,
        findings=tuple(findings),
        category=lead.category if lead else None,
        verdict=lead.verdict if lead else None,
        response_class=response_class,
        shape=shape,
        document=document,
        baseline=baseline,
        baseline_changed=changed,
        events=tuple(events),
        transitions=tuple(transitions),
        event_findings=event_findings,
    )


def _failure_findings(observation: Observation, spec: ProbeSpec) -> list[Finding]:
    if observation.failure is not None:
        return [
            Finding(
                kind=observation.failure.kind,
                path="",
                severity=Severity.BREAKING,
                source=Source.TRANSPORT,
                message=observation.failure.message,
            )
        ]
    status = observation.status_code
    if status not in spec.expected_status:
        expected = ", ".join(str(s) for s in sorted(spec.expected_status))
        return [
            Finding(
                kind="status-changed",
                path="",
                severity=Severity.BREAKING,
                source=Source.EXPECTATION,
                message=f"HTTP {status}; the probe expects {expected}",
                before=sorted(spec.expected_status),
                after=status,
            )
        ]
    if (
        observation.stream is None
        and observation.body
        and not is_json_media_type(observation.media_type)
    ):
        return [
            Finding(
                kind="media-type-changed",
                path="",
                severity=Severity.BREAKING,
                source=Source.PARSER,
                message=f"content-type {observation.content_type or 'missing'!r} is not JSON",
                before="application/json",
                after=observation.media_type or None,
            )
        ]
    return []


def _outcome(findings: list[Finding], failed: bool) -> Outcome:
    if failed:
        return Outcome.FAIL
    worst = worst_severity(findings)
    if worst is not None and worst.rank >= Severity.WARNING.rank:
        return Outcome.DRIFT
    return Outcome.PASS


def _lead(findings: list[Finding]) -> Finding | None:
    ranked = [f for f in findings if f.severity.rank >= Severity.WARNING.rank]
    if not ranked:
        return None
    return max(ranked, key=lambda f: f.severity.rank)


def _advance_events(
    spec: ProbeSpec,
    state: ProbeState,
    findings: list[Finding],
    outcome: Outcome,
    now: datetime,
) -> tuple[list[EventRecord], list[Transition], dict[str, Finding]]:
    health = health_fingerprint(spec.name)
    seen: dict[str, Finding] = {}
    if outcome is Outcome.FAIL:
        lead = _lead(findings)
        if lead is not None:
            seen[health] = lead
    else:
        for f in findings:
            if f.severity.rank >= Severity.WARNING.rank:
                seen.setdefault(f.fingerprint(spec.name), f)
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
