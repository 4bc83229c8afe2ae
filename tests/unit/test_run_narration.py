"""``monitor run`` at the default level: a line per run that is not a pass, passes summarised."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from monitor.telemetry.narrate import RunNarrator
from tests.fakes.clock import FakeClock


def _view(outcome: str, **extra: Any) -> dict[str, Any]:
    return {
        "run_id": f"run-{outcome}",
        "probe": "chat-basic",
        "outcome": outcome,
        "status_code": 200,
        "category": None,
        "verdict": None,
        "findings": [],
        **extra,
    }


def test_passes_are_summarised_and_other_runs_are_one_line_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    narrator = RunNarrator(clock, timedelta(minutes=5))
    narrator.log.setLevel(logging.INFO)
    drift = _view(
        "drift",
        category="response_parser_mismatch",
        verdict="deployment_drift",
        findings=[
            {"severity": "warning", "kind": "header-added", "path": "header:x"},
            {"severity": "breaking", "kind": "enum-value-added", "path": "choices[].finish_reason"},
        ],
    )
    with caplog.at_level(logging.INFO, logger="monitor.activity"):
        for minute in range(12):
            clock.advance(25)
            narrator.run_completed(drift if minute == 3 else _view("pass"), None, None)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "chat-basic: drift (HTTP 200, response_parser_mismatch/deployment_drift): breaking "
        "enum-value-added choices[].finish_reason (+1 more); run run-drift",
        "12 runs in 5m: 11 pass, 1 drift",
    ]
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]


def test_skipped_runs_are_counted_not_told(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    narrator = RunNarrator(clock, timedelta(minutes=1))
    with caplog.at_level(logging.INFO, logger="monitor.activity"):
        for _ in range(3):
            narrator.run_skipped("chat-basic", "sim", "budget")
        clock.advance(61)
        narrator.run_completed(_view("fail", status_code=None, error="connect refused"), None, None)
    assert [r.getMessage() for r in caplog.records] == [
        "chat-basic: fail (no HTTP response): connect refused; run run-fail",
        "4 runs in 61s: 1 fail, 3 skipped",
    ]
