"""``runner.guard``: what keeps one hostile answer or one bug from wedging a run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.core.judge import ProbeSpec, ProbeState
from monitor.core.model import Outcome
from monitor.core.observation import Observation, StreamCapture
from monitor.core.policy.scrub import Scrubber
from monitor.runner.guard import guarded_judge, stored_form

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = "sk-guard-0123456789abcdef"


def observation(**kw: Any) -> Observation:
    return Observation("p", "t", "POST", "https://h.test/v1", NOW, 1.0, status_code=200, **kw)


def test_a_judge_that_raises_gives_a_failed_monitor_error_judgement_scrubbed() -> None:
    def broken(state: ProbeState) -> Any:
        raise KeyError(f"no such member near {KEY}")

    spec = ProbeSpec(name="p", target="t", request_hash="h")
    run = guarded_judge(broken, observation(body=b"{}"), spec, NOW, Scrubber([KEY]))
    judgement = run(ProbeState())
    assert judgement.outcome is Outcome.FAIL
    (finding,) = judgement.findings
    assert finding.kind == "monitor-error"
    assert finding.message.startswith("the monitor could not judge this answer: KeyError:")
    assert "***" in finding.message
    assert KEY not in finding.message
    assert judgement.baseline is None


def test_a_redaction_walk_that_raises_withholds_the_body_instead_of_losing_the_run() -> None:
    deep: Any = "text"
    for _ in range(5000):  # built directly: the strict parser would never hand this over
        deep = {"choices": [deep]}
    stream = StreamCapture(events=("data",), chunks=(deep,))
    stored = stored_form(observation(body=b"data: x", stream=stream), response_text=True)
    assert stored.body == b""
    assert stored.stream is None
