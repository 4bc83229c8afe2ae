"""``run_once``: the one pipeline used by the scheduler and by ``monitor check``.

claim the slot -> execute the probe (no transaction open) -> plain observation -> pure judge
(inside the run's transaction, on fresh state) -> persist -> wake the dispatcher (the last two
by the ``RunRecorder`` the spool replay uses too). What a probe's config resolves to (kind,
spec, context, contract) is resolved once, when the pipeline is built (``PreparedProbe``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from opentelemetry.trace import SpanKind

from monitor import __version__
from monitor.config.schema import ProbeConfig
from monitor.config.secrets import credential_secrets, resolve_api_key, run_secrets
from monitor.core.evidence import extract_request_id
from monitor.core.judge import Judgement, ProbeState
from monitor.core.model import Trigger
from monitor.core.observation import Observation, TransportFailure
from monitor.core.policy.redact import redact_observation
from monitor.core.policy.refusal import Refusal
from monitor.core.policy.scrub import Scrubber
from monitor.errors import ClaimLost, SecretError, StorageError
from monitor.probes.spec import alert_facts
from monitor.probes.transport import with_traceparent
from monitor.runner.admission import Ticket
from monitor.runner.deps import PipelineDeps
from monitor.runner.guard import stored_form
from monitor.runner.prepared import PreparedProbe
from monitor.runner.result import RunResult, evidence_extra
from monitor.runner.spool import encode_completion
from monitor.runner.spool_replay import replay_spool
from monitor.storage.records import RecordedRun, RunClaim, RunCompletion
from monitor.telemetry import semconv
from monitor.telemetry.run_span import JudgeTiming, RunFacts, annotate_run_span
from monitor.telemetry.tracing import format_span_id, format_trace_id

log = logging.getLogger("monitor.runner.pipeline")


class Pipeline:
    def __init__(self, deps: PipelineDeps) -> None:
        self.deps = deps

    def prepared(self, probe: ProbeConfig) -> PreparedProbe:
        """``probe`` as resolved at start-up (``PreparedProbes``)."""
        return self.deps.probes.get(probe)

    async def run_once(
        self,
        probe: ProbeConfig,
        slot: datetime | None,
        trigger: Trigger,
        *,
        dry_run: bool = False,
    ) -> RunResult | None:
        """Run ``probe`` for ``slot``; None when another process already owns the slot."""
        d = self.deps
        started = d.clock.now()
        claim = RunClaim(
            run_id=d.new_id(started),
            probe=probe.name,
            target=probe.target,
            kind=probe.kind,
            trigger=trigger.value,
            slot_at=slot,
            started_at=started,
            claimed_by=d.worker_id,
            lease_until=started + self.lease(probe),
            request_hash=self.prepared(probe).spec.request_hash,
            config_hash=d.loaded.config_hash,
        )
        ticket = await d.admission.admit(probe, started) if d.admission else None
        if isinstance(ticket, Refusal):
            return await self._skip(claim, ticket, dry_run)
        claimed: bool | None = True
        if not dry_run:
            try:
                claimed = await d.db.run(d.store.claim_run, claim)
            except StorageError as exc:
                if not exc.retryable or d.spool is None:
                    raise
                # The database is down: probe anyway and let it decide at replay whether
                # this slot is ours (another replica may have claimed it meanwhile).
                log.warning("probe %s: cannot claim its slot (%s); will spool", probe.name, exc)
                claimed = None
            if claimed is False:
                if d.admission and ticket:
                    d.admission.settle(ticket, None, started)
                return None
        return await self.execute(
            probe, claim, dry_run=dry_run, ticket=ticket, claimed=claimed is not None
        )

    def lease(self, probe: ProbeConfig) -> timedelta:
        """How long a claim on ``probe`` holds before another replica presumes its owner dead."""
        return probe.timeout + self.deps.loaded.config.storage.lease_margin

    async def execute(
        self,
        probe: ProbeConfig,
        claim: RunClaim,
        *,
        dry_run: bool = False,
        ticket: Ticket | None = None,
        claimed: bool = True,
    ) -> RunResult | None:
        """Probe and record a claimed run (the reaper re-runs a dead owner's slot through here).

        None when the claim was lost meanwhile: another replica took the run over after our
        lease expired, and its result is the one recorded. When the database cannot take the
        result, the run is spooled and the row says so (outcome None, ``spooled`` in the note).
        """
        d = self.deps
        prepared = self.prepared(probe)
        kind, target = prepared.kind, prepared.target
        started = claim.started_at
        name = f"chat {probe.model}" if probe.model else f"{probe.kind} {probe.name}"
        with d.tracer.start_as_current_span(name, kind=SpanKind.CLIENT) as span:
            context = span.get_span_context()
            trace_id = format_trace_id(context.trace_id)
            span_id = format_span_id(context.span_id)
            api_key: str | None = None
            sent_key: str | None = None
            # the config's own secrets even when the key cannot be read (its URL is recorded)
            secrets: list[str | None] = run_secrets(None, {}, target, probe)
            prefixed: list[str | None] = []
            try:
                api_key = resolve_api_key(probe.target, target, d.env)
                request = kind.prepare(probe, target, api_key, prepared.context)
                sent_key = request.key_fingerprint
                secrets = run_secrets(api_key, request.headers, target, probe)
                prefixed = credential_secrets(api_key, request.headers, target, probe)
                if ticket and ticket.attempts < request.retry.attempts:
                    request = replace(
                        request, retry=replace(request.retry, attempts=ticket.attempts)
                    )
                if target.traceparent:
                    request = with_traceparent(request, span)
                observation = await d.transports[probe.target].send(
                    request, probe=probe.name, target=probe.target, started_at=started
                )
            except SecretError as exc:
                observation = Observation(
                    probe=probe.name,
                    target=probe.target,
                    method="POST",
                    url=target.base_url,
                    started_at=started,
                    latency_ms=0.0,
                    failure=TransportFailure(exc.kind, str(exc), retryable=False),
                )
            # Upstreams quote the key back (401 messages, 200 error envelopes, a Location
            # header) and findings quote upstreams: from here on, the judge, the span and the
            # stored evidence see it (and gateway credentials) masked. Only string values
            # change, never the shape.
            scrubber = Scrubber(secrets, prefixed)
            observation = redact_observation(
                observation, response_text=False, secrets=secrets, prefixed=prefixed
            )
            observation = replace(observation, key_fingerprint=sent_key)
            finished = d.clock.now()
            contract = prepared.contract
            judge_run = prepared.judge_for(observation, finished, scrubber)
            completion = RunCompletion(
                claim=claim,
                # Stored: answer text withheld when asked; judged: with the text.
                observation=stored_form(observation, response_text=probe.redact.response_text),
                spec=prepared.spec,
                finished_at=finished,
                trace_id=trace_id,
                span_id=span_id,
                request_id=extract_request_id(observation),
                key_fingerprint=sent_key,
                monitor_version=__version__,
                probe_info=alert_facts(d.loaded.config, probe),
                contract_ref=contract.reference() if contract is not None else None,
                evidence_extra=evidence_extra(observation, d.loaded.config_hash),
            )
            timing = JudgeTiming(judge_run)
            try:
                recorded = await self._judge_and_store(completion, timing, probe, dry_run)
            except StorageError as exc:
                if dry_run:
                    raise
                if not exc.retryable:
                    return await self._unrecordable(claim, observation, trace_id, exc)
                if d.spool is None:
                    raise
                path = d.spool.put(encode_completion(completion, claimed=claimed))
                log.warning("probe %s: %s; run spooled to %s", probe.name, exc, path)
                span.set_attribute(semconv.MONITOR_SPOOLED, True)
                return RunResult.spooled_run(claim, observation, trace_id, str(exc))
            except ClaimLost as exc:
                log.warning("probe %s: result discarded: %s", probe.name, exc)
                span.set_attribute(semconv.MONITOR_CLAIM_LOST, True)
                return None
            finally:  # settled once stored, so the budget never misses a run in between
                if d.admission and ticket:
                    d.admission.settle(ticket, observation, finished)
            judgement = recorded.judgement
            facts = RunFacts(
                probe,
                probe.target,
                target.base_url,
                claim.run_id,
                claim.trigger,
                completion.request_id,
                observation,
                judgement,
            )
            annotate_run_span(span, d.tracer, facts, timing)
        result = RunResult.judged(claim, observation, judgement, trace_id, completion.request_id)
        if not dry_run:
            d.recorder.recorded(recorded, result, observation)
        return result

    async def _unrecordable(
        self, claim: RunClaim, observation: Observation, trace_id: str, exc: StorageError
    ) -> RunResult:
        """The database refused the result: close the run as failed so it is visible and not
        re-run forever by the reaper; the error names why."""
        d = self.deps
        log.error("probe %s: run %s could not be stored: %s", claim.probe, claim.run_id, exc)
        reason = f"the result could not be stored: {exc}"
        await d.db.run(d.store.complete_unrecordable, claim, d.clock.now(), reason)
        return RunResult.spooled_run(claim, observation, trace_id, str(exc)).unrecordable(reason)

    async def replay_spool(self) -> int:
        """Record spooled runs, oldest first, until the spool is empty or the database fails
        again. Returns how many runs were recorded (see ``monitor.runner.spool_replay``)."""
        return await replay_spool(self.deps)

    async def _skip(self, claim: RunClaim, reason: str, dry_run: bool) -> RunResult | None:
        """Not sent (circuit open, budget): recorded as ``skipped``, never judged."""
        d = self.deps
        log.info("probe %s skipped: %s", claim.probe, reason)
        if not dry_run and not await d.db.run(d.store.record_skipped, claim, d.clock.now(), reason):
            return None
        d.observer.run_skipped(claim.probe, claim.target, reason)
        return RunResult.skipped(claim, reason)

    async def _judge_and_store(
        self,
        completion: RunCompletion,
        judge_run: Callable[[ProbeState], Judgement],
        probe: ProbeConfig,
        dry_run: bool,
    ) -> RecordedRun:
        d = self.deps
        if dry_run:
            state = await d.db.run(d.store.load_state, probe.name, completion.claim.request_hash)
            return RecordedRun(run_id=completion.claim.run_id, judgement=judge_run(state))
        return await d.recorder.record(completion, judge_run)
