"""The monitor watches itself, so that its silence never looks like health.

- Staleness: a probe with no completed run (pass, drift or fail — skipped runs do not count)
  for 3× its interval opens a ``monitor-stale`` event of that probe; it resolves when runs
  complete again. A probe that never ran is measured from when this watcher started.
- Delivery: a sink whose latest attempt failed permanently, or with an alert undelivered for
  longer than ``alerts.undelivered_after``, opens a ``delivery-failing`` event (probe
  ``@monitor``, target = the sink) alerted on the *other* sinks; it resolves once the sink
  delivers again.

Both are ordinary events (``storage.self_events``): recorded, routed (category
``monitor_health``; every sink when no route takes them), threaded and resolved like drift.
Every replica may watch: the probe lock makes them write one event. A monitor that is down
entirely cannot report itself — use ``/healthz`` or an external heartbeat for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from monitor.alerts.routing import select_sinks
from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.config.schema import Config, ProbeConfig
from monitor.core.model import SELF_PROBE
from monitor.runner.scheduler import fires_per_day, probe_interval
from monitor.storage.base import SelfWatchLedger
from monitor.storage.params import SelfObservation
from monitor.storage.records import AlertContext

log = logging.getLogger("monitor.selfcheck.selfwatch")
STALE_FACTOR = 3
WATCH_EVERY_S = 30.0


def expected_interval(probe: ProbeConfig) -> timedelta:
    every = probe_interval(probe)
    if every is not None:
        return every
    return timedelta(days=1) / max(1, fires_per_day(probe))


def stale_fingerprint(probe: str) -> str:
    return f"{probe}|health|monitor-stale|"


def delivery_fingerprint(sink: str) -> str:
    return f"{SELF_PROBE}|health|delivery-failing|{sink}"


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


class SelfWatch:
    def __init__(
        self,
        store: SelfWatchLedger,
        db: BlockingPool,
        clock: Clock,
        config: Config,
        sink_names: Sequence[str],
        *,
        started_at: datetime | None = None,
        on_alerts: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.db = db
        self.clock = clock
        self.config = config
        self.sink_names = list(sink_names)
        self.started_at = started_at or clock.now()
        self.on_alerts = on_alerts

    def _router(self, exclude: frozenset[str]) -> Callable[[AlertContext], list[str]]:
        def router(context: AlertContext) -> list[str]:
            return select_sinks(context, self.config.routes, self.sink_names, exclude)

        return router

    def _probe_info(self, probe: ProbeConfig | None) -> dict[str, object]:
        return {
            "owner": probe.owner if probe else None,
            "runbook_url": probe.runbook_url if probe else None,
            "environment": self.config.environment,
            "trace_link": self.config.alerts.trace_link,
        }

    async def check_stale(self, now: datetime | None = None) -> int:
        now = now or self.clock.now()
        last = await self.db.run(
            self.store.last_completed_runs, [p.name for p in self.config.probes]
        )
        written = 0
        for probe in self.config.probes:
            interval = expected_interval(probe)
            reference = last.get(probe.name)
            # A run could only complete once this monitor started: a restart after a long
            # stop (a deploy) is not staleness until the probe has had its three intervals.
            since = max(reference, self.started_at) if reference else self.started_at
            silent = now - since
            stale = silent > STALE_FACTOR * interval
            if reference is None or reference < self.started_at:
                message = f"no completed run since the monitor started {_ago(silent)} ago"
            else:
                message = f"no completed run for {_ago(silent)} (last {reference.isoformat()})"
            message += f"; expected one every {interval.total_seconds():g}s"
            obs = SelfObservation(
                fingerprint=stale_fingerprint(probe.name),
                probe=probe.name,
                target=probe.target,
                kind="monitor-stale",
                message=message,
                seen=stale,
                probe_info=self._probe_info(probe),
            )
            router = self._router(frozenset())
            written += len(await self.db.run(self.store.observe_self, obs, now, router))
        return written + await self._resolve_removed(now)

    async def _resolve_removed(self, now: datetime) -> int:
        """A probe taken out of the configuration is not stale: its open ``monitor-stale``
        event resolves (otherwise it would remind someone about it forever)."""
        configured = {p.name for p in self.config.probes}
        written = 0
        for event in await self.db.run(self.store.active_stale_events):
            if event.probe in configured:
                continue
            obs = SelfObservation(
                fingerprint=stale_fingerprint(event.probe),
                probe=event.probe,
                target=event.target,
                kind="monitor-stale",
                message="the probe is no longer in the configuration",
                seen=False,
                probe_info=self._probe_info(None),
                resolve_reason="removed",
            )
            router = self._router(frozenset())
            written += len(await self.db.run(self.store.observe_self, obs, now, router))
        return written

    async def check_sinks(self, now: datetime | None = None, only: str | None = None) -> int:
        now = now or self.clock.now()
        written = 0
        bound = self.config.alerts.undelivered_after
        for sink in self.sink_names:
            if only is not None and sink != only:
                continue
            health = await self.db.run(self.store.sink_health, sink, now, bound)
            if health.failing:
                log.error("alert delivery is failing: %s", health.reason)
            message = health.reason or f"{sink} delivers again"
            if health.failing and health.undelivered:
                message += f" ({health.undelivered} alert(s) not delivered)"
            obs = SelfObservation(
                fingerprint=delivery_fingerprint(sink),
                probe=SELF_PROBE,
                target=sink,
                kind="delivery-failing",
                message=message,
                seen=health.failing,
                probe_info=self._probe_info(None),
            )
            router = self._router(frozenset({sink}))
            written += len(await self.db.run(self.store.observe_self, obs, now, router))
        return written

    async def sink_failed(self, sink: str) -> None:
        """The dispatcher's hook: a sink just failed permanently."""
        if await self.check_sinks(only=sink):
            self.on_alerts()

    async def tick(self, now: datetime | None = None) -> int:
        written = await self.check_stale(now) + await self.check_sinks(now)
        if written:
            self.on_alerts()
        return written

    async def serve(self, stop: asyncio.Event, interval_s: float = WATCH_EVERY_S) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # the database may be down; the next tick tries again
                log.exception("self-watch failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
