"""Judge one observation: the pure heart of ``run_once``.

observation -> (transport | status | body) checks -> shape -> baseline learn or diff ->
contract (through the ``ContractOracle`` passed in) -> assumption ledger -> overrides ->
classification -> outcome -> event transitions. The caller loads ``ProbeState`` and persists
the ``Judgement`` in the same transaction, so two processes never judge against stale state.

Documentation drift (response findings from the contract) is grouped into ONE event per
response class and capped at ``warning``: a provider that never matched its docs raises one
event, not a stream; a contract finding that touches an assumption stays breaking on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from monitor.core.assumptions import (
    Assumptions,
    Evidence,
    LedgerEntry,
    build_ledger,
    raise_touching,
    unexplained,
)
from monitor.core.baseline import BaselineRecord, LearnPolicy, learn
from monitor.core.body import ParsedBody, is_json_media_type, parse_json_body
from monitor.core.chunks import read_stream
from monitor.core.classify import ClassifyContext, classify
from monitor.core.diff import diff_shapes, refine_null_only
from monitor.core.documented import ContractOracle, ContractResult, Exchange
from monitor.core.events import EventGate, EventRecord, Transition, advance
from monitor.core.failures import error_param, failure_findings
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
from monitor.core.overrides import Overrides, apply_overrides
from monitor.core.shape import Shape, infer_shape
from monitor.core.watch import update_watch

HEALTH_KIND = "probe-failing"
DOCUMENTATION_DRIFT = "documentation-drift"


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
    assumptions: Assumptions | None = None
    overrides: Overrides = field(default_factory=Overrides)


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
    ledger: tuple[LedgerEntry, ...] = ()


@dataclass
class _Body:
    """What the body stage produced (the stream stage will fill the same fields)."""

    findings: list[Finding] = field(default_factory=list)
    document: Any = None
    parsed: bool = False
    chunks: tuple[Any, ...] = ()  # a stream's representative chunks, for the contract
    shape: Shape | None = None
    response_class: ResponseClass | None = None
    baseline: BaselineRecord | None = None
    changed: bool = False


def judge(
    observation: Observation,
    spec: ProbeSpec,
    state: ProbeState,
    now: datetime,
    kind_checks: Callable[[Any], Sequence[Finding]] | None = None,
    contract: ContractOracle | None = None,
) -> Judgement:
    """Judge ``observation``; ``kind_checks`` adds the probe kind's findings on the document,
    ``contract`` the published contract's (both are computed outside the pure core)."""
    failure = failure_findings(observation, spec.expected_status)
    parsed = _parse(observation)
    body = _Body(findings=list(failure))
    if not failure:
        if observation.stream is not None:
            body = _judge_stream(observation, spec, state, now)
        else:
            body = _judge_body(observation, spec, state, now, parsed)
        if body.parsed and kind_checks is not None:
            checked = list(kind_checks(body.document))
            body.findings.extend(checked)
            if any(f.source is Source.PARSER for f in checked):
                _unlearn(body)  # e.g. an error envelope in a 200: no answer to compare or learn
    elif parsed is not None and parsed.ok:
        body.document, body.parsed = parsed.value, True
    request = observation.request_body if isinstance(observation.request_body, dict) else {}
    param = error_param(body.document, request) if failure else None
    findings = body.findings
    if param is not None:
        findings = [_naming(f, param) for f in findings]
    result = _ask_contract(contract, observation, body)
    findings.extend(result.findings if result else ())

    active = state.baselines.get(body.response_class or ResponseClass.SUCCESS)
    ledger = build_ledger(
        spec.assumptions,
        Evidence(
            status=observation.status_code if observation.failure is None else None,
            expected_status=spec.expected_status,
            headers=observation.response_headers,
            request_body=request,
            document=body.document,
            parsed=body.parsed,
            baseline=active.shape if active is not None and active.is_active else None,
            contract=result,
            error_param=param,
        ),
    )
    findings = raise_touching(findings, spec.assumptions)
    findings.extend(unexplained(ledger, findings))
    findings = [_group_documentation(f) for f in findings]
    findings = apply_overrides(findings, spec.overrides, now)

    accepted_before = any(b.is_active for b in state.baselines.values())
    ctx = ClassifyContext(
        accepted_before=accepted_before,
        status_code=observation.status_code,
        contract_configured=contract is not None,
        baseline_paths=frozenset(f.path for f in findings if f.source is Source.BASELINE),
        contract_paths=frozenset(
            f.path
            for f in findings
            if f.source is Source.CONTRACT and not f.kind.startswith("request-")
        ),
        request_fields=frozenset(str(k) for k in request),
        error_param=param,
    )
    findings = [classify(f, ctx) for f in findings]
    failed = bool(failure) or any(
        f.source is Source.PARSER and f.severity is Severity.BREAKING for f in findings
    )
    outcome = _outcome(findings, failed)
    lead = _lead(findings)

    events, transitions, event_findings = _advance_events(spec, state, findings, outcome, now)
    return Judgement(
        outcome=outcome,
        findings=tuple(findings),
        category=lead.category if lead else None,
        verdict=lead.verdict if lead else None,
        response_class=body.response_class,
        shape=body.shape,
        document=body.document,
        baseline=body.baseline,
        baseline_changed=body.changed,
        events=tuple(events),
        transitions=tuple(transitions),
        event_findings=event_findings,
        ledger=tuple(ledger),
    )


