"""The dispatcher: claims due outbox rows, delivers each message through its sink, records
every attempt. Delivery semantics are documented in ``docs/alerts.md``; in short:

- At-least-once with an idempotency key per message: a row whose sender died after claiming
  it is re-sent once, with the same key, after its lease expires (``storage.outbox``).
- Transient failures (connection errors, 5xx, 429) retry with capped exponential backoff and
  full jitter, or after the sink's ``Retry-After``; permanent ones (``invalid_auth``,
  ``channel_not_found``, a webhook 404) stop at once, stay visible as ``failed`` and call
  ``on_sink_failure`` (the self-watch raises a meta-alert on the other sinks).
- Pacing per sink key (Slack: one message a second per channel); a 429 pauses the key.
- Openings of one target are grouped into one message (``alerts.group_window``); ``drain``
  (``monitor check``) sends its batch at once without waiting for the window.
- Muted, acknowledged (reminders), maintenance-window alerts are recorded as ``suppressed``.

Collaborators are passed in: the clock (and ``sleep``, so pacing and backoff tests never
sleep), the tracer (one span per message, linked to the runs' spans), and ``checkpoints``, a
fault-injection seam the restart tests use to kill the process before or after a send.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from monitor.alerts.base import AlertSink, Delivery
from monitor.alerts.checkpoints import AFTER_SEND, BEFORE_SEND, Checkpoints, NoCheckpoints
from monitor.alerts.pacing import SharedPacer
from monitor.alerts.policy import Window, suppression_reason, waits_for_opening
from monitor.alerts.routing import with_route_owner
from monitor.blocking import BlockingPool
from monitor.clock import Clock
from monitor.config.schema import RouteConfig
from monitor.core.model import DeliveryResult
from monitor.core.policy.retry import RetryPolicy, full_jitter
from monitor.errors import DeliveryError
from monitor.storage.base import Outbox
from monitor.storage.params import ClaimPolicy
from monitor.storage.records import OutboxItem
from monitor.telemetry import semconv
from monitor.telemetry.delivery_span import delivery_span
from monitor.telemetry.observers import NullObserver, Observer

log = logging.getLogger("monitor.alerts.dispatch")
MIN_RETRY_S = 1.0  # never re-claim in the same pass (a Retry-After of 0 would spin)
OPENING_WAIT = timedelta(seconds=5)
FLUSH_OPENING_WAIT = timedelta(milliseconds=500)
MAX_PACE_WAIT_S = 10.0  # longer than this: give the rows back instead of holding their lease
LEASE_USE = 0.75  # a claim older than this share of the lease is released, not sent


def backoff_delay(attempt: int, rng: random.Random, base: float = 2.0, cap: float = 600.0) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)] after ``attempt`` failed sends
    (the probes' retry waits, ``core.policy.retry.full_jitter``, with the outbox's scale)."""
    return full_jitter(attempt + 1, RetryPolicy(backoff_s=base, max_backoff_s=cap), rng.random)


Sleep = Callable[[float], Awaitable[None]]


