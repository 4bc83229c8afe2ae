"""The runner's long-lived jobs for one replica, built by the composition root
(``monitor.app.build_app``) and run by ``monitor.service.serve``: the scheduler (every probe,
its slots run through ``SlotRuns``), the slot ledger, the reaper and the retention job.
Building starts nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.config.loader import LoadedConfig
from monitor.runner.pipeline import Pipeline
from monitor.runner.reaper import Reaper
from monitor.runner.retention import RetentionJob
from monitor.runner.scheduler import ProbeScheduler
from monitor.runner.slot_runs import SlotRuns
from monitor.runner.slots import SlotLedger
from monitor.storage.base import ReplicaLedger, Retention
from monitor.telemetry.observers import Observer


class JobsStore(ReplicaLedger, Retention, Protocol):
    """The roles the reaper and the retention job use."""


@dataclass(frozen=True)
class RunnerJobs:
    slot_runs: SlotRuns
    ledger: SlotLedger
    scheduler: ProbeScheduler
    reaper: Reaper
    retention: RetentionJob


def build_jobs(
    loaded: LoadedConfig,
    store: JobsStore,
    db: BlockingPool,
    clock: Clock,
    pipeline: Pipeline,
    observer: Observer,
    worker: str,
) -> RunnerJobs:
    """Every probe scheduled on this replica; the slots it misses, and dead owners' claims,
    the reaper takes."""
    probes = list(loaded.config.probes)
    slot_runs = SlotRuns(pipeline, observer, clock)
    ledger = SlotLedger({p.name: pipeline.lease(p) for p in probes})
    reaper = Reaper(
        store=store,
        db=db,
        clock=clock,
        pipeline=pipeline,
        probes=probes,
        ledger=ledger,
        worker_id=worker,
        config_hash=loaded.config_hash,
        observer=observer,
    )
    return RunnerJobs(
        slot_runs=slot_runs,
        ledger=ledger,
        scheduler=ProbeScheduler(probes, slot_runs.run, ledger),
        reaper=reaper,
        retention=RetentionJob(store, db, clock, loaded.config.retention),
    )
