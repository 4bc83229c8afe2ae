"""Prometheus metrics on their own registry (never the global one, so tests and several apps in
one process do not collide).

Two sources: the ``Observer`` hooks count what THIS process did (runs, latencies, time to first
token, alert deliveries, scheduler lateness; sum them across replicas), and a collector asks the
database at scrape time for state every replica agrees on (probe up, seconds since the last
success, open events by severity). A database that does not answer makes
``monitor_database_up 0``, never a failed scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor.core.judge import Judgement
from monitor.core.model import DeliveryResult
from monitor.core.observation import Observation
from monitor.storage.status_records import ProbeStatus

log = logging.getLogger("monitor.telemetry.metrics")
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)
LATENESS_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300)
SEVERITIES = ("info", "warning", "breaking")


@dataclass(frozen=True)
class MonitorState:
    """What the database says, read at scrape time."""

    probes: list[ProbeStatus] = field(default_factory=list)
    open_events: dict[str, int] = field(default_factory=dict)


class StateCollector(Collector):
    def __init__(self, read_state: Callable[[], MonitorState], now: Callable[[], datetime]):
        self._read_state = read_state
        self._now = now

    def collect(self) -> Iterator[Metric]:
        db_up = GaugeMetricFamily("monitor_database_up", "1 when the database answered the scrape")
        try:
            state = self._read_state()
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("metrics: the database did not answer: %s", exc)
            db_up.add_metric([], 0)
            yield db_up
            return
        db_up.add_metric([], 1)
        yield db_up
        now = self._now()
        up = GaugeMetricFamily(
            "monitor_probe_up",
            "1 when the probe's latest run got a valid answer (pass or drift), 0 when it failed",
            labels=["probe", "target"],
        )
        since = GaugeMetricFamily(
            "monitor_seconds_since_last_success",
            "Seconds since the probe's latest run with a valid answer",
            labels=["probe", "target"],
        )
        for row in state.probes:
            if row.last_outcome is None:
                continue
            labels = [row.probe, row.target or ""]
            up.add_metric(labels, 1 if row.last_outcome in ("pass", "drift") else 0)
            if row.last_success_at is not None:
                since.add_metric(labels, max(0.0, (now - row.last_success_at).total_seconds()))
        yield up
        yield since
        events = GaugeMetricFamily(
            "monitor_open_events", "Open events by severity", labels=["severity"]
        )
        for severity in SEVERITIES:
            events.add_metric([severity], state.open_events.get(severity, 0))
        yield events


class MonitorMetrics:
    """The registry plus an ``Observer`` that records into it."""

    def __init__(
        self,
        read_state: Callable[[], MonitorState] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.runs = Counter(
            "monitor_runs", "Probe runs by outcome", ["probe", "target", "outcome"], registry=r
        )
        self.skips = Counter(
            "monitor_runs_skipped",
            "Runs not sent, by reason",
            ["probe", "target", "reason"],
            registry=r,
        )
        self.latency = Histogram(
            "monitor_run_latency_seconds",
            "Probe latency (whole exchange, retries included)",
            ["probe"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.ttft = Histogram(
            "monitor_time_to_first_token_seconds",
            "Time to the first streamed token",
            ["probe"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "monitor_alert_deliveries",
            "Alert delivery attempts by result",
            ["sink", "result"],
            registry=r,
        )
        self.delivery_latency = Histogram(
            "monitor_alert_delivery_seconds",
            "Alert delivery attempt latency",
            ["sink"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.lateness = Histogram(
            "monitor_scheduler_lateness_seconds",
            "How late a scheduled slot started",
            ["probe"],
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        if read_state is not None and now is not None:
            r.register(StateCollector(read_state, now))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # Observer
    def run_completed(
        self, view: dict[str, Any], observation: Observation | None, judgement: Judgement | None
    ) -> None:
        outcome = view.get("outcome") or "unknown"
        if outcome == "skipped":
            return  # counted by ``run_skipped``, which says why
        self.runs.labels(view["probe"], view["target"], outcome).inc()
        if view.get("latency_ms") is not None:
            self.latency.labels(view["probe"]).observe(view["latency_ms"] / 1000)
        stream = observation.stream if observation is not None else None
        if stream is not None and stream.ttft_ms is not None:
            self.ttft.labels(view["probe"]).observe(stream.ttft_ms / 1000)

    def run_skipped(self, probe: str, target: str, reason: str) -> None:
        self.runs.labels(probe, target, "skipped").inc()
        self.skips.labels(probe, target, reason).inc()

    def slot_started(self, probe: str, slot: datetime, started: datetime) -> None:
        self.lateness.labels(probe).observe(max(0.0, (started - slot).total_seconds()))

    def delivery_attempted(
        self, sink: str, result: DeliveryResult, latency_ms: float | None
    ) -> None:
        self.deliveries.labels(sink, result).inc()
        if latency_ms is not None:
            self.delivery_latency.labels(sink).observe(latency_ms / 1000)
