"""Retry decisions, the circuit breaker and budgets (pure core): time and randomness are inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.core.policy import breaker
from monitor.core.policy.budget import Budget, Spend, attempts_allowed, estimate_tokens, refusal
from monitor.core.policy.retry import RetryPolicy, decide, full_jitter, parse_retry_after

NOW = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
POLICY = RetryPolicy(attempts=3, backoff_s=0.5, max_backoff_s=5.0)


def decision(**kw: object) -> tuple[bool, float, str]:
    args: dict[str, object] = {
        "attempt": 1,
        "policy": POLICY,
        "status": None,
        "failure_retryable": None,
        "retry_after_s": None,
        "remaining_s": 25.0,
        "deadline_s": 30.0,
        "random": lambda: 0.5,
        **kw,
    }
    d = decide(**args)  # type: ignore[arg-type]
    return d.retry, d.delay_s, d.reason


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 501])
def test_refusals_and_not_implemented_are_never_retried(status: int) -> None:
    assert decision(status=status)[0] is False


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_overload_and_server_errors_are_retried_with_jitter(status: int) -> None:
    retry, delay, _ = decision(status=status)
    assert retry
    assert delay == 0.25  # half of the first ceiling (0.5 s)


def test_a_success_is_final() -> None:
    assert decision(status=200)[:2] == (False, 0.0)


def test_retryable_transport_failures_are_retried_and_others_not() -> None:
    assert decision(failure_retryable=True)[0] is True
    assert decision(failure_retryable=False)[0] is False


def test_the_last_attempt_is_never_followed_by_another() -> None:
    retry, _, reason = decision(attempt=3, status=503)
    assert not retry
    assert "last of 3 attempts" in reason


def test_full_jitter_stays_under_the_doubling_ceiling_and_the_cap() -> None:
    assert [full_jitter(n, POLICY, lambda: 1.0) for n in (1, 2, 3, 4, 5, 6)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        5.0,
        5.0,
    ]
    assert full_jitter(3, POLICY, lambda: 0.0) == 0.0


def test_retry_after_is_honoured_when_it_fits_in_the_deadline() -> None:
    retry, delay, _ = decision(status=429, retry_after_s=2.0)
    assert retry
    assert delay == 2.0


def test_a_retry_after_beyond_the_deadline_returns_the_429_at_once() -> None:
    retry, _, reason = decision(status=429, retry_after_s=86400.0)
    assert not retry
    assert "Retry-After 86400s is beyond the 25.0s left" in reason


def test_no_retry_when_the_deadline_has_no_room_for_another_attempt() -> None:
    assert decision(status=503, remaining_s=0.3)[0] is False


def test_retry_after_parses_seconds_and_http_dates() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Fri, 08 May 2026 14:00:30 GMT", NOW) == 30.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


BREAKER = breaker.BreakerPolicy(
    after_failures=2, cool_down=timedelta(minutes=5), down_for=timedelta(0)
)


def run(state: breaker.BreakerState, hard_down: bool, at: datetime) -> breaker.BreakerState:
    return breaker.record(
        state, hard_down=hard_down, what="connect-refused", now=at, policy=BREAKER
    )


def test_the_breaker_opens_after_consecutive_hard_down_runs_and_skips_until_cool_down() -> None:
    state = run(run(breaker.BreakerState(), True, NOW), True, NOW)
    assert state.open_until == NOW + timedelta(minutes=5)
    _, reason = breaker.admit(state, NOW + timedelta(minutes=1), BREAKER)
    assert reason is not None
    assert "circuit open after 2 consecutive hard-down run(s) (last: connect-refused)" in reason


def test_after_the_cool_down_one_trial_goes_and_the_others_wait_for_it() -> None:
    state = run(run(breaker.BreakerState(), True, NOW), True, NOW)
    later = NOW + timedelta(minutes=6)
    trial, reason = breaker.admit(state, later, BREAKER)
    assert reason is None
    assert breaker.admit(trial, later, BREAKER)[1] == "circuit half-open: a trial run is in flight"
    assert run(trial, False, later) == breaker.BreakerState()
    reopened = run(trial, True, later)
    assert reopened.open_until == later + timedelta(minutes=5)


def test_a_burst_of_failures_shorter_than_down_for_does_not_open_the_breaker() -> None:
    policy = breaker.BreakerPolicy(after_failures=2, down_for=timedelta(minutes=2))
    state = breaker.BreakerState()
    for _ in range(10):  # ten probes of one target failing in the same moment
        state = breaker.record(state, hard_down=True, what="x", now=NOW, policy=policy)
    assert state.open_until is None
    later = NOW + timedelta(minutes=2)
    state = breaker.record(state, hard_down=True, what="x", now=later, policy=policy)
    assert state.open_until == later + policy.cool_down


def test_an_answer_that_is_not_hard_down_resets_the_count() -> None:
    state = run(run(run(breaker.BreakerState(), True, NOW), False, NOW), True, NOW)
    assert state.open_until is None
    assert state.failures == 1


@pytest.mark.parametrize(
    ("failure", "status", "down"),
    [
        ("connect-refused", None, True),
        ("timeout", None, True),
        (None, 503, True),
        (None, 429, True),
        (None, 401, False),
        (None, 200, False),
        ("secret-unavailable", None, False),
    ],
)
def test_what_counts_as_hard_down(failure: str | None, status: int | None, down: bool) -> None:
    assert breaker.is_hard_down(failure, status) is down


def test_a_disabled_breaker_never_opens() -> None:
    policy = breaker.BreakerPolicy(after_failures=None)
    state = breaker.record(breaker.BreakerState(), hard_down=True, what="x", now=NOW, policy=policy)
    assert breaker.admit(state, NOW, policy) == (state, None)


def test_token_estimate_is_prompt_characters_over_four_plus_the_completion_limit() -> None:
    messages = [{"role": "user", "content": "x" * 80}]  # 115 characters as JSON: 29 tokens
    assert estimate_tokens(messages, {"max_tokens": 32}) == 29 + 32
    assert estimate_tokens(messages, {"max_completion_tokens": 100}) == 29 + 100


def test_budgets_refuse_with_the_reason_and_leave_room_for_retries() -> None:
    budget = Budget(requests_per_minute=3, tokens_per_day=1000)
    assert refusal(budget, Spend(3, 0), tokens_needed=10) == (
        "budget: 3 request(s) in the last minute; requests_per_minute is 3"
    )
    assert "tokens_per_day is 1000" in (refusal(budget, Spend(0, 995), tokens_needed=10) or "")
    assert refusal(budget, Spend(2, 990), tokens_needed=10) is None
    assert attempts_allowed(budget, Spend(2, 0), 3) == 1
    assert attempts_allowed(Budget(), Spend(50, 0), 3) == 3
