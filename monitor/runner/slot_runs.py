"""The scheduler's job: one scheduled run of a probe, tracked while it is in flight so the
service's wind-down can give it its grace period (and cancel it after)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from monitor.clock import Clock
from monitor.config.schema import ProbeConfig
from monitor.core.model import Trigger
from monitor.runner.pipeline import Pipeline
from monitor.telemetry.observers import Observer


class SlotRuns:
    def __init__(self, pipeline: Pipeline, observer: Observer, clock: Clock) -> None:
        self.pipeline = pipeline
        self.observer = observer
        self.clock = clock
        self.in_flight: set[asyncio.Task[object]] = set()

    async def run(self, probe: ProbeConfig, slot: datetime) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        self.observer.slot_started(probe.name, slot, self.clock.now())
        try:
            await self.pipeline.run_once(probe, slot, Trigger.SCHEDULE)
        finally:
            if task is not None:
                self.in_flight.discard(task)
