"""Recording the runs spooled while the database was unavailable, once it answers again.

A spooled run was probed (and judged at replay, inside its transaction, against the state the
database holds then). A slot the run could not claim is claimed now; if another replica ran
it meanwhile, its result stands and the spooled one is dropped.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from monitor.errors import ClaimLost, StorageError
from monitor.runner.deps import PipelineDeps
from monitor.runner.result import RunResult
from monitor.runner.spool import decode_completion

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
        prepared = d.probes.get(probe)
        completion = decode_completion(data, prepared.spec)
        sent = replace(completion.observation, key_fingerprint=completion.key_fingerprint)
        judge_run = prepared.judge_for(sent, completion.finished_at)
        try:
            if not data["claimed"] and not await d.db.run(d.store.claim_run, completion.claim):
                d.spool.remove(path)  # another replica ran this slot: its result stands
                continue
            recorded = await d.recorder.record(completion, judge_run)
        except StorageError as exc:
            if exc.retryable:
                return recorded_count  # still down: try again later
            raise
        except ClaimLost:
            d.spool.remove(path)
            continue
        d.spool.remove(path)
        recorded_count += 1
        result = RunResult.judged(
            completion.claim,
            completion.observation,
            recorded.judgement,
            completion.trace_id or "",
            completion.request_id,
        )
        d.recorder.recorded(recorded, result, completion.observation)
    return recorded_count
