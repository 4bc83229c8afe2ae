"""What a run needs, passed in once: ``PipelineDeps`` (config, store, transports, clock, tracer,
router, spool, ...) and ``judge_for``, the pure judgement of an observation that live runs and
spool replay both hand to the store. Kept apart from ``pipeline`` so that ``spool_replay`` can
use them without importing the pipeline that calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from opentelemetry import trace

from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.config.loader import LoadedConfig
from monitor.config.schema import ProbeConfig
from monitor.contract import Contract
from monitor.core.judge import Judgement, ProbeState, judge
from monitor.core.observation import Observation
from monitor.core.policy.scrub import Scrubber
from monitor.probes import context_for, kind_for
from monitor.probes.spec import probe_spec
from monitor.probes.transport import HttpTransport
from monitor.runner.admission import Admission
from monitor.runner.guard import guarded_judge
from monitor.runner.spool import Spool
from monitor.storage.records import AlertRouter
from monitor.storage.sql.store import SqlStore
from monitor.telemetry.observers import NullObserver, Observer


@dataclass
class PipelineDeps:
    loaded: LoadedConfig
    store: SqlStore
    db: BlockingPool
    transports: Mapping[str, HttpTransport]
    env: Mapping[str, str]
    clock: Clock
    tracer: trace.Tracer
    router: AlertRouter
    new_id: Callable[[datetime], str]
    worker_id: str
    on_alerts: Callable[[], None] = lambda: None
    observer: Observer = field(default_factory=NullObserver)
    admission: Admission | None = None  # circuit breaker and budgets; None admits every run
    contracts: Mapping[str, Contract] = field(default_factory=dict)  # by target name
    spool: Spool | None = None  # where runs wait while the database is unavailable


def judge_for(
    d: PipelineDeps,
    probe: ProbeConfig,
    observation: Observation,
    finished: datetime,
    scrubber: Scrubber | None = None,
) -> Callable[[ProbeState], Judgement]:
    """The pure judgement of ``observation``, to run inside the run's transaction; an
    exception in it becomes a ``monitor-error`` judgement, its message scrubbed with
    ``scrubber`` (``runner.guard``)."""
    kind = kind_for(probe.kind)
    spec = probe_spec(probe, kind.expected_status(probe))
    contract = d.contracts.get(probe.target)
    probe_context = context_for(probe, d.loaded.config)

    def judge_run(state: ProbeState) -> Judgement:
        return judge(
            observation,
            spec,
            state,
            finished,
            kind_checks=lambda doc: kind.check(probe, observation, doc, probe_context),
            contract=contract,
        )

    return guarded_judge(judge_run, observation, spec, finished, scrubber or Scrubber([]))
