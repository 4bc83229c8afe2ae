"""The runs whose JSON views ``test_run_result`` pins: a learning pass, a drift, a failure, a
skipped, a spooled and an unrecordable run (deterministic: the judging helpers' fixed clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.core.judge import Judgement
from monitor.core.observation import Observation
from monitor.storage.records import RunClaim
from tests.unit.judging import Series, fixture, observe

T0 = datetime(2026, 5, 8, 14, 8, tzinfo=UTC)
CLAIM = RunClaim(
    "r1",
    "chat",
    "sim",
    "chat_completion",
    "check",
    T0,
    T0,
    "w",
    T0 + timedelta(seconds=60),
    "h",
    "c",
)
TRACE = "ab" * 16


def judged_cases() -> list[tuple[Observation, Judgement]]:
    series = Series()
    ok: dict[str, Any] = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    cases = [(observe(ok), series.run(observe(ok))) for _ in range(3)]
    without_usage = {k: v for k, v in ok.items() if k != "usage"}
    cases.append((observe(without_usage), series.run(observe(without_usage))))
    html = observe(b"<html>", headers={"content-type": "text/html"})
    cases.append((html, series.run(html)))
    return cases
