"""The facade's read side: runs, events, evidence and status for the CLI, the API and the
report (``storage.queries``, ``report_queries``). Nothing here writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.storage.event_records import StoredEvent
from monitor.storage.params import Cursor, EventFilter, RunFilter, Window
from monitor.storage.report_facts import ReportFacts
from monitor.storage.sql import event_queries, queries, report_queries, run_ids, status_queries
from monitor.storage.sql.store_base import StoreBase
from monitor.storage.status_records import OutcomeBucket, ProbeStatus, RunPoint


class ReadStore(StoreBase):
    # queries
    def list_runs(self, flt: RunFilter) -> list[dict[str, Any]]:
        with self._begin() as conn:
            return queries.list_runs(conn, flt)

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        with self._begin() as conn:
            return queries.get_run(conn, run_id)

    def list_events(
        self, *, probes: tuple[str, ...] = (), states: tuple[str, ...] = (), limit: int = 100
    ) -> list[StoredEvent]:
        flt = EventFilter(probes=probes, states=states, limit=limit)
        with self._begin() as conn:
            return event_queries.list_events(conn, flt)

    def list_runs_page(self, flt: RunFilter) -> tuple[list[dict[str, Any]], str | None]:
        with self._begin() as conn:
            return queries.list_runs_page(conn, flt)

    def list_events_page(
        self,
        *,
        probes: tuple[str, ...] = (),
        states: tuple[str, ...] = (),
        limit: int = 100,
        cursor: Cursor | None = None,
    ) -> tuple[list[StoredEvent], str | None]:
        flt = EventFilter(probes=probes, states=states, limit=limit, cursor=cursor)
        with self._begin() as conn:
            return event_queries.list_events_page(conn, flt)

    def resolve_run_id(self, ref: str) -> str:
        """A full run id or a unique prefix of 6+ characters; UsageError with the candidates."""
        with self._begin() as conn:
            return run_ids.resolve_run_id(conn, ref)

    def get_evidence(self, run_id: str) -> dict[str, Any] | None:
        with self._begin() as conn:
            return queries.get_evidence(conn, run_id)

    def last_run(
        self, probe: str, *, outcomes: tuple[str, ...] = (), before: datetime | None = None
    ) -> dict[str, Any] | None:
        with self._begin() as conn:
            return queries.last_run(conn, probe, outcomes=outcomes, before=before)

    def outcome_counts(self, probe: str, after: datetime) -> dict[str, int]:
        with self._begin() as conn:
            return queries.outcome_counts(conn, probe, after)

    def probe_status(self, probes: list[str]) -> list[ProbeStatus]:
        with self._begin() as conn:
            return queries.probe_status(conn, probes)

    def run_points(
        self, probes: list[str], since: datetime, until: datetime | None = None, limit: int = 500
    ) -> dict[str, list[RunPoint]]:
        with self._begin() as conn:
            return status_queries.run_points(conn, probes, since, until, limit)

    def status_page(
        self, probes: list[str], since: datetime, bucket_s: int, latencies: int
    ) -> tuple[list[OutcomeBucket], dict[str, RunPoint], dict[str, list[float]]]:
        """What the status overview draws, in one transaction: outcome counts per slice of the
        window, each probe's newest run and its recent latencies."""
        with self._begin() as conn:
            return (
                status_queries.outcome_buckets(conn, probes, since, bucket_s),
                status_queries.latest_points(conn, probes),
                status_queries.recent_latencies(conn, probes, latencies),
            )

    def outcome_buckets(
        self, probes: list[str], since: datetime, until: datetime, bucket_s: int
    ) -> list[OutcomeBucket]:
        with self._begin() as conn:
            return status_queries.outcome_buckets(conn, probes, since, bucket_s, until)

    def latest_slots(self, probes: list[str]) -> dict[str, datetime]:
        with self._begin() as conn:
            return queries.latest_slots(conn, probes)

    def open_event_counts(self) -> dict[str, int]:
        with self._begin() as conn:
            return queries.open_event_counts(conn)

    def report_facts(self, window: Window) -> ReportFacts:
        with self._begin() as conn:
            return report_queries.report_facts(conn, window)
