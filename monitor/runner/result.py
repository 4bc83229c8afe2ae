"""``RunResult``: what a run returns (``check --json``, the observer, the demo, tests), built
from a claim and what became of it: judged, spooled, unrecordable or skipped.

Frozen and typed; ``view()`` is the run's one JSON shape (``monitor.views.run.run_view``, the
same as a stored run's), so ``check --json`` reads exactly as ``history --json`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from monitor.core.assumptions import LedgerEntry
from monitor.core.judge import Judgement
from monitor.core.model import Finding, Severity
from monitor.core.observation import Observation
from monitor.storage.records import RunClaim
from monitor.views.run import run_view


def evidence_extra(observation: Observation, config_hash: str) -> dict[str, Any]:
    """Evidence beyond the columns: where the request went, under which config."""
    url = urlsplit(observation.url)
    return {"host": url.netloc, "path": url.path, "config_hash": config_hash}


@dataclass(frozen=True)
class RunResult:
    run_id: str
    probe: str
    target: str
    trigger: str
    slot_at: datetime | None
    started_at: datetime
    outcome: str | None  # pass, drift, fail, skipped; None: spooled, decided at replay
    attempts: int = 0
    status_code: int | None = None
    latency_ms: float | None = None
    trace_id: str | None = None
    request_id: str | None = None
    category: str | None = None
    verdict: str | None = None
    baseline_class: str | None = None
    baseline_state: str | None = None
    baseline_version: int | None = None
    findings: tuple[Finding, ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()
    note: str | None = None
    error: str | None = None

    @property
    def spooled(self) -> bool:
        return self.outcome is None

    def as_row(self) -> dict[str, Any]:
        """The same keys as a stored ``runs`` row (with its ``findings``)."""
        return {
            "id": self.run_id,
            "probe": self.probe,
            "target": self.target,
            "trigger": self.trigger,
            "slot_at": self.slot_at,
            "started_at": self.started_at,
            "outcome": self.outcome,
            "status_code": self.status_code,
            "latency_ms": self.latency_ms,
            "attempts": self.attempts,
            "trace_id": self.trace_id,
            "request_id": self.request_id,
            "category": self.category,
            "verdict": self.verdict,
            "baseline_class": self.baseline_class,
            "baseline_state": self.baseline_state,
            "baseline_version": self.baseline_version,
            "findings": [f.to_json() for f in self.findings],
            "ledger": [entry.to_json() for entry in self.ledger],
            "note": self.note,
            "error": self.error,
        }

    def view(self) -> dict[str, Any]:
        """The run's JSON shape (``--json``, the API), as for a stored run."""
        return run_view(self.as_row())

    @classmethod
    def skipped(cls, claim: RunClaim, reason: str) -> RunResult:
        """Not sent (circuit open, budget): no observation, no judgement."""
        return replace(cls._of(claim, "skipped"), attempts=0, note=reason)

    @classmethod
    def spooled_run(
        cls, claim: RunClaim, observation: Observation, trace_id: str, reason: str
    ) -> RunResult:
        """Probed but not yet recorded: the outcome is decided when the spool is replayed."""
        return replace(
            cls._of(claim, None)._observed(observation, trace_id),
            note=f"spooled: {reason}; it is recorded when the database answers again",
        )

    def unrecordable(self, reason: str) -> RunResult:
        """A spooled-looking result the database refused for good: closed as failed."""
        return replace(self, outcome="fail", error=reason, note="the result could not be stored")

    @classmethod
    def judged(
        cls,
        claim: RunClaim,
        observation: Observation,
        judgement: Judgement,
        trace_id: str,
        request_id: str | None,
    ) -> RunResult:
        baseline = judgement.baseline
        lead = next((f for f in judgement.findings if f.severity is Severity.BREAKING), None)
        failed = judgement.outcome.value == "fail"
        return replace(
            cls._of(claim, judgement.outcome.value)._observed(observation, trace_id),
            request_id=request_id,
            category=judgement.category.value if judgement.category else None,
            verdict=judgement.verdict.value if judgement.verdict else None,
            baseline_class=baseline.response_class.value if baseline else None,
            baseline_state=baseline.state if baseline else None,
            baseline_version=baseline.version if baseline else None,
            findings=tuple(judgement.findings),
            error=lead.message if lead and failed else None,
            ledger=tuple(judgement.ledger),
        )

    @classmethod
    def _of(cls, claim: RunClaim, outcome: str | None) -> RunResult:
        return cls(
            run_id=claim.run_id,
            probe=claim.probe,
            target=claim.target,
            trigger=claim.trigger,
            slot_at=claim.slot_at,
            started_at=claim.started_at,
            outcome=outcome,
        )

    def _observed(self, observation: Observation, trace_id: str) -> RunResult:
        return replace(
            self,
            status_code=observation.status_code,
            latency_ms=round(observation.latency_ms, 3),
            attempts=len(observation.attempts) or 1,
            trace_id=trace_id,
        )