class Dispatcher:
    def __init__(
        self,
        store: Outbox,
        sinks: Mapping[str, AlertSink],
        clock: Clock,
        db: BlockingPool,
        *,
        worker_id: str,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 8,
        rng: random.Random | None = None,
        observer: Observer | None = None,
        tracer: trace.Tracer | None = None,
        sleep: Sleep = asyncio.sleep,
        group_window: timedelta = timedelta(seconds=30),
        routes: Sequence[RouteConfig] = (),
        windows: Sequence[Window] = (),
        checkpoints: Checkpoints | None = None,
        on_sink_failure: Callable[[str], Awaitable[None]] | None = None,
        wakeup: asyncio.Event | None = None,
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
        self.tracer = tracer or trace.NoOpTracer()
        self.sleep = sleep
        self.group_window = group_window
        self.routes = tuple(routes)
        self.windows = tuple(windows)
        self.checkpoints: Checkpoints = checkpoints or NoCheckpoints()
        self.on_sink_failure = on_sink_failure
        self.pacer = SharedPacer(store, db)
        # set by whoever wrote outbox rows (runs, the self-watch): shared, not patched in later
        self._wake = wakeup or asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    def _claim_policy(self, flush: bool) -> ClaimPolicy:
        groups = frozenset(name for name, sink in self.sinks.items() if sink.groups)
        return ClaimPolicy(
            lease=self.lease, group_hold=self.group_window, group_sinks=groups, flush=flush
        )

    async def deliver_due(self, *, flush: bool = False) -> int:
        """Deliver every message due now; returns how many messages were delivered."""
        delivered = 0
        policy = self._claim_policy(flush)
        while True:
            now = self.clock.now()
            items = await self.db.run(self.store.claim_outbox, now, self.worker_id, policy)
            if not items:
                return delivered
            # A follow-up whose opening is in this very batch goes right after it (next pass,
            # with the opening's thread); one whose opening waits elsewhere retries shortly.
            openings = {(i.event_id, i.sink) for i in items if i.opening_state is None}
            after_batch: list[str] = []
            later: list[str] = []
            lanes: dict[str, list[list[OutboxItem]]] = {}
            for group in _by_message(items):
                if len(group) == 1 and waits_for_opening(group[0]):
                    item = group[0]
                    mine = (item.event_id, item.sink) in openings
                    (after_batch if mine else later).append(item.id)
                    continue
                sink = self.sinks.get(group[0].sink)
                lane = (sink.pace_key() if sink else None) or f"sink:{group[0].sink}"
                lanes.setdefault(lane, []).append(group)
            counts = await asyncio.gather(*(self._run_lane(g, now) for g in lanes.values()))
            delivered += sum(counts)
            # When flushing (shutdown, `check`) the opening goes out in this very drain, so its
            # follow-up need not wait long: the drain comes back for it a moment later.
            wait = FLUSH_OPENING_WAIT if flush else OPENING_WAIT
            for ids, at in ((after_batch, self.clock.now()), (later, now + wait)):
                if ids:
                    await self.db.run(self.store.defer_outbox, ids, self.worker_id, at)

    async def _run_lane(self, groups: list[list[OutboxItem]], claimed_at: datetime) -> int:
        delivered = 0
        for index, group in enumerate(groups):
            if self.clock.now() > claimed_at + self.lease * LEASE_USE:
                # Slow sends or long pacing ate the lease: give the rest back rather than send
                # rows another worker may already have claimed again.
                rest = [i.id for g in groups[index:] for i in g]
                await self.db.run(self.store.defer_outbox, rest, self.worker_id, self.clock.now())
                break
            delivered += await self._deliver(group, claimed_at)
        return delivered

    async def _deliver(self, group: list[OutboxItem], claimed_at: datetime) -> int:
        now = self.clock.now()
        sink = self.sinks.get(group[0].sink)
        if sink is None:
            error = f"sink {group[0].sink!r} is not configured"
            await self._record(group, DeliveryResult.FAILED, error=error, permanent=True)
            return 0
        sendable = []
        for item in group:
            if (why := suppression_reason(item, now, self.windows)) is not None:
                await self._record([item], DeliveryResult.SUPPRESSED, error=why)
            else:
                sendable.append(item)
        if not sendable:
            return 0
        slot = await self.pacer.book(
            sink.pace_key(), sink.pace_interval, now, max_wait_s=MAX_PACE_WAIT_S
        )
        if not slot.booked and slot.key is not None:
            at = now + timedelta(seconds=slot.wait_s)
            await self.db.run(self.store.defer_outbox, [i.id for i in sendable], self.worker_id, at)
            return 0
        if slot.wait_s > 0:
            await self.sleep(slot.wait_s)
        if self.clock.now() > claimed_at + self.lease * LEASE_USE:
            await self.pacer.release(slot)  # not sent: the slot is someone else's to use
            ids = [i.id for i in sendable]
            await self.db.run(self.store.defer_outbox, ids, self.worker_id, self.clock.now())
            return 0
        return await self._send(sink, self._delivery(sendable))

    def _delivery(self, items: list[OutboxItem]) -> Delivery:
        lead = items[0]
        return Delivery(
            sink=lead.sink,
            key=lead.delivery_key or lead.idempotency_key,
            items=tuple(items),
            payloads=tuple(with_route_owner(i.payload, self.routes) for i in items),
            thread_ref=lead.thread_ref if len(items) == 1 else None,
            thread_events=lead.thread_events,
            unknown_outcome=any(i.unknown_outcome for i in items),
        )

    async def _send(self, sink: AlertSink, delivery: Delivery) -> int:
        items = list(delivery.items)
        self.checkpoints.reached(BEFORE_SEND, delivery)
        began = self.clock.monotonic()
        with delivery_span(self.tracer, sink.name, delivery.key, delivery.payloads) as span:
            try:
                ref = await asyncio.to_thread(sink.deliver, delivery)
            except DeliveryError as exc:
                latency = (self.clock.monotonic() - began) * 1000
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                await self._failed(sink, items, exc, latency)
                return 0
            except Exception as exc:  # a sink bug must not kill the dispatcher: retry it later
                log.exception("alert %s to %s raised unexpectedly", delivery.key, sink.name)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                delay = self._backoff(items)
                retry_at = self.clock.now() + timedelta(seconds=delay)
                error = f"{type(exc).__name__}: {exc}"
                await self._record(items, DeliveryResult.RETRY, error=error, retry_at=retry_at)
                return 0
            latency = (self.clock.monotonic() - began) * 1000
            self.checkpoints.reached(AFTER_SEND, delivery)
            if ref is not None:
                span.set_attribute(semconv.MONITOR_ALERT_REF, ref)
            await self._record(items, DeliveryResult.DELIVERED, external_ref=ref, latency=latency)
        return 1

    def _backoff(self, items: Sequence[OutboxItem]) -> float:
        attempts = max(i.attempts for i in items)
        return max(MIN_RETRY_S, backoff_delay(attempts, self.rng))

    async def _failed(
        self, sink: AlertSink, items: list[OutboxItem], exc: DeliveryError, latency: float
    ) -> None:
        attempts = max(i.attempts for i in items) + 1
        if exc.permanent or attempts >= self.max_attempts:
            why = str(exc) if exc.permanent else f"{exc} (gave up after {attempts} attempts)"
            log.warning("alert to %s failed permanently: %s", sink.name, why)
            await self._record(
                items, DeliveryResult.FAILED, error=why, permanent=exc.permanent, latency=latency
            )
            if self.on_sink_failure is not None:
                await self.on_sink_failure(sink.name)
            return
        if exc.retry_after is not None:
            delay = max(MIN_RETRY_S, exc.retry_after)
            await self.pacer.pause(sink.pace_key(), self.clock.now() + timedelta(seconds=delay))
        else:
            delay = self._backoff(items)
        retry_at = self.clock.now() + timedelta(seconds=delay)
        await self._record(
            items, DeliveryResult.RETRY, error=str(exc), retry_at=retry_at, latency=latency
        )

    async def _record(
        self,
        items: Sequence[OutboxItem],
        result: DeliveryResult,
        *,
        error: str | None = None,
        permanent: bool = False,
        retry_at: datetime | None = None,
        external_ref: str | None = None,
        latency: float | None = None,
    ) -> None:
        if result is not DeliveryResult.SUPPRESSED:
            self.observer.delivery_attempted(items[0].sink, result, latency)
        lost = await self.db.run(
            self.store.record_deliveries,
            [i.id for i in items],
            now=self.clock.now(),
            result=result,
            latency_ms=latency,
            error=error,
            external_ref=external_ref,
            retry_at=retry_at,
            permanent=permanent,
            worker=self.worker_id,
        )
        if lost:
            log.warning("lease lost on %d alert row(s) before recording %s", len(lost), result)

    async def drain(self, timeout_s: float) -> int:
        """Deliver until nothing is pending that could be sent within ``timeout_s`` (``monitor
        check`` before exit, and shutdown). The batch is sent at once: openings are grouped
        without waiting for the window; a row due later within the bound (a follow-up waiting
        for its opening, a short ``Retry-After``) is waited for, not left behind."""
        delivered = 0
        deadline = self.clock.now() + timedelta(seconds=timeout_s)
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    delivered += await self.deliver_due(flush=True)
                    due = await self.db.run(self.store.next_pending_alert_at)
                    if due is None or due > deadline:
                        break
                    await self.sleep(max((due - self.clock.now()).total_seconds(), 0.05))
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


def _by_message(items: Sequence[OutboxItem]) -> list[list[OutboxItem]]:
    """Claimed rows as messages: rows sharing a sink and a delivery key go out together."""
    messages: dict[tuple[str, str], list[OutboxItem]] = {}
    for item in items:
        key = (item.sink, item.delivery_key or item.idempotency_key)
        messages.setdefault(key, []).append(item)
    # The leader (whose key the message carries) first, then by id (ids sort by time).
    return [
        sorted(group, key=lambda i: (i.idempotency_key != i.delivery_key, i.id))
        for group in messages.values()
    ]
