"""The store's roles: one ``Protocol`` per way the rest of the monitor uses the database.

Each consumer names the role it needs (the pipeline a ``RunLedger``, the dispatcher an
``Outbox``, the CLI's ``history`` a ``RunReads``…), never the SQL class; ``Store`` is every role
at once, what the composition root (``app.open_store``) and ``storage.create_store`` hand out.
The one implementation is ``storage.sql.SqlStore`` (SQLite and PostgreSQL); the storage contract
suite (``tests/storage``) runs every role against both through these Protocols.

The records a role takes and returns are frozen dataclasses, each in the module of its concern:
``storage.params`` (what a role is asked with), ``storage.records`` (runs, claims, the outbox),
``storage.event_records``, ``storage.status_records`` and ``storage.report_facts``. Only runs
(``Row``: what ``views.run`` reads, like the pipeline's rows) and free-form JSON (evidence,
exported baselines) stay dicts.

May import: core and the storage records. Never sql, runner, alerts, cli or api.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, Unpack

from monitor.core.judge import ProbeState
from monitor.core.policy.budget import Spend
from monitor.storage.event_records import EventDetail, StoredEvent
from monitor.storage.params import (
    Attempt,
    ClaimPolicy,
    Cursor,
    EventFilter,
    RunFilter,
    SelfObservation,
    SkippedSlot,
    Window,
)
from monitor.storage.records import (
    AlertRouter,
    Judge,
    OutboxItem,
    PruneBatch,
    RecordedRun,
    RunClaim,
    RunCompletion,
    SinkHealth,
    TakenOver,
)
from monitor.storage.report_facts import ReportFacts
from monitor.storage.status_records import (
    AcceptedBaseline,
    AddedBaseline,
    Baseline,
    Beat,
    Delivery,
    Hold,
    OutcomeBucket,
    ProbeRef,
    ProbeStatus,
    RunPoint,
    SelfEvent,
    SinkStatus,
)

Row = dict[str, Any]  # a stored run or evidence row, as ``views.run`` and ``views.evidence`` use


class RunLedger(Protocol):
    """A run's life in the database: claim its slot, record its judgement in one transaction
    (or close it as unrecordable or skipped), and the state the judge starts from."""

    def claim_run(self, claim: RunClaim) -> bool: ...
    def record_run(
        self, completion: RunCompletion, judge: Judge, router: AlertRouter
    ) -> RecordedRun: ...
    def complete_unrecordable(
        self, claim: RunClaim, finished_at: datetime, reason: str
    ) -> bool: ...
    def record_skipped(self, claim: RunClaim, finished_at: datetime, reason: str) -> bool: ...
    def load_state(self, probe: str, request_hash: str) -> ProbeState: ...


class ReplicaLedger(Protocol):
    """What replicas share: expired claims taken over, slots recorded skipped, claims and
    outbox rows given back at shutdown (``runner.reaper``, ``runner.slots``, ``service``)."""

    def take_over_expired(
        self, now: datetime, worker: str, leases: Mapping[str, timedelta], limit: int = 20
    ) -> list[TakenOver]: ...
    def complete_skipped(self, claim: RunClaim, finished_at: datetime, reason: str) -> None: ...
    def record_skipped_slots(
        self, slots: list[SkippedSlot], worker: str, now: datetime
    ) -> set[str]: ...
    def latest_slots(self, probes: list[str]) -> dict[str, datetime]: ...
    def release_claims(self, worker: str, now: datetime) -> int: ...
    def release_outbox(self, worker: str) -> int: ...
    def claimed_count(self, worker: str) -> int: ...


class SpendLedger(Protocol):
    """What the monitor itself spent on a target (budgets, admission)."""

    def recent_spend(self, target: str, now: datetime) -> Spend: ...
    def spent(self, target: str, since: datetime, until: datetime) -> tuple[int, int]: ...


class Retention(Protocol):
    """Deleting old runs and bodies in batches (``runner.retention``, ``monitor prune``)."""

    def prune_batch(
        self, *, runs_cutoff: datetime, bodies_cutoff: datetime, batch_size: int
    ) -> PruneBatch: ...
    def count_prunable(
        self, *, runs_cutoff: datetime, bodies_cutoff: datetime
    ) -> tuple[int, int]: ...


class Pacing(Protocol):
    """The next free moment of a paced key, shared by every replica (``alerts.pacing``)."""

    def reserve_pace(
        self, key: str, now: datetime, interval: timedelta, max_wait: timedelta | None = None
    ) -> datetime: ...
    def release_pace(self, key: str, slot: datetime, interval: timedelta) -> None: ...
    def pause_pace(self, key: str, until: datetime) -> None: ...


class Outbox(Pacing, Protocol):
    """Alert delivery: claim due rows, record each attempt, give rows back (``alerts.dispatch``)."""

    def claim_outbox(
        self,
        now: datetime,
        worker: str,
        policy: ClaimPolicy | timedelta,
        limit: int | None = None,
    ) -> list[OutboxItem]: ...
    def record_delivery(self, outbox_id: str, **attempt: Unpack[Attempt]) -> bool: ...
    def record_deliveries(self, outbox_ids: list[str], **attempt: Unpack[Attempt]) -> list[str]: ...
    def defer_outbox(self, outbox_ids: list[str], worker: str, at: datetime) -> None: ...
    def pending_alerts(self) -> int: ...
    def next_pending_alert_at(self) -> datetime | None: ...


class AlertStatus(Protocol):
    """What people read about delivery (``monitor alert status``)."""

    def alert_status(self) -> list[SinkStatus]: ...
    def list_deliveries(
        self, *, states: tuple[str, ...] = (), limit: int = 20
    ) -> list[Delivery]: ...


class SelfWatchLedger(Protocol):
    """The monitor watching itself: stale probes and failing sinks as events of their own."""

    def observe_self(
        self, obs: SelfObservation, now: datetime, router: AlertRouter
    ) -> list[str]: ...
    def open_self_events(self) -> list[SelfEvent]: ...
    def active_stale_events(self) -> list[ProbeRef]: ...
    def last_completed_runs(self, probes: Sequence[str]) -> dict[str, datetime]: ...
    def sink_health(self, sink: str, now: datetime, undelivered_after: timedelta) -> SinkHealth: ...


class RunReads(Protocol):
    """Runs, events and evidence as the CLI, the API and the views read them. Never writes."""

    def list_runs(self, flt: RunFilter) -> list[Row]: ...
    def list_runs_page(self, flt: RunFilter) -> tuple[list[Row], str | None]: ...
    def get_run(self, run_id: str) -> Row | None: ...
    def resolve_run_id(self, ref: str) -> str: ...  # a full id or a unique 6+ character prefix
    def get_evidence(self, run_id: str) -> Row | None: ...
    def last_run(
        self, probe: str, *, outcomes: tuple[str, ...] = (), before: datetime | None = None
    ) -> Row | None: ...
    def outcome_counts(self, probe: str, after: datetime) -> dict[str, int]: ...
    def list_events(
        self, *, probes: tuple[str, ...] = (), states: tuple[str, ...] = (), limit: int = 100
    ) -> list[StoredEvent]: ...
    def list_events_page(
        self,
        *,
        probes: tuple[str, ...] = (),
        states: tuple[str, ...] = (),
        limit: int = 100,
        cursor: Cursor | None = None,
    ) -> tuple[list[StoredEvent], str | None]: ...
    def probe_status(self, probes: list[str]) -> list[ProbeStatus]: ...
    def open_event_counts(self) -> dict[str, int]: ...


class StatusPages(Protocol):
    """What the web pages draw: runs as points, outcome counts per slice of a window."""

    def run_points(
        self, probes: list[str], since: datetime, until: datetime | None = None, limit: int = 500
    ) -> dict[str, list[RunPoint]]: ...
    def status_page(
        self, probes: list[str], since: datetime, bucket_s: int, latencies: int
    ) -> tuple[list[OutcomeBucket], dict[str, RunPoint], dict[str, list[float]]]: ...
    def outcome_buckets(
        self, probes: list[str], since: datetime, until: datetime, bucket_s: int
    ) -> list[OutcomeBucket]: ...


class ReportSource(Protocol):
    """The incident report's facts over one window (``report.service``)."""

    def report_facts(self, window: Window) -> ReportFacts: ...


