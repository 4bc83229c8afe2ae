"""Plain records passed between the pipeline, the store and the dispatcher: claims, completions,
recorded runs, outbox items, take-overs, prune batches and a sink's health."""

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


def takeover_note(
    worker: str, previous: str | None, expired_at: datetime | None, released: bool
) -> str:
    if released:
        return f"re-run by {worker}: {previous} released it at shutdown before completing it"
    when = expired_at.isoformat() if expired_at else "?"
    return (
        f"re-run by {worker}: {previous} claimed it but did not complete it "
        f"before its lease expired at {when} (owner presumed dead)"
    )


@dataclass(frozen=True)
class TakenOver:
    """A run this replica now owns because its previous owner did not complete it in time."""

    claim: RunClaim
    previous_owner: str | None
    expired_at: datetime | None
    released: bool  # the owner let it go at shutdown (rather than dying)

    @property
    def note(self) -> str:
        return takeover_note(
            self.claim.claimed_by, self.previous_owner, self.expired_at, self.released
        )


@dataclass(frozen=True)
class SinkHealth:
    sink: str
    failing: bool
    reason: str
    undelivered: int  # alerts of this sink not delivered (pending, sending or failed)


@dataclass(frozen=True)
class PruneBatch:
    runs_deleted: int = 0
    bodies_dropped: int = 0
    busy: bool = False  # another replica holds the retention lock
