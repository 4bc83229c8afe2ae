"""Why admission refused a run: ``RefusalKind`` names the rule, ``Refusal`` is the sentence.

A refused run is recorded ``skipped`` with the sentence as its reason (stored, printed, logged
and a metric label: never reworded), so a ``Refusal`` *is* that string; its ``kind`` lets code
decide on the rule without reading the words.
"""

from __future__ import annotations

from enum import StrEnum


class RefusalKind(StrEnum):
    CIRCUIT_OPEN = "circuit-open"  # the target is hard down: cooling down
    CIRCUIT_TRIAL = "circuit-trial"  # half-open: one trial run is already in flight
    REQUESTS_PER_MINUTE = "requests-per-minute"  # the target's request budget is spent
    TOKENS_PER_DAY = "tokens-per-day"  # the run could exceed the target's token budget


class Refusal(str):
    """The reason a run is skipped, as it is stored; ``kind`` says which rule refused it."""

    kind: RefusalKind

    def __new__(cls, kind: RefusalKind, reason: str) -> Refusal:
        refusal = super().__new__(cls, reason)
        refusal.kind = kind
        return refusal
