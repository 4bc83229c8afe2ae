"""``RunRecorder``: how a probed run becomes a recorded one, the same for a live run and a
spool replay: record it (judged inside its transaction) -> wake the dispatcher when it wrote
alerts -> tell the observers (metrics, logs) what the run came to.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.blocking import BlockingPool
from monitor.core.observation import Observation
from monitor.runner.result import RunResult
from monitor.storage.base import RunLedger
from monitor.storage.records import AlertRouter, Judge, RecordedRun, RunCompletion
from monitor.telemetry.observers import Observer


class RunRecorder:
    def __init__(
        self,
        store: RunLedger,
        db: BlockingPool,
        router: AlertRouter,
        wake_dispatcher: Callable[[], None],
        observer: Observer,
    ) -> None:
        self.store = store
        self.db = db
        self.router = router
        self.wake_dispatcher = wake_dispatcher
        self.observer = observer

    async def record(self, completion: RunCompletion, judge_run: Judge) -> RecordedRun:
        """One transaction: judge on fresh state, write the run, its events and alerts.
        Raises ``StorageError`` (retryable: spool it) or ``ClaimLost``."""
        return await self.db.run(self.store.record_run, completion, judge_run, self.router)

    def recorded(self, recorded: RecordedRun, result: RunResult, observation: Observation) -> None:
        """After the commit: alerts go out now, and the run is counted."""
        if recorded.outbox_ids:
            self.wake_dispatcher()
        self.observer.run_completed(result.view(), observation, recorded.judgement)
