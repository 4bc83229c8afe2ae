"""The vocabulary shared by every stage: severities, outcomes, categories, verdicts, findings.

Categories and verdicts are the seed checklist's words (``../shared/seed``): each mismatch is a
client bug, documentation drift, deployment drift or a vendor question, in one of seven narrow
failure categories with a typical owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    BREAKING = "breaking"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.BREAKING: 2}


class Outcome(StrEnum):
    PASS = "pass"  # no finding of warning or above
    DRIFT = "drift"  # a finding of warning or above
    FAIL = "fail"  # no valid answer or an unexpected status
    SKIPPED = "skipped"  # not sent: circuit open, budget, coalesced slot


class DeliveryResult(StrEnum):
    """What one delivery attempt of an alert came to (``delivery_attempts.result``; the values
    are stored, printed and used as a metric label, so they never change)."""

    DELIVERED = "delivered"
    RETRY = "retry"  # failed for now: the row is due again at ``next_attempt_at``
    FAILED = "failed"  # permanent (or an unknown outcome twice): surfaced, not retried
    SUPPRESSED = "suppressed"  # not sent on purpose (a maintenance window, a policy)
    UNKNOWN = "unknown"  # the sender's lease expired mid-send: it may have been sent


class Source(StrEnum):
    BASELINE = "baseline"  # differs from what this endpoint returned before
    CONTRACT = "contract"  # differs from the published OpenAPI document
    TRANSPORT = "transport"  # the request did not complete (connect, TLS, timeout, ...)
    PARSER = "parser"  # the body could not be read (not JSON, truncated, bad UTF-8)
    EXPECTATION = "expectation"  # the probe's own expectations (status, assumptions, SLOs)


class Category(StrEnum):
    ENDPOINT_MISMATCH = "endpoint_mismatch"
    AUTH_MISMATCH = "auth_mismatch"
    REQUEST_SCHEMA_MISMATCH = "request_schema_mismatch"
    RESPONSE_PARSER_MISMATCH = "response_parser_mismatch"
    TIMEOUT_RETRY_MISMATCH = "timeout_retry_mismatch"
    USAGE_BILLING_ASSUMPTION = "usage_billing_assumption"
    UNKNOWN_EXTERNAL_BEHAVIOR = "unknown_external_behavior"


# The seed's "typical owner" column, used by reports and the example route table.
TYPICAL_OWNER: dict[Category, str] = {
    Category.ENDPOINT_MISMATCH: "platform/client team",
    Category.AUTH_MISMATCH: "platform/security",
    Category.REQUEST_SCHEMA_MISMATCH: "application team",
    Category.RESPONSE_PARSER_MISMATCH: "application team",
    Category.TIMEOUT_RETRY_MISMATCH: "platform/SRE",
    Category.USAGE_BILLING_ASSUMPTION: "FinOps/platform",
    Category.UNKNOWN_EXTERNAL_BEHAVIOR: "incident commander",
}


# Alerts the monitor raises about itself (stale probes, failing sinks) route with these.
SELF_CATEGORY = "monitor_health"
SELF_PROBE = "@monitor"


class Verdict(StrEnum):
    CLIENT_BUG = "client_bug"
    DOCUMENTATION_DRIFT = "documentation_drift"
    DEPLOYMENT_DRIFT = "deployment_drift"
    VENDOR_QUESTION = "vendor_question"


class ResponseClass(StrEnum):
    SUCCESS = "success"  # a 2xx JSON body
    ERROR = "error"  # a 4xx/5xx error envelope
    CHUNK = "chunk"  # one SSE chunk of a streamed answer


class EventState(StrEnum):
    SUSPECTED = "suspected"
    OPEN = "open"
    RESOLVED = "resolved"


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    CHECK = "check"


@dataclass(frozen=True)
class Finding:
    """One judged difference. ``kind`` is a stable kebab-case id from the drift taxonomy."""

    kind: str
    path: str
    severity: Severity
    source: Source
    message: str
    category: Category = Category.UNKNOWN_EXTERNAL_BEHAVIOR
    verdict: Verdict = Verdict.VENDOR_QUESTION
    before: Any = None
    after: Any = None
    response_class: ResponseClass = ResponseClass.SUCCESS
    # For enum findings the new value is part of the identity of the drift (issue: fingerprint).
    value_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Findings sharing a group share one event: documentation drift is one event, not one
    # per undocumented detail (the fingerprint becomes ``probe|class|group|``).
    event_group: str | None = None

    def fingerprint(self, probe: str) -> str:
        if self.event_group is not None:
            return "|".join([probe, self.response_class.value, self.event_group, ""])
        parts = [probe, self.response_class.value, self.kind, self.path]
        if self.value_key is not None:
            parts.append(self.value_key)
        return "|".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "severity": self.severity.value,
            "source": self.source.value,
            "category": self.category.value,
            "verdict": self.verdict.value,
            "message": self.message,
            "before": self.before,
            "after": self.after,
        }


def worst_severity(findings: list[Finding]) -> Severity | None:
    if not findings:
        return None
    return max((f.severity for f in findings), key=lambda s: s.rank)
