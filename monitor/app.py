"""The composition root: every collaborator is built here and passed in, nowhere else.

``build_app`` wires config -> store, transports, sinks, tracer, dispatcher, pipeline and its
recorder, self-watch, heartbeat, and the service's scheduler, reaper and retention job; with
``service=True`` (``monitor run``) also the API and the dead man's switch.
``monitor.service.serve`` only runs what it built.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets as pysecrets
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter

from monitor.alerts import AlertSink, build_sinks, close_sinks
from monitor.alerts.checkpoints import Checkpoints
from monitor.alerts.dispatch import Dispatcher, Sleep
from monitor.alerts.policy import windows_from_config
from monitor.alerts.routing import select_sinks
from monitor.blocking import BlockingPool
from monitor.clock import Clock, SystemClock
from monitor.config.dburl import DatabaseLocation, locate_database
from monitor.config.loader import LoadedConfig
from monitor.config.schema import Config, explicit
from monitor.contract import Contract, load_contracts
from monitor.errors import StorageError, UsageError
from monitor.ids import new_id
from monitor.probes.transport import HttpTransport
from monitor.runner.admission import Admission
from monitor.runner.deps import PipelineDeps
from monitor.runner.jobs import RunnerJobs, build_jobs
from monitor.runner.pipeline import Pipeline
from monitor.runner.prepared import PreparedProbes
from monitor.runner.recorder import RunRecorder
from monitor.runner.spool import Spool
from monitor.selfcheck.deadman import DeadmanSwitch
from monitor.selfcheck.health import Heartbeat
from monitor.selfcheck.selfwatch import SelfWatch
from monitor.storage import create_store
from monitor.storage.base import Store
from monitor.storage.records import AlertContext
from monitor.telemetry.logs import RunLogObserver
from monitor.telemetry.metrics import MonitorMetrics, MonitorState
from monitor.telemetry.observers import FanOut, Observer
from monitor.telemetry.tracing import build_tracer_provider

if TYPE_CHECKING:
    from monitor.api.server import ApiServer

log = logging.getLogger("monitor.app")
SHUTDOWN_GRACE_S = 10.0


def database_url(config: Config, env: Mapping[str, str]) -> str:
    """``MONITOR_DATABASE_URL`` over ``storage.url`` (already checked with the config)."""
    return database_location(config, env).url


def database_location(source: LoadedConfig | Config, env: Mapping[str, str]) -> DatabaseLocation:
    """Which database, and where its URL came from; a relative SQLite path in the config file
    is read against that file's directory (only a bare ``Config`` has none: the working one)."""
    config, path = (
        (source.config, source.path) if isinstance(source, LoadedConfig) else (source, None)
    )
    try:
        return locate_database(config.storage.url, path, env, Path.cwd())
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


def open_store(
    source: LoadedConfig | Config,
    env: Mapping[str, str],
    clock: Clock,
    *,
    must_exist: bool = False,
) -> Store:
    """Open the database; SQLite migrates itself, PostgreSQL must be at the migration head.

    ``must_exist``: commands that only read never create a SQLite file; a missing one is a
    UsageError naming the path and where the URL came from (an empty new database would
    answer "no runs" and look like an answer).
    """
    where = database_location(source, env)
    _point_out_moved_database(where)
    if must_exist and where.path is not None and not where.path.exists():
        raise UsageError(
            f"no database at {where.path} (from {where.origin}): nothing has been recorded "
            "there yet; run `monitor check` or `monitor run`, or point the URL at the database"
        )
    url = where.url
    store = create_store(url, lambda: new_id(clock.now()), auto_upgrade=url.startswith("sqlite"))
    if not store.is_sqlite and not store.is_at_head():
        store.close()
        raise StorageError(
            "the database schema is not at the latest migration: run `monitor db upgrade`",
            retryable=False,
        )
    return store


def _point_out_moved_database(where: DatabaseLocation) -> None:
    """A relative ``storage.url`` used to be read against the working directory: when a
    database sits there and none at the config-relative path, say so (each command opens
    its store once, so this is said once)."""
    old, new = where.cwd_path, where.path
    if old is not None and new is not None and old.exists() and not new.exists():
        log.warning(
            "the relative SQLite path of %s is now read against the config file's directory: "
            "%s does not exist, but a database exists at the old place %s (the working "
            "directory); move it, or write an absolute path",
            where.origin,
            new,
            old,
        )


