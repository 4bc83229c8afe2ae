"""The composition root: every collaborator is built here and passed in, nowhere else.

``build_app`` wires config -> store, transports, sinks, tracer, dispatcher, pipeline;
``serve`` runs the long-lived service (``monitor run`` and ``monitor demo`` share it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets as pysecrets
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter

from monitor.admission import Admission
from monitor.alerts import AlertSink, build_sinks, close_sinks
from monitor.alerts.policy import windows_from_config
from monitor.alerts.routing import select_sinks
from monitor.api.server import ApiServer
from monitor.blocking import BlockingPool
from monitor.clock import Clock, SystemClock
from monitor.config.loader import LoadedConfig
from monitor.config.schema import Config, ProbeConfig
from monitor.contract import Contract, load_contracts
from monitor.core.model import Trigger
from monitor.dburl import normalize_database_url
from monitor.dispatch import Checkpoints, Dispatcher, Sleep
from monitor.errors import StorageError, UsageError
from monitor.health import Heartbeat
from monitor.ids import new_id
from monitor.logs import RunLogObserver
from monitor.metrics import MonitorMetrics, MonitorState
from monitor.observers import FanOut, Observer
from monitor.pipeline import Pipeline, PipelineDeps
from monitor.reaper import Reaper
from monitor.retention import RetentionJob
from monitor.scheduler import ProbeScheduler
from monitor.selfwatch import SelfWatch
from monitor.slots import SlotLedger
from monitor.spool import Spool
from monitor.storage import SqlStore, create_store
from monitor.storage.records import AlertContext
from monitor.telemetry import build_tracer_provider
from monitor.transport import HttpTransport

log = logging.getLogger("monitor.app")
SHUTDOWN_GRACE_S = 10.0


def database_url(config: Config, env: Mapping[str, str]) -> str:
    """``MONITOR_DATABASE_URL`` over ``storage.url`` (already checked with the config)."""
    from_env = env.get("MONITOR_DATABASE_URL")
    if not from_env:
        return config.storage.url
    try:
        return normalize_database_url(from_env)
    except ValueError as exc:
        raise UsageError(f"MONITOR_DATABASE_URL: {exc}") from None


def spool_directory(config: Config, env: Mapping[str, str]) -> Path:
    """``storage.spool_dir``, else ``$XDG_STATE_HOME/contract-monitor/spool``."""
    if config.storage.spool_dir:
        return Path(config.storage.spool_dir).expanduser()
    state = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or "~") / ".local" / "state")
    return Path(state).expanduser() / "contract-monitor" / "spool"


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{pysecrets.token_hex(2)}"


def open_store(config: Config, env: Mapping[str, str], clock: Clock) -> SqlStore:
    """Open the database; SQLite migrates itself, PostgreSQL must be at the migration head."""
    url = database_url(config, env)
    store = create_store(url, lambda: new_id(clock.now()), auto_upgrade=url.startswith("sqlite"))
    if not store.is_sqlite and not store.is_at_head():
        store.close()
        raise StorageError(
            "the database schema is not at the latest migration: run `monitor db upgrade`",
            retryable=False,
        )
    return store


@dataclass
class App:
    loaded: LoadedConfig
    store: SqlStore
    db: BlockingPool
    transports: dict[str, HttpTransport]
    sinks: dict[str, AlertSink]
    tracer_provider: TracerProvider
    dispatcher: Dispatcher
    pipeline: Pipeline
    clock: Clock
    observer: Observer
    selfwatch: SelfWatch
    metrics: MonitorMetrics | None = None
    heartbeat: Heartbeat | None = None

    @property
    def config(self) -> Config:
        return self.loaded.config

    async def aclose(self) -> None:
        for transport in self.transports.values():
            await transport.aclose()
        close_sinks(self.sinks)
        self.tracer_provider.shutdown()
        self.db.shutdown()
        self.store.close()


def build_app(
    loaded: LoadedConfig,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    stderr: TextIO | None = None,
    stdout: TextIO | None = None,
    span_exporter: SpanExporter | None = None,
    console_spans: TextIO | None = None,
    store: SqlStore | None = None,
    worker_id: str | None = None,
    observer: Observer | None = None,
    contracts: Mapping[str, Contract] | None = None,
    sleep: Sleep | None = None,
    checkpoints: Checkpoints | None = None,
) -> App:
    environ = os.environ if env is None else env
    clock = clock or SystemClock()
    config = loaded.config
    # Contracts are read, resolved and compiled once, before anything runs: a broken document
    # stops the start (ConfigError), never a probe at 3 a.m.
    contracts = load_contracts(loaded, clock.now()) if contracts is None else contracts
    # Sinks before the store: an unset sink secret fails before anything is opened or written.
    sinks = build_sinks(
        config.alerts, env=environ, stderr=stderr or sys.stderr, stdout=stdout, clock=clock
    )
    sink_names = list(sinks)
    try:
        store = store or open_store(config, environ, clock)
    except BaseException:
        close_sinks(sinks)
        raise
    db = BlockingPool(1 if store.is_sqlite else 4, "db")
    transports = {
        name: HttpTransport(max_connections=target.max_connections, body_cap=target.max_body)
        for name, target in config.targets.items()
    }

    def router(context: AlertContext) -> list[str]:
        return select_sinks(context, config.routes, sink_names)

    provider = build_tracer_provider(
        service_name=config.telemetry.service_name,
        environment=config.environment,
        exporter=span_exporter,
        console=console_spans,
        env=environ,
        stderr=stderr or sys.stderr,
    )
    worker = worker_id or worker_identity()
    metrics = metrics_for(store, config, clock)
    observer = FanOut(metrics, RunLogObserver(), *([observer] if observer else []))
    tracer = provider.get_tracer("monitor")
    selfwatch = SelfWatch(store, db, clock, config, sink_names)
    dispatcher = Dispatcher(
        store,
        sinks,
        clock,
        db,
        worker_id=worker,
        observer=observer,
        tracer=tracer,
        sleep=sleep or asyncio.sleep,
        group_window=config.alerts.group_window,
        routes=config.routes,
        windows=windows_from_config(config.maintenance),
        checkpoints=checkpoints,
        on_sink_failure=selfwatch.sink_failed,
    )
    selfwatch.on_alerts = dispatcher.wake
    pipeline = Pipeline(
        PipelineDeps(
            loaded=loaded,
            store=store,
            db=db,
            transports=transports,
            env=environ,
            clock=clock,
            tracer=tracer,
            router=router,
            new_id=new_id,
            worker_id=worker,
            on_alerts=dispatcher.wake,
            observer=observer,
            admission=Admission(config, store, db),
            contracts=dict(contracts),
            spool=Spool(spool_directory(config, environ)),
        )
    )
    heartbeat = Heartbeat(store, db, clock, worker)
    return App(
        loaded,
        store,
        db,
        transports,
        sinks,
        provider,
        dispatcher,
        pipeline,
        clock,
        observer,
        selfwatch,
        metrics,
        heartbeat,
    )


def metrics_for(store: SqlStore, config: Config, clock: Clock) -> MonitorMetrics:
    """Metrics whose database gauges cover the configured probes."""
    names = [p.name for p in config.probes]

    def read_state() -> MonitorState:
        return MonitorState(store.probe_status(names), store.open_event_counts())

    return MonitorMetrics(read_state, clock.now)


async def serve(
    app: App,
    stop: asyncio.Event,
    probes: list[ProbeConfig] | None = None,
    *,
    grace_s: float = SHUTDOWN_GRACE_S,
    api: ApiServer | None = None,
) -> None:
    """Run the scheduler, reaper, retention, dispatcher and heartbeat (and the API when given)
    until ``stop`` is set, then wind down in bounds: runs in flight get ``grace_s`` to finish;
    the rest are cancelled and their claims released so another replica re-runs them at once;
    the outbox drains (5 s at most) and our undelivered alert claims go back to the queue.
    ``App.aclose`` flushes spans."""
    in_flight: set[asyncio.Task[object]] = set()
    selected = list(probes if probes is not None else app.config.probes)
    worker = app.pipeline.deps.worker_id

    async def job(probe: ProbeConfig, slot: datetime) -> None:
        task = asyncio.current_task()
        if task is not None:
            in_flight.add(task)
        app.observer.slot_started(probe.name, slot, app.clock.now())
        try:
            await app.pipeline.run_once(probe, slot, Trigger.SCHEDULE)
        finally:
            if task is not None:
                in_flight.discard(task)

    ledger = SlotLedger({p.name: app.pipeline.lease(p) for p in selected})
    scheduler = ProbeScheduler(selected, job, ledger)
    reaper = Reaper(
        store=app.store,
        db=app.db,
        clock=app.clock,
        pipeline=app.pipeline,
        probes=list(app.config.probes),
        ledger=ledger,
        worker_id=worker,
        config_hash=app.loaded.config_hash,
        observer=app.observer,
    )
    retention = RetentionJob(app.store, app.db, app.clock, app.config.retention)
    await reaper.resume_ledger([p.name for p in selected])
    scheduler.start()
    background = [
        asyncio.create_task(_replay_spool(app, stop)),
        asyncio.create_task(app.dispatcher.serve(stop)),
        asyncio.create_task(app.selfwatch.serve(stop)),
        asyncio.create_task(reaper.serve(stop)),
        asyncio.create_task(retention.serve(stop)),
    ]
    if app.heartbeat is not None:
        background.append(asyncio.create_task(app.heartbeat.run(stop)))
    if api is not None:
        background.append(asyncio.create_task(api.run(stop)))
    log.info("monitor running: %d probe(s)", len(selected))
    try:
        await stop.wait()
    finally:
        scheduler.pause()
        await _finish_in_flight(in_flight | reaper.in_flight, grace_s)
        await _release(app, app.store.release_claims, worker, app.clock.now())
        try:
            await reaper.flush_skips()
        except Exception as exc:  # the database is gone: other replicas' ledgers still count
            log.warning("could not record the slots this replica skipped: %s", exc)
        scheduler.shutdown()
        stop.set()  # also when leaving by an exception: the loops below must end
        await asyncio.gather(*background, return_exceptions=True)
        await app.dispatcher.drain(timeout_s=5.0)
        await _release(app, app.store.release_outbox, worker)


async def _replay_spool(app: App, stop: asyncio.Event, interval_s: float = 5.0) -> None:
    """Record the runs spooled while the database was down, as soon as it answers again."""
    while not stop.is_set():
        try:
            replayed = await app.pipeline.replay_spool()
            if replayed:
                log.info("recorded %d spooled run(s)", replayed)
        except Exception:  # a bad file must not stop the loop; it stays for the next pass
            log.exception("replaying the spool failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


async def _finish_in_flight(tasks: set[asyncio.Task[object]], grace_s: float) -> None:
    if not tasks:
        return
    log.info("waiting up to %.0fs for %d in-flight probe(s)", grace_s, len(tasks))
    _done, pending = await asyncio.wait(set(tasks), timeout=grace_s)
    for task in pending:
        task.cancel()
    if pending:
        log.warning("%d probe(s) did not finish within %.0fs: cancelled", len(pending), grace_s)
        await asyncio.gather(*pending, return_exceptions=True)


async def _release(app: App, release: Callable[..., int], *args: object) -> None:
    """Hand our leases back; if the database is gone they simply expire."""
    try:
        released = await app.db.run(release, *args)
    except Exception as exc:
        log.warning("could not release leases (they will expire instead): %s", exc)
        return
    if released:
        log.info("released %d lease(s) for other replicas", released)
