"""The reaper, on every replica: re-runs slots whose owner died before completing them, and
records as ``skipped`` the slots the scheduler coalesced or dropped.

Each ``tick``:
1. takes over claimed runs whose lease expired (``storage.claims.take_over_expired``: one
   replica wins each) and re-runs them through ``Pipeline.execute`` with the same run id; the
   run's ``note`` says whose claim it took over and why. A run whose probe is no longer
   configured, or an on-demand run (no slot), is completed ``skipped`` instead;
2. records the slot ledger's due skips (an insert that does nothing where the slot has a row).

Before the scheduler starts, ``resume_ledger`` hands the ledger each probe's latest stored slot,
so slots missed while no replica ran are recorded too (see ``monitor.runner.slots``).

Re-runs are tasks of their own (a slow probe never stalls the loop) and are visible in
``in_flight`` so shutdown waits for them like for scheduled runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.config.schema import ProbeConfig
from monitor.core.policy.refusal import Refusal
from monitor.runner.pipeline import Pipeline
from monitor.runner.slots import SlotLedger, skip_summaries
from monitor.storage.base import ReplicaLedger
from monitor.storage.params import SkippedSlot
from monitor.storage.records import TakenOver
from monitor.telemetry.observers import NullObserver, Observer

log = logging.getLogger("monitor.runner.reaper")
REAP_INTERVAL = timedelta(seconds=2)
GONE = "not re-run: the probe is no longer configured"
ABANDONED = "not re-run: the on-demand run's process ended before completing it"


@dataclass(frozen=True)
class Tick:
    taken_over: int = 0
    skipped_recorded: int = 0


class Reaper:
    def __init__(
        self,
        *,
        store: ReplicaLedger,
        db: BlockingPool,
        clock: Clock,
        pipeline: Pipeline,
        probes: list[ProbeConfig],
        ledger: SlotLedger,
        worker_id: str,
        config_hash: str,
        observer: Observer | None = None,
        interval: timedelta = REAP_INTERVAL,
        batch: int = 20,
    ) -> None:
        self.store = store
        self.db = db
        self.clock = clock
        self.pipeline = pipeline
        self.probes = {p.name: p for p in probes}
        self.ledger = ledger
        self.worker_id = worker_id
        self.config_hash = config_hash
        self.observer: Observer = observer or NullObserver()
        self.interval = interval
        self.batch = batch
        self.leases = {p.name: pipeline.lease(p) for p in probes}
        self.in_flight: set[asyncio.Task[object]] = set()

    async def resume_ledger(self, probes: list[str]) -> None:
        """Seed the ledger with the probes' latest stored slots (call before the scheduler
        starts). Without the database the gap goes unrecorded, but the service still starts."""
        started = self.clock.now()
        try:
            latest = await self.db.run(self.store.latest_slots, probes)
        except Exception as exc:
            log.warning(
                "could not read the probes' latest slots; slots missed while no replica ran "
                "will not be recorded: %s",
                exc,
            )
            return
        for probe, slot in latest.items():
            self.ledger.resume(probe, slot, started)

    async def tick(self) -> Tick:
        now = self.clock.now()
        taken = await self.db.run(
            self.store.take_over_expired, now, self.worker_id, self.leases, self.batch
        )
        for run in taken:
            log.warning("probe %s slot %s: %s", run.claim.probe, run.claim.slot_at, run.note)
            task: asyncio.Task[object] = asyncio.create_task(self._rerun(run))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        recorded = await self._record_skips()
        return Tick(taken_over=len(taken), skipped_recorded=recorded)

    async def _rerun(self, run: TakenOver) -> None:
        probe = self.probes.get(run.claim.probe)
        try:
            if probe is None or run.claim.slot_at is None:
                # an on-demand run (`monitor check`) belongs to whoever asked for it
                reason = GONE if probe is None else ABANDONED
                finished = self.clock.now()
                await self.db.run(self.store.complete_skipped, run.claim, finished, reason)
                return
            # A re-run is a run: the circuit breaker and the budgets apply to it as well (a
            # hard-down target must not be probed once per taken-over slot).
            admission = self.pipeline.deps.admission
            ticket = await admission.admit(probe, self.clock.now()) if admission else None
            if isinstance(ticket, Refusal):
                finished = self.clock.now()
                await self.db.run(self.store.complete_skipped, run.claim, finished, ticket)
                self.observer.run_skipped(probe.name, probe.target, ticket)
                return
            await self.pipeline.execute(probe, run.claim, ticket=ticket)
        except Exception:  # one re-run's failure must not stop the reaper
            log.exception("re-running run %s of probe %s failed", run.claim.run_id, run.claim.probe)

    async def flush_skips(self) -> int:
        """At shutdown: record every pending skip now (nobody will remember them after us; a
        slot another replica ran keeps its run, the insert does nothing there)."""
        return await self._record_skips(everything=True)

    async def _record_skips(self, *, everything: bool = False) -> int:
        now = self.clock.now()
        due = self.ledger.due(datetime.max.replace(tzinfo=UTC) if everything else now)
        slots = [
            SkippedSlot(
                probe=m.probe,
                target=probe.target,
                kind=probe.kind,
                slot_at=m.slot,
                reason=m.reason,
                run_id=self.pipeline.deps.new_id(m.slot),
                request_hash=self.pipeline.prepared(probe).spec.request_hash,
                config_hash=self.config_hash,
            )
            for m in due
            if (probe := self.probes.get(m.probe)) is not None
        ]
        if not slots:
            return 0
        recorded = await self.db.run(
            self.store.record_skipped_slots, slots, self.worker_id, self.clock.now()
        )
        done = [slot for slot in slots if slot.run_id in recorded]
        for slot in done:
            self.observer.run_skipped(slot.probe, slot.target, slot.reason)
        for line in skip_summaries([(s.probe, s.slot_at, s.reason) for s in done]):
            log.warning("%s", line)
        return len(recorded)

    async def serve(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # the database may be down: keep reaping once it is back
                log.exception("reaper pass failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval.total_seconds())
