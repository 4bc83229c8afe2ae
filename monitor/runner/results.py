"""The in-memory run rows the pipeline returns (``check --json``, the observer), built from a
claim and what became of it: judged, spooled, unrecordable or skipped.

They carry the same keys as a stored ``runs`` row so ``runview.run_view`` renders both alike.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from monitor.core.judge import Judgement
from monitor.core.model import Severity
from monitor.core.observation import Observation
from monitor.storage.records import RunClaim


def evidence_extra(observation: Observation, config_hash: str) -> dict[str, Any]:
    """Evidence beyond the columns: where the request went, under which config."""
    url = urlsplit(observation.url)
    return {"host": url.netloc, "path": url.path, "config_hash": config_hash}


def _claim_fields(claim: RunClaim) -> dict[str, Any]:
    return {
        "id": claim.run_id,
        "probe": claim.probe,
        "target": claim.target,
        "trigger": claim.trigger,
        "slot_at": claim.slot_at,
        "started_at": claim.started_at,
    }


def _observed_fields(observation: Observation, trace_id: str) -> dict[str, Any]:
    return {
        "status_code": observation.status_code,
        "latency_ms": round(observation.latency_ms, 3),
        "attempts": len(observation.attempts) or 1,
        "trace_id": trace_id,
    }


def skipped_row(claim: RunClaim, reason: str) -> dict[str, Any]:
    """Not sent (circuit open, budget): no observation, no judgement."""
    return {
        **_claim_fields(claim),
        "outcome": "skipped",
        "attempts": 0,
        "note": reason,
        "findings": [],
    }


def spooled_row(
    claim: RunClaim, observation: Observation, trace_id: str, reason: str
) -> dict[str, Any]:
    """Probed but not yet recorded: the outcome is decided when the spool is replayed."""
    return {
        **_claim_fields(claim),
        "outcome": None,
        **_observed_fields(observation, trace_id),
        "note": f"spooled: {reason}; it is recorded when the database answers again",
        "findings": [],
    }


def judged_row(
    claim: RunClaim,
    observation: Observation,
    judgement: Judgement,
    trace_id: str,
    request_id: str | None,
) -> dict[str, Any]:
    baseline = judgement.baseline
    lead = next((f for f in judgement.findings if f.severity is Severity.BREAKING), None)
    return {
        **_claim_fields(claim),
        "outcome": judgement.outcome.value,
        **_observed_fields(observation, trace_id),
        "request_id": request_id,
        "category": judgement.category.value if judgement.category else None,
        "verdict": judgement.verdict.value if judgement.verdict else None,
        "baseline_class": baseline.response_class.value if baseline else None,
        "baseline_state": baseline.state if baseline else None,
        "baseline_version": baseline.version if baseline else None,
        "findings": [f.to_json() for f in judgement.findings],
        "error": lead.message if lead and judgement.outcome.value == "fail" else None,
        "ledger": [entry.to_json() for entry in judgement.ledger],
    }
