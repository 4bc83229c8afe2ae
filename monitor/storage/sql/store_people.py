"""The facade's operator side: what people do through the CLI and API: evidence holds,
replica heartbeats, baselines (reset, accept, export, import) and events (ack, mute).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.storage.event_records import EventDetail, StoredEvent
from monitor.storage.params import EventFilter
from monitor.storage.records import AlertRouter
from monitor.storage.sql import baselines as baseline_ops
from monitor.storage.sql import event_queries, heartbeats, holds, queries
from monitor.storage.sql.store_base import StoreBase
from monitor.storage.status_records import (
    AcceptedBaseline,
    AddedBaseline,
    Baseline,
    Beat,
    Hold,
)


class PeopleStore(StoreBase):
    # holds (retention asks ``is_held``/``held`` before deleting)
    def create_hold(self, since: datetime, until: datetime, reason: str, now: datetime) -> Hold:
        with self._begin() as conn:
            return holds.create_hold(conn, self.new_id(), since, until, reason, now)

    def list_holds(self, *, include_released: bool = False) -> list[Hold]:
        with self._begin() as conn:
            return holds.list_holds(conn, include_released=include_released)

    def release_hold(self, hold_id: str, now: datetime) -> bool:
        with self._begin() as conn:
            return holds.release_hold(conn, hold_id, now)

    def is_held(self, started_at: datetime) -> bool:
        with self._begin() as conn:
            return holds.is_held(conn, started_at)

    def held(self, run: dict[str, Any]) -> bool:
        with self._begin() as conn:
            return holds.held(conn, run)

    # heartbeats
    def beat(
        self, replica: str, role: str, now: datetime, started_at: datetime, version: str
    ) -> None:
        with self._begin() as conn:
            heartbeats.beat(conn, replica, role, now, started_at, version)

    def list_beats(self, role: str | None = None) -> list[Beat]:
        with self._begin() as conn:
            return heartbeats.list_beats(conn, role)

    def forget_beat(self, replica: str) -> None:
        with self._begin() as conn:
            heartbeats.forget(conn, replica)

    def list_baselines(self, probe: str) -> list[Baseline]:
        with self._begin() as conn:
            return queries.list_baselines(conn, probe)

    def reset_baselines(self, probe: str, now: datetime) -> int:
        with self._begin() as conn:
            return baseline_ops.reset_baselines(conn, probe, now)

    def accept_baseline(
        self,
        probe: str,
        now: datetime,
        *,
        router: AlertRouter | None = None,
        probe_info: dict[str, Any] | None = None,
    ) -> AcceptedBaseline | None:
        with self._begin() as conn:
            return baseline_ops.accept_latest_shape(
                conn, probe, now, router=router, new_id=self.new_id, probe_info=probe_info
            )

    def export_baselines(self, probe: str, now: datetime) -> dict[str, Any]:
        with self._begin() as conn:
            return baseline_ops.export_baselines(conn, probe, now)

    def import_baselines(
        self, probe: str, document: Any, request_hash: str, now: datetime
    ) -> list[AddedBaseline]:
        with self._begin() as conn:
            return baseline_ops.import_baselines(conn, probe, document, request_hash, now)

    # events (people)
    def query_events(self, flt: EventFilter) -> list[StoredEvent]:
        with self._begin() as conn:
            return event_queries.list_events(conn, flt)

    def event_detail(self, ref: str) -> EventDetail:
        with self._begin() as conn:
            return event_queries.event_detail(conn, event_queries.resolve_event_id(conn, ref))

    def ack_event(self, ref: str, *, by: str, now: datetime) -> StoredEvent:
        with self._begin() as conn:
            event_id = event_queries.resolve_event_id(conn, ref)
            return event_queries.ack_event(conn, event_id, by=by, now=now)

    def mute_event(self, ref: str, *, until: datetime | None, reason: str | None) -> StoredEvent:
        with self._begin() as conn:
            event_id = event_queries.resolve_event_id(conn, ref)
            return event_queries.mute_event(conn, event_id, until=until, reason=reason)
