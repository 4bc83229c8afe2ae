"""A run's result is a frozen ``RunResult`` whose JSON view (``check --json``) is byte for byte
what the previous release's dict rows gave (``tests/fixtures/upgrade/run_views.json``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from monitor.runner.result import RunResult
from tests.unit.run_result_cases import CLAIM, TRACE, judged_cases

VIEWS = Path(__file__).parents[1] / "fixtures" / "upgrade" / "run_views.json"


def _previous() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VIEWS.read_text())
    return data


def _same_json(view: dict[str, Any], expected: Any) -> None:
    assert json.dumps(view) == json.dumps(expected)


def test_judged_runs_read_as_before_pass_drift_and_fail() -> None:
    expected = _previous()["judged"]
    results = [RunResult.judged(CLAIM, obs, j, TRACE, "req_1") for obs, j in judged_cases()]
    assert [r.outcome for r in results] == ["pass", "pass", "pass", "drift", "fail"]
    assert results[4].error is not None
    for result, view in zip(results, expected, strict=True):
        _same_json(result.view(), view)


def test_skipped_spooled_and_unrecordable_runs_read_as_before() -> None:
    previous = _previous()
    observation = judged_cases()[0][0]
    spooled = RunResult.spooled_run(CLAIM, observation, TRACE, "database down")
    assert spooled.spooled
    _same_json(RunResult.skipped(CLAIM, "circuit open").view(), previous["skipped"])
    _same_json(spooled.view(), previous["spooled"])
    failed = spooled.unrecordable("the result could not be stored: x")
    assert (failed.outcome, failed.spooled) == ("fail", False)
    _same_json(failed.view(), previous["unrecordable"])


def test_a_run_result_is_frozen() -> None:
    result = RunResult.skipped(CLAIM, "budget")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.outcome = "pass"  # type: ignore[misc]
