"""Retry discipline, as the seed's error and retry contract prescribes, as pure decisions.

Retried: transport errors and timeouts the failure marks retryable, 408, 429 and 5xx (except
501/505, which say "never"). Never retried: every other 4xx, notably 400/401/403/404/422,
since repeating a request the server refused only multiplies traffic. Waits use full jitter
(uniform in [0, min(cap, base * 2^(n-1))]) so retries from many clients do not align, and a
``Retry-After`` is honoured when it fits in what is left of the total deadline; when it does
not, the answer is returned as it is (a 429 that outlasts the retries is an account question).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

NEVER_RETRY_5XX = frozenset({501, 505})
RETRY_4XX = frozenset({408, 429})
MIN_ATTEMPT_S = 1.0  # an attempt with less time than this left cannot answer usefully
# Beyond any wait a caller would honour; keeps ``inf``-sized numbers out of timedelta arithmetic
MAX_RETRY_AFTER_S = 366 * 86400.0
_DELTA_SECONDS = re.compile(r"\d{1,20}(?:\.\d{1,9})?")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 5.0


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    delay_s: float = 0.0
    reason: str = ""


def retryable_status(status: int) -> bool:
    if status in RETRY_4XX:
        return True
    return 500 <= status <= 599 and status not in NEVER_RETRY_5XX


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), at most
    ``MAX_RETRY_AFTER_S``; None when absent or unreadable. The one parser for probes and alert
    sinks: ``inf``, ``1e300``, ``nan`` or a negative number are unreadable, not a crash."""
    if value is None:
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return min(float(text), MAX_RETRY_AFTER_S)
    if not text or len(text) > 64:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": RFC 5322's "UTC, origin unknown"
        when = when.replace(tzinfo=UTC)
    try:
        return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER_S)
    except OverflowError:
        return MAX_RETRY_AFTER_S


def full_jitter(attempt: int, policy: RetryPolicy, random: Callable[[], float]) -> float:
    ceiling = min(policy.max_backoff_s, policy.backoff_s * (2 ** max(attempt - 1, 0)))
    return float(ceiling * random())


def decide(
    *,
    attempt: int,
    policy: RetryPolicy,
    status: int | None,
    failure_retryable: bool | None,
    retry_after_s: float | None,
    remaining_s: float,
    deadline_s: float,
    random: Callable[[], float],
) -> RetryDecision:
    """Whether attempt ``attempt`` (1-based) is followed by another, and after how long.

    ``failure_retryable`` is None when a response arrived; ``status`` is None when not.
    """
    if failure_retryable is None:
        if status is None or not retryable_status(status):
            return RetryDecision(False, reason="final answer")
        what = f"HTTP {status}"
    elif not failure_retryable:
        return RetryDecision(False, reason="not retryable")
    else:
        what = "transport failure"
    if attempt >= policy.attempts:
        return RetryDecision(False, reason=f"{what} on the last of {policy.attempts} attempts")
    delay = full_jitter(attempt, policy, random)
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    enough = min(MIN_ATTEMPT_S, 0.1 * deadline_s)
    if delay + enough > remaining_s:
        if retry_after_s is not None and retry_after_s + enough > remaining_s:
            why = f"Retry-After {retry_after_s:g}s is beyond the {remaining_s:.1f}s left"
        else:
            why = f"no time left in the {deadline_s:g}s deadline"
        return RetryDecision(False, reason=f"{what}: {why}")
    return RetryDecision(True, delay_s=delay, reason=f"{what}: retry in {delay:.2f}s")
