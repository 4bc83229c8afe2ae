"""One exception tree, and the closed vocabularies the code decides on (finding kinds, delivery
results, admission refusals) keep the exact strings users see."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import errors
from monitor.api import params
from monitor.contract import ContractError as ContractErrorFromContract
from monitor.contract.document import ContractError as ContractErrorFromDocument
from monitor.core.model import DeliveryResult
from monitor.core.policy import breaker
from monitor.core.policy.budget import Budget, Spend, refusal
from monitor.core.policy.refusal import Refusal, RefusalKind
from monitor.core.taxonomy import ERROR_IN_200, KINDS, STATUS_CHANGED, TIMEOUT
from monitor.storage.sql import baselines

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "error",
    [errors.ContractError, errors.BadRequest, errors.ImportProblem, errors.ConfigError],
)
def test_every_error_raised_on_purpose_is_a_monitor_error(error: type[Exception]) -> None:
    assert issubclass(error, errors.MonitorError)


def test_the_old_import_names_are_the_same_classes() -> None:
    assert ContractErrorFromContract is ContractErrorFromDocument is errors.ContractError
    assert params.BadRequest is errors.BadRequest
    assert baselines.ImportProblem is errors.ImportProblem


def test_an_import_problem_is_still_a_value_error() -> None:
    with pytest.raises(ValueError, match="no baselines"):
        raise errors.ImportProblem("the export holds no baselines")


def test_a_contract_error_is_located_like_a_config_error() -> None:
    error = errors.ContractError("api.yaml", 12, "paths./v1/x", "not an object")
    assert str(error) == "api.yaml:12: paths./v1/x: not an object"
    assert (error.source, error.line, error.key_path) == ("api.yaml", 12, "paths./v1/x")


def test_delivery_results_keep_the_strings_stored_and_exported() -> None:
    assert [r.value for r in DeliveryResult] == [
        "delivered",
        "retry",
        "failed",
        "suppressed",
        "unknown",
    ]
    assert f"{DeliveryResult.SUPPRESSED}" == "suppressed"


def test_an_open_circuit_refuses_with_its_kind_and_the_same_sentence() -> None:
    policy = breaker.BreakerPolicy(after_failures=1, down_for=timedelta(0))
    state = breaker.BreakerState(1, NOW + timedelta(minutes=5), None, "timeout", NOW)
    _, reason = breaker.admit(state, NOW, policy)
    assert isinstance(reason, Refusal)
    assert reason.kind is RefusalKind.CIRCUIT_OPEN
    assert reason == (
        "circuit open after 1 consecutive hard-down run(s) (last: timeout); "
        "probing resumes at 2026-05-01T00:05:00+00:00"
    )


def test_budget_refusals_name_the_budget_that_ran_out() -> None:
    budget = Budget(requests_per_minute=2, tokens_per_day=100)
    by_requests = refusal(budget, Spend(2, 0), tokens_needed=1)
    by_tokens = refusal(budget, Spend(0, 99), tokens_needed=5)
    assert by_requests is not None
    assert by_requests.kind is RefusalKind.REQUESTS_PER_MINUTE
    assert by_tokens is not None
    assert by_tokens.kind is RefusalKind.TOKENS_PER_DAY
    assert by_requests == "budget: 2 request(s) in the last minute; requests_per_minute is 2"


def test_the_classification_rules_name_finding_kinds_only_through_taxonomy_constants() -> None:
    core = Path(__file__).resolve().parents[2] / "monitor" / "core"
    literals = set()
    for name in ("classify.py", "classify_parts.py"):
        tree = ast.parse((core / name).read_text(encoding="utf-8"))
        literals |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    assert literals & set(KINDS) == set()
    assert {STATUS_CHANGED, ERROR_IN_200, TIMEOUT} <= set(KINDS)
