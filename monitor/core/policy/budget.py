"""Budgets: what the monitor may spend on a target, so probing never costs much.

``requests_per_minute`` counts every attempt (retries are requests); ``tokens_per_day``
counts the tokens the target reported in ``usage`` (never assumed: a target that reports
none is only bounded by requests). A probe that would exceed either is skipped with the
reason; its expected tokens are the prompt estimate plus its completion limit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.core.policy.refusal import Refusal, RefusalKind

CHARS_PER_TOKEN = 4  # a deliberate over-estimate for English-like synthetic prompts
TOKEN_LIMIT_FIELDS = ("max_tokens", "max_completion_tokens")


@dataclass(frozen=True)
class Spend:
    requests_last_minute: int = 0
    tokens_last_day: int = 0


@dataclass(frozen=True)
class Budget:
    requests_per_minute: int | None = None
    tokens_per_day: int | None = None


def estimate_tokens(messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any]) -> int:
    prompt = math.ceil(len(json.dumps(list(messages), ensure_ascii=False)) / CHARS_PER_TOKEN)
    limit = next((params[f] for f in TOKEN_LIMIT_FIELDS if isinstance(params.get(f), int)), 0)
    return prompt + int(limit)


def refusal(budget: Budget, spend: Spend, *, tokens_needed: int) -> Refusal | None:
    rpm = budget.requests_per_minute
    if rpm is not None and spend.requests_last_minute + 1 > rpm:
        return Refusal(
            RefusalKind.REQUESTS_PER_MINUTE,
            f"budget: {spend.requests_last_minute} request(s) in the last minute; "
            f"requests_per_minute is {rpm}",
        )
    tpd = budget.tokens_per_day
    if tpd is not None and tokens_needed and spend.tokens_last_day + tokens_needed > tpd:
        return Refusal(
            RefusalKind.TOKENS_PER_DAY,
            f"budget: {spend.tokens_last_day} token(s) used in the last day and this probe may "
            f"use up to {tokens_needed}; tokens_per_day is {tpd}",
        )
    return None


def attempts_allowed(budget: Budget, spend: Spend, attempts: int) -> int:
    """Retries are requests too: never plan more attempts than the minute has left."""
    if budget.requests_per_minute is None:
        return attempts
    left = budget.requests_per_minute - spend.requests_last_minute
    return max(1, min(attempts, left))
