"""Building an outbox row's ``AlertPayload`` (``monitor.core.alert_payload``) from the event
row, the transition and the run that moved it. Pure; the column holds ``payload.to_json()``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.config.timeparse import iso_z
from monitor.core.alert_payload import (
    AlertEvent,
    AlertFinding,
    AlertPayload,
    AlertProbe,
    AlertRun,
    AlertTransition,
)
from monitor.core.events import Transition
from monitor.core.judge import Judgement
from monitor.core.model import ResponseClass, Severity
from monitor.storage.records import RunCompletion

MAX_FINDINGS_IN_ALERT = 20


def run_payload(
    completion: RunCompletion,
    judgement: Judgement,
    transition: Transition,
    transition_id: str,
    event: Mapping[str, Any],
) -> AlertPayload:
    obs = completion.observation
    run_findings = [
        AlertFinding.from_json(f.to_json())
        for f in judgement.findings
        if f.severity.rank >= Severity.WARNING.rank
    ][:MAX_FINDINGS_IN_ALERT]
    run = AlertRun(
        id=completion.claim.run_id,
        trace_id=completion.trace_id,
        span_id=completion.span_id,
        request_id=completion.request_id,
        status_code=obs.status_code,
        outcome=judgement.outcome.value,
        started_at=iso_z(completion.claim.started_at),
        latency_ms=round(obs.latency_ms, 1),
    )
    return event_payload(event, transition, transition_id, run, run_findings, completion.probe_info)


def event_payload(
    event: Mapping[str, Any],
    transition: Transition,
    transition_id: str,
    run: AlertRun | None,
    findings: list[AlertFinding],
    probe_info: Mapping[str, Any],
) -> AlertPayload:
    """``event``: the ``events`` row as it stands after the transition was written."""
    return AlertPayload(
        event=AlertEvent(
            id=event["id"],
            fingerprint=event["fingerprint"],
            probe=event["probe"],
            target=event["target"],
            response_class=event["response_class"] or ResponseClass.SUCCESS.value,
            kind=event["kind"],
            path=event["path"],
            severity=event["severity"],
            category=event["category"],
            verdict=event["verdict"],
            message=event["message"],
            before=event["before"],
            after=event["after"],
            state=event["state"],
            first_seen=iso_z(event["first_seen"]),
            opened_at=iso_z(event["opened_at"]),
            resolved_at=iso_z(event["resolved_at"]),
            run_count=event["run_count"],
            last_run_id=event["last_run_id"],
            last_trace_id=event["last_trace_id"],
            last_request_id=event["last_request_id"],
        ),
        transition=AlertTransition(
            id=transition_id,
            from_state=transition.from_state.value if transition.from_state else None,
            to_state=transition.to_state.value,
            reason=transition.reason,
            at=iso_z(transition.at),
        ),
        run=run,
        findings=tuple(findings),
        probe=AlertProbe.from_json(probe_info),
    )
