"""What a run needs, passed in once by the composition root: ``PipelineDeps`` (config, store,
transports, clock, tracer, router, the prepared probes, the recorder, spool, ...). Kept apart
from ``pipeline`` so that ``spool_replay`` can use them without importing the pipeline that
calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from opentelemetry import trace

from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.config.loader import LoadedConfig
from monitor.probes.transport import HttpTransport
from monitor.runner.admission import Admission
from monitor.runner.prepared import PreparedProbes
from monitor.runner.recorder import RunRecorder
from monitor.runner.spool import Spool
from monitor.storage.base import RunLedger
from monitor.storage.records import AlertRouter
from monitor.telemetry.observers import NullObserver, Observer


@dataclass
class PipelineDeps:
    loaded: LoadedConfig
    store: RunLedger
    db: BlockingPool
    transports: Mapping[str, HttpTransport]
    env: Mapping[str, str]
    clock: Clock
    tracer: trace.Tracer
    router: AlertRouter
    new_id: Callable[[datetime], str]
    worker_id: str
    probes: PreparedProbes  # kind, spec, context, contract: resolved once per probe
    recorder: RunRecorder  # record -> wake the dispatcher -> observe (live runs and replay)
    observer: Observer = field(default_factory=NullObserver)
    admission: Admission | None = None  # circuit breaker and budgets; None admits every run
    spool: Spool | None = None  # where runs wait while the database is unavailable
