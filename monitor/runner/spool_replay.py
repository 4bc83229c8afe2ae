"""Recording the runs spooled while the database was unavailable, once it answers again.

A spooled run was probed (and judged at replay, inside its transaction, against the state the
database holds then). A slot the run could not claim is claimed now; if another replica ran
it meanwhile, its result stands and the spooled one is dropped.
"""

from __future__ import annotations

import logging

from monitor.errors import ClaimLost, StorageError
from monitor.probes import kind_for
from monitor.probes.spec import probe_spec
from monitor.runner.deps import PipelineDeps, judge_for
from monitor.runner.results import judged_row
from monitor.runner.spool import decode_completion
from monitor.views.run import run_view

log = logging.getLogger("monitor.runner.pipeline")


async def replay_spool(d: PipelineDeps) -> int:
    """Record spooled runs, oldest first, until the spool is empty or the database fails
    again. Returns how many runs were recorded."""
    if d.spool is None:
        return 0
    recorded_count = 0
    for path in d.spool.pending():
        data = d.spool.load(path)
        probe = d.loaded.config.probe(data["claim"]["probe"])
        if probe is None:
            d.spool.set_aside(path, "the probe is no longer in the configuration")
            log.warning("spooled run %s set aside: its probe left the config", path.name)
            continue
        spec = probe_spec(probe, kind_for(probe.kind).expected_status(probe))
        completion = decode_completion(data, spec)
        judge_run = judge_for(d, probe, completion.observation, completion.finished_at)
        try:
            if not data["claimed"] and not await d.db.run(d.store.claim_run, completion.claim):
                d.spool.remove(path)  # another replica ran this slot: its result stands
                continue
            recorded = await d.db.run(d.store.record_run, completion, judge_run, d.router)
        except StorageError as exc:
            if exc.retryable:
                return recorded_count  # still down: try again later
            raise
        except ClaimLost:
            d.spool.remove(path)
            continue
        d.spool.remove(path)
        recorded_count += 1
        if recorded.outbox_ids:
            d.on_alerts()
        row = judged_row(
            completion.claim,
            completion.observation,
            recorded.judgement,
            completion.trace_id or "",
            completion.request_id,
        )
        d.observer.run_completed(run_view(row), completion.observation, recorded.judgement)
    return recorded_count
