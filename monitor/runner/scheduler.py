"""Scheduling probes with APScheduler 3.11 (``AsyncIOScheduler``).

One job per probe, ``max_instances=1``, ``coalesce=True``. Each probe's slots sit at a fixed
offset derived from a hash of its name (not APScheduler's ``jitter``, which moves every run and
drifts the period), so replicas agree on slot times and probes spread over the interval.
The slot handed to ``run_once`` is the scheduled run time, never "now": ``SlotExecutor`` passes
APScheduler's run time into the job, rounded to the millisecond (slot times are whole
milliseconds; APScheduler computes them in floating point, and replicas started at different
times must agree on the exact value that keys the run row).
A ``SlotLedger`` (``monitor.runner.slots``) learns of every slot APScheduler coalesced or dropped.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.crontab import Crontab, crontab
from monitor.config.schema import ProbeConfig
from monitor.runner.slots import SlotLedger

log = logging.getLogger("monitor.runner.scheduler")
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
DEFAULT_NEGATIVE_EVERY = timedelta(hours=1)

SlotJob = Callable[[ProbeConfig, datetime], Awaitable[None]]


def start_offset(name: str, every: timedelta) -> timedelta:
    millis = max(int(every.total_seconds() * 1000), 1)
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return timedelta(milliseconds=digest % millis)


def probe_interval(probe: ProbeConfig) -> timedelta | None:
    if probe.every is not None:
        return probe.every
    if probe.cron is None:
        return DEFAULT_NEGATIVE_EVERY  # negative probes default to hourly (config checks the rest)
    return None


def trigger_for(probe: ProbeConfig) -> BaseTrigger:
    every = probe_interval(probe)
    if every is not None:
        return IntervalTrigger(
            seconds=every.total_seconds(),
            start_date=EPOCH + start_offset(probe.name, every),
            timezone=UTC,
        )
    assert probe.cron is not None
    return CrontabTrigger(crontab(probe.cron), start_offset(probe.name, CRON_SPREAD))


# A crontab's finest step is a minute, so shifting every fire time by less than that keeps the
# schedule's meaning while `*/5 * * * *` probes stop firing at the same instant.
CRON_SPREAD = timedelta(minutes=1)


class CrontabTrigger(BaseTrigger):  # type: ignore[misc]  # apscheduler 3 has no type hints
    """A crontab's fire times (crontab's meaning, see ``monitor.config.crontab``), each
    ``offset`` later (the per-probe offset)."""

    def __init__(self, cron: Crontab, offset: timedelta) -> None:
        self.cron = cron
        self.offset = offset

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # as APScheduler's CronTrigger: after a fire, look from just past it (so slots missed
        # while the loop was busy are reported, then coalesced), else from now
        start = now - self.offset
        if previous_fire_time is not None:
            start = min(start, previous_fire_time - self.offset + timedelta(microseconds=1))
        fire = self.cron.first_at_or_after(start)
        return fire + self.offset if fire is not None else None

    def __str__(self) -> str:
        return f"cron[{self.cron.expression}] + {self.offset.total_seconds():g}s"


def fires_per_day(probe: ProbeConfig, now: datetime | None = None) -> int:
    """How many slots the probe has in a day (cron schedules counted, capped at 100 000)."""
    every = probe_interval(probe)
    if every is not None:
        return round(timedelta(days=1) / every)
    trigger = trigger_for(probe)
    start = now or EPOCH
    end = start + timedelta(days=1)
    count = 0
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < end and count < 100_000:
        count += 1
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return count


def slot_time(run_time: datetime) -> datetime:
    """APScheduler's run time as the slot: UTC, rounded to the millisecond."""
    utc = run_time.astimezone(UTC)
    millis = round(utc.microsecond / 1000)
    return utc.replace(microsecond=0) + timedelta(milliseconds=millis)


class SlotExecutor(AsyncIOExecutor):  # type: ignore[misc]  # untyped base class, as above
    """Like ``AsyncIOExecutor`` but calls ``job.func(*args, slot=<scheduled run time>)``."""

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        slot = slot_time(run_times[-1])

        def done(task: Any) -> None:
            self._pending_futures.discard(task)
            try:
                task.result()
            except BaseException:
                self._run_job_error(job.id, *sys.exc_info()[1:])
            else:
                self._run_job_success(job.id, [])

        task = self._eventloop.create_task(job.func(*job.args, slot=slot))
        task.add_done_callback(done)
        self._pending_futures.add(task)


class ProbeScheduler:
    def __init__(
        self, probes: list[ProbeConfig], job: SlotJob, ledger: SlotLedger | None = None
    ) -> None:
        self._probes = probes
        self._job = job
        self._ledger = ledger
        self._triggers = {probe.name: trigger_for(probe) for probe in probes}
        self._scheduler = AsyncIOScheduler(
            executors={"default": SlotExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self.last_tick: datetime | None = None

    def start(self) -> None:
        if self._ledger is not None:
            self._scheduler.add_listener(self._on_max_instances, EVENT_JOB_MAX_INSTANCES)
        for probe in self._probes:
            self._scheduler.add_job(
                self._run,
                trigger=self._triggers[probe.name],
                args=[probe],
                id=f"probe:{probe.name}",
                name=probe.name,
            )
        self._scheduler.start()

    async def _run(self, probe: ProbeConfig, *, slot: datetime | None = None) -> None:
        # ``slot`` always comes from SlotExecutor; the default only satisfies APScheduler's
        # check of the job's signature when the job is added.
        self.last_tick = datetime.now(UTC)
        if slot is None:
            raise RuntimeError("the scheduler did not pass the slot time")
        if self._ledger is not None:
            missed = self._ledger.saw(probe.name, slot, _Rounded(self._triggers[probe.name]))
            if missed:
                log.warning(
                    "probe %s: %d slot(s) before %s were not started on this replica",
                    probe.name,
                    len(missed),
                    slot.isoformat(),
                )
        try:
            await self._job(probe, slot)
        except Exception:  # one probe's bug must not stop the schedule
            log.exception("probe %s failed unexpectedly for slot %s", probe.name, slot.isoformat())

    def _on_max_instances(self, event: Any) -> None:
        name = str(event.job_id).removeprefix("probe:")
        assert self._ledger is not None
        self._ledger.dropped(name, [slot_time(t) for t in event.scheduled_run_times])

    def next_slots(self) -> dict[str, datetime | None]:
        return {job.name: job.next_run_time for job in self._scheduler.get_jobs()}

    def pause(self) -> None:
        """Stop starting new runs; runs in flight continue."""
        if self._scheduler.running:
            self._scheduler.pause()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


class _Rounded:
    """A trigger whose fire times are slots (rounded like ``SlotExecutor`` rounds them)."""

    def __init__(self, trigger: BaseTrigger) -> None:
        self._trigger = trigger

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        fire = self._trigger.get_next_fire_time(previous, now)
        return slot_time(fire) if fire is not None else None
