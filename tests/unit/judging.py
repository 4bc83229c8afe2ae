"""Builders for judging observations in memory: the pure core without a database.

``Series`` feeds observations through ``judge`` and keeps the ``ProbeState`` the store would
keep (baselines by class, events not yet resolved), so tests read like a sequence of runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.contract import Contract, load_contract
from monitor.core.baseline import LearnPolicy
from monitor.core.documented import ContractOracle
from monitor.core.events import EventGate
from monitor.core.judge import Judgement, ProbeSpec, ProbeState, judge
from monitor.core.model import EventState, Finding
from monitor.core.observation import Observation, StreamCapture
from monitor.core.stream.sse import SseEvent, SseParser, build_capture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SHIPPED_CONTRACT = (
    Path(__file__).resolve().parents[2] / "config/contracts/openai-chat-completions.yaml"
)
_SHIPPED: list[Contract] = []
T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "contract_probe redacted"}],
    "temperature": 0,
    "max_tokens": 32,
}
HEADERS = {"content-type": "application/json", "x-request-id": "req_1"}


def shipped_contract() -> Contract:
    """``config/contracts/openai-chat-completions.yaml``, compiled once for the whole session."""
    if not _SHIPPED:
        _SHIPPED.append(load_contract(str(SHIPPED_CONTRACT), now=datetime(2026, 5, 9, tzinfo=UTC)))
    return _SHIPPED[0]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def observe(
    body: Any,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    request: Any = None,
    at: datetime = T0,
    url: str = "https://api.example.test/v1/chat/completions",
) -> Observation:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Observation(
        probe="chat",
        target="t",
        method="POST",
        url=url,
        started_at=at,
        latency_ms=12.0,
        request_body=REQUEST if request is None else request,
        status_code=status,
        response_headers=dict(HEADERS if headers is None else headers),
        body=raw,
    )


def stream_fixture(name: str, *, media_type: str = "text/event-stream") -> StreamCapture:
    """A real stream from tests/fixtures as the transport would capture it, one ms per event.

    ``.sse`` files are raw bodies (through the real parser); ``.chunks.txt`` files (vercel/ai's
    fixture format) hold one ``data:`` payload per line with ``data: [DONE]`` removed by the
    format, so it is put back: the provider sent it.
    """
    raw = (FIXTURES / name).read_bytes()
    if name.endswith(".chunks.txt"):
        lines = [line for line in raw.decode("utf-8").splitlines() if line.strip()]
        events, comments = [*(SseEvent(line) for line in lines), SseEvent("[DONE]")], 0
    else:
        parser = SseParser()
        events, comments = parser.feed(raw) + parser.close(), parser.comments
    offsets = [float(i) for i in range(len(events))]
    return build_capture(
        events, offsets, comments=comments, duration_ms=len(events), media_type=media_type
    )


def observe_stream(capture: StreamCapture, *, request: Any = None) -> Observation:
    body = "".join(f"data: {event}\n\n" for event in capture.events).encode()
    return replace(
        observe(b"", request={**REQUEST, "stream": True} if request is None else request),
        response_headers={"content-type": capture.media_type},
        body=body,
        stream=capture,
    )


def make_spec(learn_runs: int = 3, **kwargs: Any) -> ProbeSpec:
    values: dict[str, Any] = {
        "name": "chat",
        "target": "t",
        "request_hash": "h1",
        "learn": LearnPolicy(learn_runs=learn_runs),
        "gate": EventGate(open_after=2, window=3, resolve_after=2),
    }
    values.update(kwargs)
    return ProbeSpec(**values)


@dataclass
class Series:
    spec: ProbeSpec = field(default_factory=make_spec)
    contract: ContractOracle | None = None
    state: ProbeState = field(default_factory=ProbeState)
    now: datetime = T0
    judgements: list[Judgement] = field(default_factory=list)
    kind_checks: Callable[[Any], Sequence[Finding]] | None = None

    def run(self, observation: Observation) -> Judgement:
        self.now += timedelta(minutes=1)
        result = judge(
            observation, self.spec, self.state, self.now, self.kind_checks, self.contract
        )
        baselines = dict(self.state.baselines)
        if result.baseline is not None and result.baseline_changed:
            baselines[result.baseline.response_class] = result.baseline
        events = dict(self.state.events)
        for record in result.events:
            events[record.fingerprint] = record
        events = {fp: r for fp, r in events.items() if r.state is not EventState.RESOLVED}
        self.state = replace(self.state, baselines=baselines, events=events)
        self.judgements.append(result)
        return result

    def learn(self, bodies: Sequence[Any], **kwargs: Any) -> None:
        for body in bodies:
            self.run(observe(body, **kwargs))


def kinds(judgement: Judgement) -> set[tuple[str, str, str]]:
    return {(f.kind, f.path, f.severity.value) for f in judgement.findings}
