"""A per-target circuit breaker: stop probing a hard-down target for a cool-down.

The seed's retry contract asks that one endpoint problem not become a wider one; a monitor
that keeps probing an unreachable or overloaded target adds load to the outage. After
``after_failures`` consecutive hard-down runs (no connection, a timeout, 429, 5xx) spanning at
least ``down_for`` (so a burst of probes failing together is not yet "hard down") the breaker
opens: runs are ``skipped`` (not counted by the events gate) until ``cool_down`` has
passed; then one trial run goes through (half-open) and its result closes or reopens it.
Any answer that is not hard-down (even a 4xx) closes it. Pure: state in, state out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.core.policy.refusal import Refusal, RefusalKind

HARD_DOWN_FAILURES = frozenset(
    {"connect-refused", "dns-failure", "tls-error", "timeout", "read-error", "protocol-error"}
    | {"transport-error"}
)


@dataclass(frozen=True)
class BreakerPolicy:
    after_failures: int | None = 5  # None: never open
    cool_down: timedelta = timedelta(minutes=5)
    down_for: timedelta = timedelta(minutes=2)


@dataclass(frozen=True)
class BreakerState:
    failures: int = 0
    open_until: datetime | None = None
    trial_at: datetime | None = None  # a half-open trial run started then
    last_failure: str | None = None
    down_since: datetime | None = None  # the first hard-down run of the streak


def is_hard_down(failure_kind: str | None, status: int | None) -> bool:
    if failure_kind is not None:
        return failure_kind in HARD_DOWN_FAILURES
    return status is not None and (status == 429 or 500 <= status <= 599)


def admit(
    state: BreakerState, now: datetime, policy: BreakerPolicy
) -> tuple[BreakerState, Refusal | None]:
    """(new state, None) to probe now, or (state, the reason to skip)."""
    if policy.after_failures is None or state.open_until is None:
        return state, None
    if now < state.open_until:
        return state, Refusal(
            RefusalKind.CIRCUIT_OPEN,
            f"circuit open after {state.failures} consecutive hard-down run(s) "
            f"(last: {state.last_failure}); probing resumes at {state.open_until.isoformat()}",
        )
    if state.trial_at is not None and now - state.trial_at < policy.cool_down:
        return state, Refusal(
            RefusalKind.CIRCUIT_TRIAL, "circuit half-open: a trial run is in flight"
        )
    return replace(state, trial_at=now), None


def record(
    state: BreakerState, *, hard_down: bool, what: str, now: datetime, policy: BreakerPolicy
) -> BreakerState:
    if policy.after_failures is None or not hard_down:
        return BreakerState()
    failures = state.failures + 1
    since = state.down_since or now
    long_enough = failures >= policy.after_failures and now - since >= policy.down_for
    if state.trial_at is not None or long_enough:
        return BreakerState(failures, now + policy.cool_down, None, what, since)
    return BreakerState(failures, None, None, what, since)
