"""The schema, as SQLModel tables. Tables are created only by Alembic migrations.

Invariants the constraints keep:
- a scheduled slot runs once: ``UNIQUE(probe, slot_at)`` (NULL slot for on-demand runs);
- one open event per fingerprint: ``events.active_fingerprint`` is unique and NULL once resolved;
- one delivery per transition and sink: ``UNIQUE(transition_id, sink)`` on the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from monitor.storage.sql.coltypes import JSONType, UTCDateTime

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _json() -> Any:
    return Field(default=None, sa_type=JSONType, nullable=True)


class Run(SQLModel, table=True):
    __tablename__ = "runs"
    __table_args__ = (
        sa.UniqueConstraint("probe", "slot_at"),
        sa.Index("ix_runs_probe_started_at", "probe", "started_at"),
        sa.Index("ix_runs_state_lease_until", "state", "lease_until"),
        # the report's rare rows (failures, 402/429) within a window: migration 0005
        sa.Index("ix_runs_outcome_started_at", "outcome", "started_at"),
        sa.Index("ix_runs_status_code_started_at", "status_code", "started_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    probe: str = Field(index=True, max_length=200)
    target: str = Field(index=True, max_length=200)
    kind: str = Field(max_length=40)
    trigger: str = Field(max_length=16)
    slot_at: datetime | None = _ts()
    state: str = Field(max_length=16)  # claimed | completed
    claimed_by: str | None = Field(default=None, max_length=120)
    lease_until: datetime | None = _ts()
    started_at: datetime = _ts(nullable=False, index=True)
    finished_at: datetime | None = _ts()
    outcome: str | None = Field(default=None, max_length=16)
    status_code: int | None = Field(default=None)
    latency_ms: float | None = None
    attempts: int = 0
    request_id: str | None = Field(default=None, max_length=200)
    trace_id: str | None = Field(default=None, max_length=32)
    span_id: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, index=True, max_length=40)
    verdict: str | None = Field(default=None, index=True, max_length=40)
    baseline_class: str | None = Field(default=None, max_length=16)
    baseline_state: str | None = Field(default=None, max_length=16)
    baseline_version: int | None = None
    request_hash: str | None = Field(default=None, max_length=16)
    config_hash: str | None = Field(default=None, max_length=16)
    # the ledger's entries and the contract reference in evidence, digested (storage/digest.py)
    ledger_digest: str | None = Field(default=None, max_length=16)
    served_model: str | None = Field(default=None, max_length=200)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    note: str | None = None


class Evidence(SQLModel, table=True):
    __tablename__ = "evidence"

    run_id: str = Field(
        sa_column=sa.Column(
            sa.String(36), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        )
    )
    method: str | None = Field(default=None, max_length=10)
    url: str | None = None
    key_fingerprint: str | None = Field(default=None, max_length=16)
    request_headers: dict[str, Any] | None = _json()
    request_body: Any = _json()
    response_headers: dict[str, Any] | None = _json()
    body: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    body_size: int | None = None
    body_truncated: bool = False
    shape: dict[str, Any] | None = _json()
    attempts: list[Any] | None = _json()
    usage: dict[str, Any] | None = _json()
    system_fingerprint: str | None = None
    monitor_version: str | None = Field(default=None, max_length=40)
    contract: dict[str, Any] | None = _json()
    ledger: list[Any] | None = _json()
    stream: dict[str, Any] | None = _json()
    extra: dict[str, Any] | None = _json()


class FindingRow(SQLModel, table=True):
    __tablename__ = "findings"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(
        sa_column=sa.Column(
            sa.String(36), sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    probe: str = Field(max_length=200)
    at: datetime = _ts(nullable=False, index=True)
    kind: str = Field(index=True, max_length=60)
    path: str
    severity: str = Field(max_length=16)
    source: str = Field(max_length=16)
    category: str = Field(max_length=40)
    verdict: str = Field(max_length=40)
    response_class: str = Field(max_length=16)
    message: str
    before: Any = _json()
    after: Any = _json()
    fingerprint: str


class BaselineRow(SQLModel, table=True):
    __tablename__ = "baselines"
    __table_args__ = (sa.UniqueConstraint("probe", "response_class", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    probe: str = Field(index=True, max_length=200)
    request_hash: str = Field(max_length=16)
    response_class: str = Field(max_length=16)
    version: int
    state: str = Field(max_length=16)  # learning | active | superseded
    shape: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    samples: int = 0
    source: str = Field(default="learned", max_length=16)  # learned | accepted | imported
    started_at: datetime = _ts(nullable=False)
    activated_at: datetime | None = _ts()
    superseded_at: datetime | None = _ts()
    note: str | None = None
    watch: dict[str, Any] | None = _json()  # cross-run counts of an active baseline


class EventRow(SQLModel, table=True):
    __tablename__ = "events"

    id: str = Field(primary_key=True, max_length=36)
    fingerprint: str = Field(index=True)
    active_fingerprint: str | None = Field(default=None, unique=True)
    probe: str = Field(index=True, max_length=200)
    target: str = Field(max_length=200)
    response_class: str = Field(max_length=16)
    kind: str = Field(max_length=60)
    path: str
    value_key: str | None = None
    severity: str = Field(max_length=16)
    category: str = Field(max_length=40)
    verdict: str = Field(max_length=40)
    message: str
    before: Any = _json()
    after: Any = _json()
    state: str = Field(index=True, max_length=16)
    recent: list[Any] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    clear_streak: int = 0
    run_count: int = 0
    first_seen: datetime = _ts(nullable=False)
    last_seen: datetime = _ts(nullable=False)
    opened_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    last_notified_at: datetime | None = _ts()
    first_run_id: str | None = Field(default=None, max_length=36, index=True)
    last_run_id: str | None = Field(default=None, max_length=36, index=True)
    last_trace_id: str | None = Field(default=None, max_length=32)
    last_request_id: str | None = Field(default=None, max_length=200)
    acked_at: datetime | None = _ts()
    acked_by: str | None = Field(default=None, max_length=120)
    muted_until: datetime | None = _ts()
    mute_reason: str | None = None


class TransitionRow(SQLModel, table=True):
    __tablename__ = "transitions"

    id: str = Field(primary_key=True, max_length=36)
    event_id: str = Field(foreign_key="events.id", index=True, max_length=36)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str = Field(max_length=16)
    reason: str = Field(max_length=16)
    at: datetime = _ts(nullable=False, index=True)
    run_id: str | None = Field(default=None, max_length=36, index=True)
    trace_id: str | None = Field(default=None, max_length=32)
    span_id: str | None = Field(default=None, max_length=16)
    notify: bool = False


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("transition_id", "sink"),
        sa.Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        sa.Index("ix_outbox_sink_state", "sink", "state"),
    )

    id: str = Field(primary_key=True, max_length=36)
    transition_id: str = Field(foreign_key="transitions.id", max_length=36)
    event_id: str = Field(index=True, max_length=36)
    sink: str = Field(max_length=40)
    state: str = Field(max_length=16)  # pending | sending | delivered | failed | suppressed
    attempts: int = 0
    idempotency_key: str = Field(max_length=64)
    next_attempt_at: datetime = _ts(nullable=False)
    lease_until: datetime | None = _ts()
    claimed_by: str | None = Field(default=None, max_length=120)
    external_ref: str | None = None  # e.g. Slack's message ts, to thread replies
    group_key: str | None = Field(default=None, max_length=200)
    # The idempotency key of the message this row went out in (shared by a grouped alert).
    delivery_key: str | None = Field(default=None, index=True, max_length=64)
    last_error: str | None = None
    permanent: bool = False
    created_at: datetime = _ts(nullable=False)
    delivered_at: datetime | None = _ts()
    payload: dict[str, Any] | None = _json()


class DeliveryAttemptRow(SQLModel, table=True):
    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: str = Field(
        sa_column=sa.Column(
            sa.String(36), sa.ForeignKey("outbox.id", ondelete="CASCADE"), index=True
        )
    )
    at: datetime = _ts(nullable=False)
    result: str = Field(max_length=16)  # delivered | retry | failed | unknown
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = None


class HoldRow(SQLModel, table=True):
    __tablename__ = "holds"

    id: str = Field(primary_key=True, max_length=36)
    since: datetime = _ts(nullable=False)
    until: datetime = _ts(nullable=False)
    reason: str
    created_at: datetime = _ts(nullable=False)
    released_at: datetime | None = _ts()


class HeartbeatRow(SQLModel, table=True):
    __tablename__ = "heartbeats"

    replica: str = Field(primary_key=True, max_length=120)
    role: str = Field(max_length=40)
    beat_at: datetime = _ts(nullable=False)
    started_at: datetime = _ts(nullable=False)
    version: str = Field(max_length=40)


class PacingRow(SQLModel, table=True):
    """The next moment a message may go on a paced key (a Slack channel), for every replica."""

    __tablename__ = "pacing"

    key: str = Field(primary_key=True, max_length=200)
    next_at: datetime = _ts(nullable=False)


def _table(model: type[SQLModel]) -> sa.Table:
    """The Core table of a SQLModel class: every query is SQLAlchemy Core on these handles."""
    # SQLModel's class has no annotation for ``__table__`` (declarative sets it when the class
    # is built), so this one line is where the typing gap is crossed; the check keeps it honest.
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


runs_table = _table(Run)
evidence_table = _table(Evidence)
findings_table = _table(FindingRow)
baselines_table = _table(BaselineRow)
events_table = _table(EventRow)
transitions_table = _table(TransitionRow)
outbox_table = _table(OutboxRow)
delivery_attempts_table = _table(DeliveryAttemptRow)
holds_table = _table(HoldRow)
heartbeats_table = _table(HeartbeatRow)
pacing_table = _table(PacingRow)
