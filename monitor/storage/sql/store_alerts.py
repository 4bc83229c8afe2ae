"""The facade's alert side: the outbox (claim, record, defer, status) and the self-watch's own
events (``storage.outbox``, ``outbox_status``, ``self_events``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Unpack

from monitor.storage.params import Attempt, ClaimPolicy, SelfObservation
from monitor.storage.records import AlertRouter, OutboxItem, SinkHealth
from monitor.storage.sql import outbox as outbox_ops
from monitor.storage.sql import outbox_status, pacing_state, self_events
from monitor.storage.sql.store_base import StoreBase
from monitor.storage.status_records import Delivery, ProbeRef, SelfEvent, SinkStatus


class AlertStore(StoreBase):
    # outbox
    def claim_outbox(
        self,
        now: datetime,
        worker: str,
        policy: ClaimPolicy | timedelta,
        limit: int | None = None,
    ) -> list[OutboxItem]:
        """Claim due rows (``policy``: a ``ClaimPolicy``, or just the lease)."""
        if isinstance(policy, timedelta):
            policy = ClaimPolicy(lease=policy)
        if limit is not None:
            policy = replace(policy, limit=limit)
        with self._begin() as conn:
            return outbox_ops.claim_outbox(conn, now, worker, policy)

    def record_delivery(self, outbox_id: str, **attempt: Unpack[Attempt]) -> bool:
        with self._begin() as conn:
            return outbox_ops.record_attempt(conn, outbox_id, **attempt)

    def record_deliveries(self, outbox_ids: list[str], **attempt: Unpack[Attempt]) -> list[str]:
        """Record one outcome for every row of a message; returns the ids whose lease was lost."""
        lost = []
        with self._begin() as conn:
            for outbox_id in outbox_ids:
                if not outbox_ops.record_attempt(conn, outbox_id, **attempt):
                    lost.append(outbox_id)
        return lost

    def reserve_pace(
        self, key: str, now: datetime, interval: timedelta, max_wait: timedelta | None = None
    ) -> datetime:
        """When a message on ``key`` may go, shared by every replica (``storage.pacing``)."""
        with self._begin() as conn:
            return pacing_state.reserve(conn, key, now, interval, max_wait)

    def release_pace(self, key: str, slot: datetime, interval: timedelta) -> None:
        with self._begin() as conn:
            pacing_state.release(conn, key, slot, interval)

    def pause_pace(self, key: str, until: datetime) -> None:
        with self._begin() as conn:
            pacing_state.pause(conn, key, until)

    def defer_outbox(self, outbox_ids: list[str], worker: str, at: datetime) -> None:
        """Give claimed rows back unsent, due again at ``at`` (no attempt is counted)."""
        with self._begin() as conn:
            outbox_ops.defer(conn, outbox_ids, worker, at)

    def pending_alerts(self) -> int:
        with self._begin() as conn:
            return outbox_ops.pending_count(conn)

    def next_pending_alert_at(self) -> datetime | None:
        with self._begin() as conn:
            return outbox_ops.next_pending_at(conn)

    def alert_status(self) -> list[SinkStatus]:
        with self._begin() as conn:
            return outbox_status.status_by_sink(conn)

    def list_deliveries(self, *, states: tuple[str, ...] = (), limit: int = 20) -> list[Delivery]:
        with self._begin() as conn:
            return outbox_status.list_deliveries(conn, states=states, limit=limit)

    def sink_health(self, sink: str, now: datetime, undelivered_after: timedelta) -> SinkHealth:
        with self._begin() as conn:
            return outbox_status.sink_health(conn, sink, now, undelivered_after)

    # the self-watch
    def observe_self(self, obs: SelfObservation, now: datetime, router: AlertRouter) -> list[str]:
        with self._begin() as conn:
            return self_events.observe_self(conn, obs, now, router, self.new_id)

    def open_self_events(self) -> list[SelfEvent]:
        with self._begin() as conn:
            return self_events.open_self_events(conn)

    def active_stale_events(self) -> list[ProbeRef]:
        with self._begin() as conn:
            return self_events.active_stale_events(conn)

    def last_completed_runs(self, probes: Sequence[str]) -> dict[str, datetime]:
        with self._begin() as conn:
            return self_events.last_completed_runs(conn, probes)
