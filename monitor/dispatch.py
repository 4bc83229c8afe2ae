"""The dispatcher: claims due outbox rows, delivers them through their sink, records each attempt.

Transient failures retry with capped exponential backoff and full jitter (or the sink's
``Retry-After``); permanent ones stop and stay visible as ``failed``. Delivery is at-least-once:
a row whose sender died mid-delivery is claimed again after its lease and re-sent with the
same idempotency key.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from datetime import datetime, timedelta

from monitor.alerts.base import AlertSink
from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.errors import DeliveryError
from monitor.observers import NullObserver, Observer
from monitor.storage.records import OutboxItem
from monitor.storage.sql import SqlStore

log = logging.getLogger("monitor.dispatch")


def backoff_delay(attempt: int, rng: random.Random, base: float = 2.0, cap: float = 600.0) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return rng.uniform(0, min(cap, base * (2**attempt)))


class Dispatcher:
    def __init__(
        self,
        store: SqlStore,
        sinks: Mapping[str, AlertSink],
        clock: Clock,
        db: BlockingPool,
        *,
        worker_id: str,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 8,
        rng: random.Random | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.store = store
        self.sinks = sinks
        self.clock = clock
        self.db = db
        self.worker_id = worker_id
        self.lease = lease
        self.max_attempts = max_attempts
        self.rng = rng or random.Random()
        self.observer: Observer = observer or NullObserver()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver every row due now; returns how many were delivered."""
        delivered = 0
        while True:
            items = await self.db.run(
                self.store.claim_outbox, self.clock.now(), self.worker_id, self.lease
            )
            if not items:
                return delivered
            for item in items:
                delivered += await self._deliver(item)

    async def _deliver(self, item: OutboxItem) -> int:
        sink = self.sinks.get(item.sink)
        if sink is None:
            await self._record(
                item, "failed", error=f"sink {item.sink!r} is not configured", permanent=True
            )
            return 0
        began = time.monotonic()
        try:
            ref = await asyncio.to_thread(sink.deliver, item)
        except DeliveryError as exc:
            latency = (time.monotonic() - began) * 1000
            if exc.permanent or item.attempts + 1 >= self.max_attempts:
                log.warning("alert %s to %s failed permanently: %s", item.id, item.sink, exc)
                await self._record(
                    item, "failed", error=str(exc), permanent=exc.permanent, latency=latency
                )
            else:
                delay = (
                    exc.retry_after
                    if exc.retry_after is not None
                    else backoff_delay(item.attempts, self.rng)
                )
                retry_at = self.clock.now() + timedelta(seconds=delay)
                await self._record(
                    item, "retry", error=str(exc), retry_at=retry_at, latency=latency
                )
            return 0
        except Exception as exc:  # a sink bug must not kill the dispatcher: retry it later
            log.exception("alert %s to %s raised unexpectedly", item.id, item.sink)
            retry_at = self.clock.now() + timedelta(seconds=backoff_delay(item.attempts, self.rng))
            await self._record(
                item, "retry", error=f"{type(exc).__name__}: {exc}", retry_at=retry_at
            )
            return 0
        latency = (time.monotonic() - began) * 1000
        await self._record(item, "delivered", external_ref=ref, latency=latency)
        return 1

    async def _record(
        self,
        item: OutboxItem,
        result: str,
        *,
        error: str | None = None,
        permanent: bool = False,
        retry_at: datetime | None = None,
        external_ref: str | None = None,
        latency: float | None = None,
    ) -> None:
        self.observer.delivery_attempted(item.sink, result, latency)
        await self.db.run(
            self.store.record_delivery,
            item.id,
            now=self.clock.now(),
            result=result,
            latency_ms=latency,
            error=error,
            external_ref=external_ref,
            retry_at=retry_at,
            permanent=permanent,
        )

    async def drain(self, timeout_s: float) -> int:
        """Deliver until nothing is due or ``timeout_s`` passes (``monitor check`` before exit)."""
        delivered = 0
        try:
            async with asyncio.timeout(timeout_s):
                delivered += await self.deliver_due()
        except TimeoutError:
            log.warning(
                "alert delivery did not finish within %.0fs; the rest stays queued", timeout_s
            )
        return delivered

    async def serve(self, stop: asyncio.Event, interval_s: float = 1.0) -> None:
        while not stop.is_set():
            try:
                await self.deliver_due()
            except Exception:  # the database may be down: keep the loop, alerts stay queued
                log.exception("alert dispatch failed; will retry")
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=interval_s, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            stopper.cancel()
