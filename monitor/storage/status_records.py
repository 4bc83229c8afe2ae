"""Typed records of what people and the monitor's own checks read: holds, replica heartbeats,
delivery status per sink, deliveries waiting, the monitor's own events, per-probe status,
baseline versions and the status pages' run points and outcome counts.

Field order is the order of the JSON the CLI has always printed for them (``to_json``), so
``--json`` output stays byte-identical. Only a baseline's shape and watch counts stay free-form:
they are the learned JSON itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Hold:
    """An evidence hold: runs started in ``[since, until)`` are kept until it is released."""

    id: str
    since: datetime
    until: datetime
    reason: str
    created_at: datetime
    released_at: datetime | None
    runs: int  # runs in the window now

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Beat:
    """A replica's latest heartbeat."""

    replica: str
    role: str
    beat_at: datetime
    started_at: datetime
    version: str


@dataclass(frozen=True)
class SinkStatus:
    """Outbox rows of one sink by state, and when it last delivered or failed."""

    sink: str
    pending: int = 0
    sending: int = 0
    delivered: int = 0
    failed: int = 0
    suppressed: int = 0
    oldest_pending_at: datetime | None = None
    last_delivered_at: datetime | None = None
    last_error: str | None = None

    def count(self, state: str) -> int:
        return int(getattr(self, state))


@dataclass(frozen=True)
class Delivery:
    """One outbox row as ``monitor alert status`` lists it, with its event and the reason of
    the transition that wrote it."""

    id: str
    sink: str
    state: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
    permanent: bool | None
    event_id: str
    probe: str
    target: str
    kind: str
    reason: str | None


@dataclass(frozen=True)
class SelfEvent:
    """One of the monitor's own open events (a stale probe, a failing sink)."""

    kind: str
    probe: str
    target: str
    message: str | None


@dataclass(frozen=True)
class ProbeRef:
    probe: str
    target: str


@dataclass(frozen=True)
class ProbeStatus:
    """A probe's latest answered-or-failed run and latest success, for the metrics scrape."""

    probe: str
    target: str | None
    last_outcome: str | None
    last_run_at: datetime | None
    last_success_at: datetime | None


@dataclass(frozen=True)
class Baseline:
    """One version of a probe's learned (or accepted, or imported) baseline."""

    id: int
    probe: str
    request_hash: str
    response_class: str
    version: int
    state: str  # learning | active | superseded
    shape: dict[str, Any]  # the learned shape: free-form JSON
    samples: int
    source: str  # learned | accepted | imported
    started_at: datetime
    activated_at: datetime | None
    superseded_at: datetime | None
    note: str | None
    watch: dict[str, Any] | None  # cross-run counts of an active baseline: free-form JSON

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AddedBaseline:
    """A baseline version people added (accepted from a run or imported), now active."""

    probe: str
    request_hash: str
    response_class: str
    version: int
    state: str
    shape: dict[str, Any]  # free-form JSON
    samples: int
    source: str  # accepted | imported
    started_at: datetime
    activated_at: datetime
    note: str


@dataclass(frozen=True)
class AcceptedBaseline:
    """``baseline accept``: the new version and the drift events it explained (resolved)."""

    baseline: AddedBaseline
    resolved_events: tuple[str, ...]
    outbox_ids: tuple[str, ...]


@dataclass(frozen=True)
class RunPoint:
    """One run as the status pages draw it: no findings, no evidence."""

    probe: str
    run_id: str
    started_at: datetime
    outcome: str | None
    latency_ms: float | None
    baseline_state: str | None


@dataclass(frozen=True)
class OutcomeBucket:
    """How many runs of one outcome a probe had in one slice of a window, and the newest."""

    probe: str
    index: int  # slice number from the window's start
    outcome: str | None
    runs: int
    newest_run_id: str
