"""Conversions between table rows and the pure core's records."""

from __future__ import annotations

from typing import Any

from monitor.core.baseline import BaselineRecord
from monitor.core.events import EventRecord
from monitor.core.model import EventState, ResponseClass
from monitor.core.shape.stats import Shape
from monitor.core.shape.watch import Watch


def baseline_from_row(row: Any) -> BaselineRecord:
    return BaselineRecord(
        probe=row["probe"],
        request_hash=row["request_hash"],
        response_class=ResponseClass(row["response_class"]),
        version=row["version"],
        state=row["state"],
        shape=Shape.from_json(row["shape"]),
        started_at=row["started_at"],
        activated_at=row["activated_at"],
        watch=Watch.from_json(row.get("watch")),
    )


def baseline_values(record: BaselineRecord) -> dict[str, Any]:
    return {
        "probe": record.probe,
        "request_hash": record.request_hash,
        "response_class": record.response_class.value,
        "version": record.version,
        "state": record.state,
        "shape": record.shape.to_json(),
        "samples": record.shape.samples,
        "started_at": record.started_at,
        "activated_at": record.activated_at,
        "watch": record.watch.to_json() if record.watch.runs else None,
    }


def event_from_row(row: Any) -> EventRecord:
    return EventRecord(
        fingerprint=row["fingerprint"],
        state=EventState(row["state"]),
        recent=tuple(bool(x) for x in row["recent"] or ()),
        clear_streak=row["clear_streak"],
        run_count=row["run_count"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        opened_at=row["opened_at"],
        resolved_at=row["resolved_at"],
        last_notified_at=row["last_notified_at"],
    )


def event_state_values(record: EventRecord) -> dict[str, Any]:
    resolved = record.state is EventState.RESOLVED
    return {
        "fingerprint": record.fingerprint,
        "active_fingerprint": None if resolved else record.fingerprint,
        "state": record.state.value,
        "recent": list(record.recent),
        "clear_streak": record.clear_streak,
        "run_count": record.run_count,
        "first_seen": record.first_seen,
        "last_seen": record.last_seen,
        "opened_at": record.opened_at,
        "resolved_at": record.resolved_at,
        "last_notified_at": record.last_notified_at,
    }
