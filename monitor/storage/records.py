"""Plain records passed between the pipeline, the store and the dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.core.alert_payload import AlertPayload
from monitor.core.judge import Judgement, ProbeSpec, ProbeState
from monitor.core.observation import Observation


@dataclass(frozen=True)
class RunClaim:
    run_id: str
    probe: str
    target: str
    kind: str
    trigger: str
    slot_at: datetime | None
    started_at: datetime
    claimed_by: str
    lease_until: datetime
    request_hash: str
    config_hash: str


@dataclass(frozen=True)
class AlertContext:
    """What routing and alert rendering know about one notifying transition."""

    probe: str
    target: str
    category: str
    severity: str
    reason: str


AlertRouter = Callable[[AlertContext], list[str]]
Judge = Callable[[ProbeState], Judgement]


@dataclass(frozen=True)
class RunCompletion:
    claim: RunClaim
    observation: Observation
    spec: ProbeSpec
    finished_at: datetime
    trace_id: str | None
    span_id: str | None
    request_id: str | None
    key_fingerprint: str | None
    monitor_version: str
    probe_info: dict[str, Any] = field(default_factory=dict)  # owner, runbook_url, environment
    evidence_extra: dict[str, Any] = field(default_factory=dict)
    contract_ref: dict[str, Any] | None = None  # source, sha256, fetched_at of the contract


@dataclass(frozen=True)
class RecordedRun:
    run_id: str
    judgement: Judgement
    outbox_ids: tuple[str, ...] = ()
    baseline_state: str | None = None
    baseline_version: int | None = None


# The reference a sink returns for a grouped alert member's resolution that closed nothing (the
# thread root was redrawn, the page left open for the others), told apart from one that did.
QUIET_REF = "quiet:"


@dataclass(frozen=True)
class OutboxItem:
    id: str
    sink: str
    event_id: str
    transition_id: str
    attempts: int
    idempotency_key: str
    external_ref: str | None
    payload: AlertPayload  # read back from the outbox column with ``AlertPayload.from_json``
    thread_ref: str | None = None  # the opening message's ref on this sink, for replies
    # The key of the message this row goes out in; rows of one grouped alert share it.
    delivery_key: str | None = None
    created_at: datetime | None = None
    # The previous sender's lease expired while sending: it may or may not have sent.
    unknown_outcome: bool = False
    # The event as it is now (not as it was when the row was written), for suppression.
    event_state: str | None = None
    muted_until: datetime | None = None
    mute_reason: str | None = None
    acked_at: datetime | None = None
    # State of the first row of this event on this sink (its opening), None if there is none.
    opening_state: str | None = None
    # Every event announced in the thread root (a grouped alert has several), for updates.
    thread_events: tuple[dict[str, Any], ...] = ()