def _parse(observation: Observation) -> ParsedBody | None:
    if observation.failure is not None or not observation.body:
        return None
    if not is_json_media_type(observation.media_type):
        return None
    return parse_json_body(observation.body, truncated=observation.body_truncated)


def _judge_body(
    observation: Observation,
    spec: ProbeSpec,
    state: ProbeState,
    now: datetime,
    parsed: ParsedBody | None,
) -> _Body:
    if parsed is None:
        parsed = parse_json_body(observation.body, truncated=observation.body_truncated)
    out = _Body()
    if not parsed.ok:
        out.findings.append(
            Finding(
                kind=parsed.error_kind or "body-unparseable",
                path="",
                severity=Severity.BREAKING,
                source=Source.PARSER,
                message=f"the body is not valid JSON: {parsed.error}",
            )
        )
        return out
    out.document, out.parsed = parsed.value, True
    if parsed.duplicate_keys:
        keys = ", ".join(sorted(set(parsed.duplicate_keys)))
        out.findings.append(
            Finding(
                kind="duplicate-keys",
                path="",
                severity=Severity.WARNING,
                source=Source.PARSER,
                message=f"the body repeats keys ({keys}); strict parsers reject it",
                after=sorted(set(parsed.duplicate_keys)),
            )
        )
    status = observation.status_code or 0
    cls = ResponseClass.SUCCESS if status < 400 else ResponseClass.ERROR
    out.response_class = cls
    out.shape = infer_shape(parsed.value, spec.enum_paths, observation.response_headers)
    return _against_baseline(out, spec, state, now)


def _judge_stream(
    observation: Observation, spec: ProbeSpec, state: ProbeState, now: datetime
) -> _Body:
    """A streamed answer: one chunk shape per stream (its own baseline class), the deltas
    reassembled into the document, and what the stream alone shows (``core.chunks``)."""
    assert observation.stream is not None
    reading = read_stream(observation.stream, spec.enum_paths)
    out = _Body(findings=list(reading.findings), document=reading.document, chunks=reading.samples)
    if not reading.ok:
        return out  # no valid answer: nothing to compare or learn
    out.parsed, out.response_class, out.shape = True, ResponseClass.CHUNK, reading.shape
    return _against_baseline(out, spec, state, now)


def _unlearn(body: _Body) -> None:
    body.findings = [f for f in body.findings if f.source is not Source.BASELINE]
    body.baseline, body.changed = None, False


def _against_baseline(out: _Body, spec: ProbeSpec, state: ProbeState, now: datetime) -> _Body:
    cls = out.response_class
    assert cls is not None
    assert out.shape is not None
    current = state.baselines.get(cls)
    if current is not None and current.is_active:
        assumed = spec.assumed_paths | (
            spec.assumptions.assumed_paths if spec.assumptions else frozenset()
        )
        out.findings.extend(
            diff_shapes(
                current.shape,
                out.shape,
                response_class=cls,
                assumed_paths=assumed,
                watch=current.watch,
            )
        )
        refined = refine_null_only(current.shape, out.shape) or current.shape
        watch = update_watch(current.watch, current.shape, out.shape)
        out.baseline = replace(current, shape=refined, watch=watch)
    else:
        out.baseline = learn(
            current,
            out.shape,
            probe=spec.name,
            request_hash=spec.request_hash,
            response_class=cls,
            now=now,
            policy=spec.learn,
            next_version=state.next_version.get(cls, 1),
        )
    out.changed = True
    return out


def _ask_contract(
    contract: ContractOracle | None, observation: Observation, body: _Body
) -> ContractResult | None:
    if contract is None:
        return None
    stream = observation.stream
    # A stream's reassembled answer is not a documented body: its chunks are what is checked.
    return contract.check(
        Exchange(
            method=observation.method,
            url=observation.url,
            request_body=observation.request_body,
            status=None if observation.failure is not None else observation.status_code,
            media_type=observation.media_type if stream is None else stream.media_type,
            headers=observation.response_headers,
            document=body.document if body.parsed and stream is None else None,
            shape=body.shape,
            body_size=len(observation.body),
            chunks=None if stream is None else body.chunks,
        )
    )


def _naming(finding: Finding, param: str) -> Finding:
    if finding.kind != "status-changed":
        return finding
    return replace(
        finding,
        message=f"{finding.message}; the error names `{param}`, which the probe sends",
        extra={**finding.extra, "param": param},
    )


def _group_documentation(finding: Finding) -> Finding:
    if finding.source is not Source.CONTRACT or finding.kind.startswith("request-"):
        return finding
    if finding.extra.get("assumed") or finding.severity is Severity.INFO:
        return finding
    return replace(finding, severity=Severity.WARNING, event_group=DOCUMENTATION_DRIFT)


def _group_summaries(probe: str, findings: list[Finding]) -> dict[str, Finding]:
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
        seen.update(_group_summaries(spec.name, findings))
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
