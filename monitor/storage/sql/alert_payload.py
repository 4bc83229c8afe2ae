"""What an outbox row says: a snapshot of the event, the transition, the run and its findings,
so delivery (maybe in another process, maybe after a restart) needs nothing else. Pure."""

from __future__ import annotations

from typing import Any

from monitor.config.timeparse import iso_z
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
    event: Any,
) -> dict[str, Any]:
    obs = completion.observation
    run_findings = [
        f.to_json() for f in judgement.findings if f.severity.rank >= Severity.WARNING.rank
    ][:MAX_FINDINGS_IN_ALERT]
    run = {
        "id": completion.claim.run_id,
        "trace_id": completion.trace_id,
        "span_id": completion.span_id,
        "request_id": completion.request_id,
        "status_code": obs.status_code,
        "outcome": judgement.outcome.value,
        "started_at": iso_z(completion.claim.started_at),
        "latency_ms": round(obs.latency_ms, 1),
    }
    return event_payload(
        event, transition, transition_id, run, run_findings, dict(completion.probe_info)
    )


def event_payload(
    event: Any,
    transition: Transition,
    transition_id: str,
    run: dict[str, Any],
    findings: list[dict[str, Any]],
    probe_info: dict[str, Any],
) -> dict[str, Any]:
    return {
        "event": {
            "id": event["id"],
            "fingerprint": event["fingerprint"],
            "probe": event["probe"],
            "target": event["target"],
            "response_class": event["response_class"] or ResponseClass.SUCCESS.value,
            "kind": event["kind"],
            "path": event["path"],
            "severity": event["severity"],
            "category": event["category"],
            "verdict": event["verdict"],
            "message": event["message"],
            "before": event["before"],
            "after": event["after"],
            "state": event["state"],
            "first_seen": iso_z(event["first_seen"]),
            "opened_at": iso_z(event["opened_at"]),
            "resolved_at": iso_z(event["resolved_at"]),
            "run_count": event["run_count"],
            # The run that last saw it (a resolution's own run is a clean one).
            "last_run_id": event["last_run_id"],
            "last_trace_id": event["last_trace_id"],
            "last_request_id": event["last_request_id"],
        },
        "transition": {
            "id": transition_id,
            "from": transition.from_state.value if transition.from_state else None,
            "to": transition.to_state.value,
            "reason": transition.reason,
            "at": iso_z(transition.at),
        },
        "run": run,
        "findings": findings,
        "probe": probe_info,
    }
