"""Judge one observation: the pure heart of ``run_once``.

observation -> failures (``core.failures``) -> the answer, learned or compared with the
baseline (``core.answer``) -> the probe kind's checks -> the contract (through the
``ContractOracle`` passed in; a stream's chunks too) -> assumption ledger -> documentation
grouping -> overrides -> classification -> outcome -> event transitions (``core.run_events``).
The caller loads ``ProbeState`` and persists the ``Judgement`` in the same transaction, so two
processes never judge against stale state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from monitor.core.answer import Answer, read_answer
from monitor.core.assumptions import (
    Evidence,
    LedgerEntry,
    build_ledger,
    raise_touching,
    unexplained,
)
from monitor.core.baseline import BaselineRecord
from monitor.core.classify import ClassifyContext, classify
from monitor.core.documented import ContractOracle, ContractResult, Exchange
from monitor.core.events import EventRecord, Transition
from monitor.core.failures import error_param, failure_findings, name_param
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
from monitor.core.overrides import apply_overrides
from monitor.core.run_events import (
    DOCUMENTATION_DRIFT,
    HEALTH_KIND,
    advance_events,
    group_documentation,
    health_fingerprint,
    lead_finding,
)
from monitor.core.shape.stats import Shape
from monitor.core.spec import ProbeSpec, ProbeState
from monitor.core.taxonomy import STATUS_CHANGED

__all__ = [
    "DOCUMENTATION_DRIFT",
    "HEALTH_KIND",
    "Judgement",
    "ProbeSpec",
    "ProbeState",
    "health_fingerprint",
    "judge",
]


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
    body = read_answer(observation, spec, state, now, failure, kind_checks)
    request = observation.request_body if isinstance(observation.request_body, dict) else {}
    param = error_param(body.document, request) if failure else None
    findings = body.findings
    if param is not None:
        findings = [name_param(f, param) for f in findings]
    result = ask_contract(
        contract, observation, body, request_invalid_on_purpose=spec.request_invalid_on_purpose
    )
    findings.extend(result.findings if result else ())

    active = state.baselines.get(body.response_class or ResponseClass.SUCCESS)
    ledger = build_ledger(
        spec.assumptions,
        Evidence(
            status=observation.status_code if observation.failure is None else None,
            expected_status=spec.expected_status,
            headers=observation.response_headers,
            headers_captured=observation.headers_captured,
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
    findings = [group_documentation(f) for f in findings]
    findings = apply_overrides(findings, spec.overrides, now)

    ctx = ClassifyContext(
        accepted_before=any(b.is_active for b in state.baselines.values()),
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
        key_changed=key_changed(observation, state),
    )
    findings = [classify(note_key_change(f, observation, state, ctx), ctx) for f in findings]
    failed = bool(failure) or any(
        f.source is Source.PARSER and f.severity is Severity.BREAKING for f in findings
    )
    outcome = outcome_of(findings, failed)
    lead = lead_finding(findings)

    events, transitions, event_findings = advance_events(spec, state, findings, outcome, now)
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


def key_changed(observation: Observation, state: ProbeState) -> bool:
    sent, passed = observation.key_fingerprint, state.last_pass_key
    return sent is not None and passed is not None and sent != passed


def note_key_change(
    f: Finding, observation: Observation, state: ProbeState, ctx: ClassifyContext
) -> Finding:
    """A 401/403 with another key than the last pass used: the evidence points at our side."""
    if not ctx.key_changed or f.kind != STATUS_CHANGED or f.after not in (401, 403):
        return f
    note = (
        f"the key changed since the last pass (fingerprint {state.last_pass_key} -> "
        f"{observation.key_fingerprint}): check the new key"
    )
    return replace(f, message=f"{f.message}; {note}", extra={**f.extra, "key_changed": True})


def ask_contract(
    contract: ContractOracle | None,
    observation: Observation,
    body: Answer,
    *,
    request_invalid_on_purpose: bool = False,
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
            request_invalid_on_purpose=request_invalid_on_purpose,
        )
    )


def outcome_of(findings: list[Finding], failed: bool) -> Outcome:
    if failed:
        return Outcome.FAIL
    worst = worst_severity(findings)
    if worst is not None and worst.rank >= Severity.WARNING.rank:
        return Outcome.DRIFT
    return Outcome.PASS
