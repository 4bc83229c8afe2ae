"""Per-probe overrides: a severity per finding kind or path, and ignore rules that expire.

- ``severity``: keys are a kind (``enum-value-added``) or an exact path
  (``choices[].finish_reason``, ``header:x-request-id``); a path key wins over a kind key.
  A broken assumption stays breaking (remove the assumption, or ignore it, to quiet it).
- ``ignore``: a rule matches on kind and/or path and needs a reason. While it holds, matching
  findings are kept as ``info`` (recorded, never alerted) with the reason in the message. From
  ``until`` on (``now`` is an input) the rule no longer applies and the finding surfaces again,
  saying that its ignore rule expired. A date means midnight UTC at the start of that day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from monitor.core.model import Finding, Severity


@dataclass(frozen=True)
class IgnoreRule:
    reason: str
    kind: str | None = None
    path: str | None = None
    until: datetime | None = None

    def matches(self, finding: Finding) -> bool:
        if self.kind is None and self.path is None:
            return False
        return (self.kind is None or self.kind == finding.kind) and (
            self.path is None or self.path == finding.path
        )


@dataclass(frozen=True)
class Overrides:
    severity: Mapping[str, Severity] = field(default_factory=dict)
    ignore: tuple[IgnoreRule, ...] = ()


def parse_until(text: str) -> datetime:
    """An ISO date or date-time; naive times are UTC. Raises ValueError."""
    text = text.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def apply_overrides(findings: list[Finding], overrides: Overrides, now: datetime) -> list[Finding]:
    if not overrides.severity and not overrides.ignore:
        return findings
    return [_ignored(_reseverity(f, overrides), overrides, now) for f in findings]


def _reseverity(finding: Finding, overrides: Overrides) -> Finding:
    wanted = overrides.severity.get(finding.path) or overrides.severity.get(finding.kind)
    if wanted is None or wanted is finding.severity:
        return finding
    if finding.extra.get("assumed") and finding.severity is Severity.BREAKING:
        return finding
    return replace(finding, severity=wanted, extra={**finding.extra, "overridden": True})


def _ignored(finding: Finding, overrides: Overrides, now: datetime) -> Finding:
    for rule in overrides.ignore:
        if not rule.matches(finding):
            continue
        if rule.until is not None and now >= rule.until:
            note = f" (an ignore rule expired {rule.until.date().isoformat()}: {rule.reason})"
            return replace(finding, message=finding.message + note)
        until = f" until {rule.until.date().isoformat()}" if rule.until else ""
        return replace(
            finding,
            severity=Severity.INFO,
            message=f"{finding.message} (ignored{until}: {rule.reason})",
            extra={**finding.extra, "ignored": rule.reason, "was": finding.severity.value},
        )
    return finding