class EventAdmin(Protocol):
    """What people do to events: list, look at, acknowledge, mute (``monitor events``)."""

    def query_events(self, flt: EventFilter) -> list[StoredEvent]: ...
    def event_detail(self, ref: str) -> EventDetail: ...
    def ack_event(self, ref: str, *, by: str, now: datetime) -> StoredEvent: ...
    def mute_event(
        self, ref: str, *, until: datetime | None, reason: str | None
    ) -> StoredEvent: ...


class BaselineAdmin(Protocol):
    """Baselines people reset, accept, export and import (``monitor baseline``)."""

    def list_baselines(self, probe: str) -> list[Baseline]: ...
    def reset_baselines(self, probe: str, now: datetime) -> int: ...
    def accept_baseline(
        self,
        probe: str,
        now: datetime,
        *,
        router: AlertRouter | None = None,
        probe_info: dict[str, Any] | None = None,
    ) -> AcceptedBaseline | None: ...
    def export_baselines(self, probe: str, now: datetime) -> dict[str, Any]: ...
    def import_baselines(
        self, probe: str, document: Any, request_hash: str, now: datetime
    ) -> list[AddedBaseline]: ...


class Holds(Protocol):
    """Evidence holds: windows retention must keep (``monitor hold``)."""

    def create_hold(self, since: datetime, until: datetime, reason: str, now: datetime) -> Hold: ...
    def list_holds(self, *, include_released: bool = False) -> list[Hold]: ...
    def release_hold(self, hold_id: str, now: datetime) -> bool: ...
    def is_held(self, started_at: datetime) -> bool: ...
    def held(self, run: dict[str, Any]) -> bool: ...