@dataclass
class App:
    loaded: LoadedConfig
    store: Store
    db: BlockingPool
    transports: dict[str, HttpTransport]
    sinks: dict[str, AlertSink]
    tracer_provider: TracerProvider
    dispatcher: Dispatcher
    pipeline: Pipeline
    clock: Clock
    observer: Observer
    selfwatch: SelfWatch
    metrics: MonitorMetrics
    heartbeat: Heartbeat
    jobs: RunnerJobs  # scheduler, slot ledger, reaper, retention
    api: ApiServer | None = None  # only for ``monitor run`` (``service=True``)
    deadman: DeadmanSwitch | None = None

    @property
    def config(self) -> Config:
        return self.loaded.config

    async def aclose(self) -> None:
        if self.deadman is not None:
            self.deadman.close()
        if self.api is not None:
            self.api.close()
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
    store: Store | None = None,
    worker_id: str | None = None,
    observer: Observer | None = None,
    contracts: Mapping[str, Contract] | None = None,
    sleep: Sleep | None = None,
    checkpoints: Checkpoints | None = None,
    service: bool = False,
    api_listen: str | None = None,
) -> App:
    """``service``: also the API (when ``api.enabled``) and the dead man's switch (when
    configured), which only ``monitor run`` serves; their secrets are checked by then.
    ``api_listen``: the API (and its pages) on this address whatever ``api`` says (``demo
    --serve``)."""
    environ = os.environ if env is None else env
    clock = clock or SystemClock()
    config = loaded.config
    # Contracts are read, resolved and compiled once, before anything runs: a broken document
    # stops the start (ConfigError), never a probe at 3 a.m.
    contracts = load_contracts(loaded, clock.now()) if contracts is None else contracts
    # Sinks before the store: an unset sink secret fails before anything is opened or written.
    sinks = build_sinks(
        config.alerts,
        env=environ,
        stderr=stderr or sys.stderr,
        stdout=stdout,
        clock=clock,
        routes=config.routes,
    )
    sink_names = list(sinks)
    try:
        store = store or open_store(loaded, environ, clock)
    except BaseException:
        close_sinks(sinks)
        raise
    db = BlockingPool(1 if store.is_sqlite else 4, "db")
    worker = worker_id or worker_identity()
    metrics = metrics_for(store, config, clock)
    heartbeat = Heartbeat(store, db, clock, worker)
    try:  # before transports and tracer: a bad API listen or token leaves less to close
        wants_api = api_listen is not None or (service and config.api.enabled)
        api = (
            _api_server(config, environ, store, clock, metrics, heartbeat, api_listen)
            if wants_api
            else None
        )
        deadman = _deadman(config, environ, store, db) if service else None
    except BaseException:
        close_sinks(sinks)
        db.shutdown()
        store.close()
        raise
    transports = {
        name: HttpTransport(max_connections=target.max_connections, body_cap=target.max_body)
        for name, target in config.targets.items()
    }

    def router(context: AlertContext) -> list[str]:
        return select_sinks(context, config.routes, sink_names)

    provider = build_tracer_provider(
        # a key left at its default yields to OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES
        service_name=explicit(config.telemetry, "service_name"),
        environment=explicit(config, "environment"),
        exporter=span_exporter,
        console=console_spans,
        env=environ,
        stderr=stderr or sys.stderr,
    )
    observer = FanOut(metrics, RunLogObserver(), *([observer] if observer else []))
    tracer = provider.get_tracer("monitor")
    # Runs and the self-watch write outbox rows and set this; the dispatcher waits on it.
    alerts_waiting = asyncio.Event()
    selfwatch = SelfWatch(store, db, clock, config, sink_names, on_alerts=alerts_waiting.set)
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
        wakeup=alerts_waiting,
    )
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
            probes=PreparedProbes(config, dict(contracts)),
            recorder=RunRecorder(store, db, router, alerts_waiting.set, observer),
            observer=observer,
            admission=Admission(config, store, db),
            spool=Spool(spool_directory(config, environ)),
        )
    )
    jobs = build_jobs(loaded, store, db, clock, pipeline, observer, worker)
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
        jobs,
        api,
        deadman,
    )


def _api_server(
    config: Config,
    env: Mapping[str, str],
    store: Store,
    clock: Clock,
    metrics: MonitorMetrics,
    heartbeat: Heartbeat,
    listen: str | None,
) -> ApiServer:
    # Imported here: starlette and uvicorn are for the long-lived service only, so commands
    # that build an app for one batch of runs (``check``, ``baseline accept``) start without.
    from monitor.api.wiring import make_api_server

    return make_api_server(config, env, store, clock, metrics, heartbeat, listen=listen)


def _deadman(
    config: Config, env: Mapping[str, str], store: Store, db: BlockingPool
) -> DeadmanSwitch | None:
    if config.alerts.deadman is None:
        return None
    url = env[config.alerts.deadman.url_env]  # ``run`` checked it is set (require_secrets)
    return DeadmanSwitch(url=url, store=store, db=db, every=config.alerts.deadman.every)


def metrics_for(store: Store, config: Config, clock: Clock) -> MonitorMetrics:
    """Metrics whose database gauges cover the configured probes."""
    names = [p.name for p in config.probes]

    def read_state() -> MonitorState:
        return MonitorState(store.probe_status(names), store.open_event_counts())

    return MonitorMetrics(read_state, clock.now)
