"""Typed records of events as people read them: the stored event, and its detail (the
transitions it went through and the deliveries they caused).

``StoredEvent``'s fields are the ``events`` columns in table order, so ``to_json`` is the row
the API has always published (``/api/v1/events``); ``views.event`` builds the CLI's view from
the same record. ``before``/``after`` and ``recent`` stay free-form: they are observed JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class StoredEvent:
    id: str
    fingerprint: str
    active_fingerprint: str | None
    probe: str
    target: str
    response_class: str
    kind: str
    path: str
    value_key: str | None
    severity: str
    category: str
    verdict: str
    message: str
    before: Any  # observed JSON
    after: Any  # observed JSON
    state: str  # suspected | open | resolved
    recent: list[Any]  # the gate's recent sightings
    clear_streak: int
    run_count: int
    first_seen: datetime
    last_seen: datetime
    opened_at: datetime | None
    resolved_at: datetime | None
    last_notified_at: datetime | None
    first_run_id: str | None
    last_run_id: str | None
    last_trace_id: str | None
    last_request_id: str | None
    acked_at: datetime | None
    acked_by: str | None
    muted_until: datetime | None
    mute_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EventTransition:
    id: str
    event_id: str
    from_state: str | None
    to_state: str
    reason: str
    at: datetime
    run_id: str | None
    trace_id: str | None
    span_id: str | None
    notify: bool


@dataclass(frozen=True)
class EventDelivery:
    """An outbox row of the event, with the reason of the transition that wrote it."""

    id: str
    transition_id: str
    sink: str
    state: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    external_ref: str | None
    last_error: str | None
    delivery_key: str | None
    reason: str | None


@dataclass(frozen=True)
class EventDetail:
    event: StoredEvent
    transitions: tuple[EventTransition, ...]
    deliveries: tuple[EventDelivery, ...]