class Heartbeats(Protocol):
    """Replica heartbeats, for readiness and ``monitor status``."""

    def beat(
        self, replica: str, role: str, now: datetime, started_at: datetime, version: str
    ) -> None: ...
    def list_beats(self, role: str | None = None) -> list[Beat]: ...
    def forget_beat(self, replica: str) -> None: ...


class Closing(Protocol):
    """A store a command opened and closes when done (the CLI's commands)."""

    def close(self) -> None: ...


class Admin(Closing, Protocol):
    """The database itself: schema revision, reachability, closing."""

    @property
    def is_sqlite(self) -> bool: ...
    def upgrade(self) -> None: ...
    def current_revision(self) -> str | None: ...
    def head_revision(self) -> str: ...
    def is_at_head(self) -> bool: ...
    def ping(self) -> None: ...


class Store(
    RunLedger,
    ReplicaLedger,
    SpendLedger,
    Retention,
    Outbox,
    AlertStatus,
    SelfWatchLedger,
    RunReads,
    StatusPages,
    ReportSource,
    EventAdmin,
    BaselineAdmin,
    Holds,
    Heartbeats,
    Admin,
    Protocol,
):
    """Every role: what the composition root opens and hands out, one role to each consumer."""


class Readiness(Heartbeats, Admin, Protocol):
    """What the readiness check reads: replicas' heartbeats and the schema revision."""


__all__ = [
    "Admin",
    "AlertStatus",
    "BaselineAdmin",
    "Closing",
    "EventAdmin",
    "Heartbeats",
    "Holds",
    "Outbox",
    "Pacing",
    "Readiness",
    "ReplicaLedger",
    "ReportSource",
    "Retention",
    "Row",
    "RunLedger",
    "RunReads",
    "SelfWatchLedger",
    "SpendLedger",
    "StatusPages",
    "Store",
]
