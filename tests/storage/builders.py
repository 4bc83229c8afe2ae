"""Building runs for the storage contract suite: real claims, real observations judged by the
real core, recorded through the store's ``RunLedger`` role (no shortcuts into the tables)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.core.baseline import LearnPolicy
from monitor.core.events import EventGate
from monitor.core.judge import Judgement, ProbeSpec, ProbeState, judge
from monitor.core.observation import Observation
from monitor.ids import new_id
from monitor.storage.base import RunLedger
from monitor.storage.records import AlertContext, RecordedRun, RunClaim, RunCompletion

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OK_BODY: dict[str, Any] = json.loads(
    (FIXTURES / "openai" / "ok-gpt-4.1-nano-raw-pretty.json").read_text()
)
T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)


def no_usage_body() -> dict[str, Any]:
    body = copy.deepcopy(OK_BODY)
    body.pop("usage", None)
    return body


def spec(probe: str = "chat") -> ProbeSpec:
    return ProbeSpec(
        name=probe,
        target="sim",
        request_hash="req-hash",
        learn=LearnPolicy(learn_runs=2),
        gate=EventGate(open_after=2, window=3, resolve_after=2),
    )


def claim(
    *,
    probe: str = "chat",
    slot: datetime | None = None,
    started: datetime = T0,
    worker: str = "replica-a",
    lease: timedelta = timedelta(seconds=60),
    trigger: str = "schedule",
) -> RunClaim:
    return RunClaim(
        run_id=new_id(started),
        probe=probe,
        target="sim",
        kind="chat_completion",
        trigger=trigger,
        slot_at=slot,
        started_at=started,
        claimed_by=worker,
        lease_until=started + lease,
        request_hash="req-hash",
        config_hash="cfg-hash",
    )


def observation(probe: str, started: datetime, body: Any = None, status: int = 200) -> Observation:
    return Observation(
        probe=probe,
        target="sim",
        method="POST",
        url="http://127.0.0.1:9/v1/chat/completions",
        started_at=started,
        latency_ms=12.5,
        request_headers={"authorization": "Bearer ***"},
        request_body={"model": "gpt-4.1-nano", "messages": [{"role": "user", "content": "hi"}]},
        status_code=status,
        response_headers={"content-type": "application/json", "x-request-id": "req_1"},
        body=json.dumps(OK_BODY if body is None else body).encode(),
    )


@dataclass
class Recorder:
    """Claims and records runs of one probe through the store, like the pipeline does."""

    store: RunLedger
    probe: str = "chat"
    sinks: list[str] = field(default_factory=lambda: ["console"])

    def record(self, c: RunClaim, body: Any = None, status: int = 200) -> RecordedRun:
        obs = observation(c.probe, c.started_at, body, status)
        finished = c.started_at + timedelta(milliseconds=20)
        probe_spec = spec(c.probe)

        def judge_run(state: ProbeState) -> Judgement:
            return judge(obs, probe_spec, state, finished)

        completion = RunCompletion(
            claim=c,
            observation=obs,
            spec=probe_spec,
            finished_at=finished,
            trace_id="0" * 31 + "1",
            span_id="0" * 15 + "1",
            request_id="req_1",
            key_fingerprint="fp",
            monitor_version="test",
        )
        return self.store.record_run(completion, judge_run, self.route)

    def route(self, context: AlertContext) -> list[str]:
        return list(self.sinks)

    def run(
        self,
        started: datetime,
        body: Any = None,
        *,
        slot: datetime | None = None,
        status: int = 200,
    ) -> RecordedRun:
        """Claim and record one run that started at ``started``."""
        c = claim(probe=self.probe, slot=slot or started, started=started)
        assert self.store.claim_run(c)
        return self.record(c, body, status)
