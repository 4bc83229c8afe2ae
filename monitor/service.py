"""The long-lived service (``monitor run`` and ``monitor demo`` share it): the scheduler, the
reaper, retention, the alert dispatcher, the self-watch, the heartbeat and the API, on one
event loop over an ``App`` that ``monitor.app.build_app`` built (this module builds nothing);
and a bounded wind-down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from monitor.app import SHUTDOWN_GRACE_S, App

log = logging.getLogger("monitor.service")


async def serve(app: App, stop: asyncio.Event, *, grace_s: float = SHUTDOWN_GRACE_S) -> None:
    """Run what ``build_app`` built — the scheduler, reaper, retention, spool replay,
    dispatcher, self-watch and heartbeat, and the API and dead man's switch when it built them —
    until ``stop`` is set, then wind down in bounds: runs in flight get ``grace_s`` to finish;
    the rest are cancelled and their claims released so another replica re-runs them at once;
    the outbox drains (5 s at most) and our undelivered alert claims go back to the queue.
    ``App.aclose`` flushes spans."""
    jobs = app.jobs
    worker = app.pipeline.deps.worker_id
    await jobs.reaper.resume_ledger([p.name for p in app.config.probes])
    jobs.scheduler.start()
    background = [
        asyncio.create_task(_replay_spool(app, stop)),
        asyncio.create_task(app.dispatcher.serve(stop)),
        asyncio.create_task(app.selfwatch.serve(stop)),
        asyncio.create_task(jobs.reaper.serve(stop)),
        asyncio.create_task(jobs.retention.serve(stop)),
        asyncio.create_task(app.heartbeat.run(stop)),
    ]
    if app.api is not None:
        background.append(asyncio.create_task(app.api.run(stop)))
    if app.deadman is not None:
        background.append(asyncio.create_task(app.deadman.run(stop)))
    log.info("monitor running: %d probe(s)", len(app.config.probes))
    try:
        await stop.wait()
    finally:
        jobs.scheduler.pause()
        await _finish_in_flight(jobs.slot_runs.in_flight | jobs.reaper.in_flight, grace_s)
        await _release(app, app.store.release_claims, worker, app.clock.now())
        try:
            await jobs.reaper.flush_skips()
        except Exception as exc:  # the database is gone: other replicas' ledgers still count
            log.warning("could not record the slots this replica skipped: %s", exc)
        jobs.scheduler.shutdown()
        stop.set()  # also when leaving by an exception: the loops below must end
        await asyncio.gather(*background, return_exceptions=True)
        await app.dispatcher.drain(timeout_s=5.0)
        await _release(app, app.store.release_outbox, worker)


async def _replay_spool(app: App, stop: asyncio.Event, interval_s: float = 5.0) -> None:
    """Record the runs spooled while the database was down, as soon as it answers again."""
    while not stop.is_set():
        try:
            replayed = await app.pipeline.replay_spool()
            if replayed:
                log.info("recorded %d spooled run(s)", replayed)
        except Exception:  # a bad file must not stop the loop; it stays for the next pass
            log.exception("replaying the spool failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


async def _finish_in_flight(tasks: set[asyncio.Task[object]], grace_s: float) -> None:
    if not tasks:
        return
    log.info("waiting up to %.0fs for %d in-flight probe(s)", grace_s, len(tasks))
    _done, pending = await asyncio.wait(set(tasks), timeout=grace_s)
    for task in pending:
        task.cancel()
    if pending:
        log.warning("%d probe(s) did not finish within %.0fs: cancelled", len(pending), grace_s)
        await asyncio.gather(*pending, return_exceptions=True)


async def _release(app: App, release: Callable[..., int], *args: object) -> None:
    """Hand our leases back; if the database is gone they simply expire."""
    try:
        released = await app.db.run(release, *args)
    except Exception as exc:
        log.warning("could not release leases (they will expire instead): %s", exc)
        return
    if released:
        log.info("released %d lease(s) for other replicas", released)
