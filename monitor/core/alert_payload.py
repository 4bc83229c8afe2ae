"""What an outbox row says: a frozen snapshot of the event, the transition, the run and its
findings, so delivery (maybe in another process, maybe after a restart) needs nothing else.

Built once when the transition is written (``monitor.storage.sql.alert_payload``), stored in the
outbox column with ``to_json`` and read back with ``from_json``; sinks render the record, never
string keys. It lives in ``core`` because it is pure and both ``storage`` (which builds it) and
``alerts`` (which renders it) may import ``core``, while storage may not import alerts.

Timestamps stay the text they were written as: a payload is a snapshot, and re-formatting it
would change the webhook body receivers verify signatures over. ``from_json`` reads the previous
release's form (the same keys; a ``baseline accept`` wrote ``+00:00`` times and no latency, the
self-watch an empty ``run``), and ``to_json(from_json(x)) == x`` key for key, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class AlertFinding:
    """A finding as an alert quotes it (``Finding.to_json``'s keys)."""

    kind: str
    path: str | None
    severity: str
    source: str | None = None
    category: str | None = None
    verdict: str | None = None
    message: str | None = None
    before: Any = None
    after: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "severity": self.severity,
            "source": self.source,
            "category": self.category,
            "verdict": self.verdict,
            "message": self.message,
            "before": self.before,
            "after": self.after,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertFinding:
        return cls(
            kind=str(data.get("kind") or ""),
            path=_str(data.get("path")),
            severity=str(data.get("severity")),
            source=_str(data.get("source")),
            category=_str(data.get("category")),
            verdict=_str(data.get("verdict")),
            message=_str(data.get("message")),
            before=data.get("before"),
            after=data.get("after"),
        )


@dataclass(frozen=True)
class AlertEvent:
    """The event as it stood when the transition was written."""

    id: str
    fingerprint: str
    probe: str
    target: str
    response_class: str
    kind: str
    path: str | None
    severity: str
    category: str | None
    verdict: str | None
    message: str | None
    before: Any
    after: Any
    state: str
    first_seen: str | None
    opened_at: str | None
    resolved_at: str | None
    run_count: int | None
    # The run that last saw it (a resolution's own run is a clean one).
    last_run_id: str | None
    last_trace_id: str | None
    last_request_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fingerprint": self.fingerprint,
            "probe": self.probe,
            "target": self.target,
            "response_class": self.response_class,
            "kind": self.kind,
            "path": self.path,
            "severity": self.severity,
            "category": self.category,
            "verdict": self.verdict,
            "message": self.message,
            "before": self.before,
            "after": self.after,
            "state": self.state,
            "first_seen": self.first_seen,
            "opened_at": self.opened_at,
            "resolved_at": self.resolved_at,
            "run_count": self.run_count,
            "last_run_id": self.last_run_id,
            "last_trace_id": self.last_trace_id,
            "last_request_id": self.last_request_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertEvent:
        count = data.get("run_count")
        return cls(
            id=str(data.get("id") or ""),
            fingerprint=str(data.get("fingerprint") or ""),
            probe=str(data.get("probe")),
            target=str(data.get("target")),
            response_class=str(data.get("response_class") or "success"),
            kind=str(data.get("kind") or ""),
            path=_str(data.get("path")),
            severity=str(data.get("severity")),
            category=_str(data.get("category")),
            verdict=_str(data.get("verdict")),
            message=_str(data.get("message")),
            before=data.get("before"),
            after=data.get("after"),
            state=str(data.get("state") or ""),
            first_seen=_str(data.get("first_seen")),
            opened_at=_str(data.get("opened_at")),
            resolved_at=_str(data.get("resolved_at")),
            run_count=int(count) if count is not None else None,
            last_run_id=_str(data.get("last_run_id")),
            last_trace_id=_str(data.get("last_trace_id")),
            last_request_id=_str(data.get("last_request_id")),
        )


@dataclass(frozen=True)
class AlertTransition:
    id: str
    from_state: str | None
    to_state: str
    reason: str
    at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": self.from_state,
            "to": self.to_state,
            "reason": self.reason,
            "at": self.at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertTransition:
        return cls(
            id=str(data.get("id") or ""),
            from_state=_str(data.get("from")),
            to_state=str(data.get("to") or ""),
            reason=str(data.get("reason") or ""),
            at=_str(data.get("at")),
        )


@dataclass(frozen=True)
class AlertRun:
    """The run that moved the event; every field may be unknown (``baseline accept``)."""

    id: str | None
    trace_id: str | None = None
    span_id: str | None = None
    request_id: str | None = None
    status_code: int | None = None
    outcome: str | None = None
    started_at: str | None = None
    latency_ms: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "request_id": self.request_id,
            "status_code": self.status_code,
            "outcome": self.outcome,
            "started_at": self.started_at,
            "latency_ms": self.latency_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertRun:
        return cls(
            id=_str(data.get("id")),
            trace_id=_str(data.get("trace_id")),
            span_id=_str(data.get("span_id")),
            request_id=_str(data.get("request_id")),
            status_code=data.get("status_code"),
            outcome=_str(data.get("outcome")),
            started_at=_str(data.get("started_at")),
            latency_ms=data.get("latency_ms"),
        )


@dataclass(frozen=True)
class AlertProbe:
    """Whose problem it is and where to look. ``probe_owner`` is set only once routing gave the
    alert another owner (it keeps the probe's own, and is absent from the JSON otherwise).
    ``known``: False for a payload written without probe facts (``{}``), kept so."""

    owner: str | None = None
    runbook_url: str | None = None
    environment: str | None = None
    trace_link: str | None = None
    # ``ui.base_url``: alerts link to the event's and the run's web pages (absent when unset, so
    # payloads without it read as the previous release wrote them)
    ui_base_url: str | None = None
    routed: bool = False
    probe_owner: str | None = None
    known: bool = True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.known:
            out.update(
                owner=self.owner,
                runbook_url=self.runbook_url,
                environment=self.environment,
                trace_link=self.trace_link,
            )
            if self.ui_base_url:
                out["ui_base_url"] = self.ui_base_url
        if self.routed:
            out.update(owner=self.owner, probe_owner=self.probe_owner)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertProbe:
        routed = "probe_owner" in data
        return cls(
            owner=_str(data.get("owner")),
            runbook_url=_str(data.get("runbook_url")),
            environment=_str(data.get("environment")),
            trace_link=_str(data.get("trace_link")),
            ui_base_url=_str(data.get("ui_base_url")),
            routed=routed,
            probe_owner=_str(data.get("probe_owner")),
            known=bool(data.keys() - ({"owner", "probe_owner"} if routed else {"probe_owner"})),
        )

    def with_owner(self, owner: str) -> AlertProbe:
        return replace(self, owner=owner, routed=True, probe_owner=self.owner)


@dataclass(frozen=True)
class AlertPayload:
    event: AlertEvent
    transition: AlertTransition
    run: AlertRun | None  # None: a self-watch event moved outside any run (``{}`` in JSON)
    findings: tuple[AlertFinding, ...]
    probe: AlertProbe

    @property
    def reason(self) -> str:
        return self.transition.reason

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event.to_json(),
            "transition": self.transition.to_json(),
            "run": self.run.to_json() if self.run is not None else {},
            "findings": [f.to_json() for f in self.findings],
            "probe": self.probe.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertPayload:
        run = data.get("run") or {}
        return cls(
            event=AlertEvent.from_json(data.get("event") or {}),
            transition=AlertTransition.from_json(data.get("transition") or {}),
            run=AlertRun.from_json(run) if run else None,
            findings=tuple(AlertFinding.from_json(f) for f in data.get("findings") or ()),
            probe=AlertProbe.from_json(data.get("probe") or {}),
        )

    def with_owner(self, owner: str) -> AlertPayload:
        return replace(self, probe=self.probe.with_owner(owner))
