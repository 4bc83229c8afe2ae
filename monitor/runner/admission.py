"""Admission: whether a probe run may send now (circuit breaker, budgets) — before it is claimed.

A refused run is recorded as ``skipped`` with the reason and never judged, so it does not
count toward the events gate. The breaker is per target and in memory (it protects the
target from this process); budgets are counted from the database (runs completed by any
process) plus this process's runs in flight, so a restart does not reset a day's tokens.
While the database is unavailable the budgets use the last spend read (the run then goes on to
be spooled like any other; refusing it would lose the slot for a reason that is not the budget).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from monitor.blocking import BlockingPool
from monitor.config.schema import Config, ProbeConfig
from monitor.core.observation import Observation
from monitor.core.policy import breaker
from monitor.core.policy.budget import Budget, Spend, attempts_allowed, refusal
from monitor.core.policy.refusal import Refusal
from monitor.errors import StorageError
from monitor.probes.cost import tokens_per_run
from monitor.storage.base import SpendLedger

log = logging.getLogger("monitor.runner.admission")


@dataclass(frozen=True)
class Ticket:
    """Admission granted: how many attempts the budget leaves for this run."""

    target: str
    attempts: int


class Admission:
    def __init__(self, config: Config, store: SpendLedger, db: BlockingPool) -> None:
        self._config = config
        self._store = store
        self._db = db
        self._breakers: dict[str, breaker.BreakerState] = defaultdict(breaker.BreakerState)
        self._in_flight: dict[str, int] = defaultdict(int)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last_spend: dict[str, Spend] = {}

    def _policy(self, target: str) -> breaker.BreakerPolicy:
        settings = self._config.targets[target].circuit_breaker
        return breaker.BreakerPolicy(settings.after_failures, settings.cool_down, settings.down_for)

    async def admit(self, probe: ProbeConfig, now: datetime) -> Ticket | Refusal:
        """A ``Ticket`` to go ahead, or the reason the run is skipped."""
        # One admission at a time per target: concurrent runs must see each other in flight.
        async with self._locks[probe.target]:
            return await self._admit(probe, now)

    async def _admit(self, probe: ProbeConfig, now: datetime) -> Ticket | Refusal:
        target = probe.target
        state, reason = breaker.admit(self._breakers[target], now, self._policy(target))
        if reason is not None:
            return reason
        settings = self._config.targets[target].budget
        budget = Budget(settings.requests_per_minute, settings.tokens_per_day)
        attempts = probe.retries.attempts
        if budget.requests_per_minute is not None or budget.tokens_per_day is not None:
            spend = await self._recent_spend(target, now)
            spend = Spend(
                spend.requests_last_minute + self._in_flight[target], spend.tokens_last_day
            )
            reason = refusal(budget, spend, tokens_needed=tokens_per_run(probe))
            if reason is not None:
                return reason
            attempts = attempts_allowed(budget, spend, attempts)
        self._breakers[target] = state
        self._in_flight[target] += 1
        return Ticket(target, attempts)

    async def _recent_spend(self, target: str, now: datetime) -> Spend:
        try:
            spend = await self._db.run(self._store.recent_spend, target, now)
        except StorageError as exc:
            if not exc.retryable:
                raise
            known = self._last_spend.get(target, Spend(0, 0))
            log.warning(
                "target %s: cannot read the spend for its budget (%s); using the last known "
                "(%d requests in a minute, %d tokens in a day)",
                target,
                exc,
                known.requests_last_minute,
                known.tokens_last_day,
            )
            return known
        self._last_spend[target] = spend
        return spend

    def settle(self, ticket: Ticket, observation: Observation | None, now: datetime) -> None:
        """The admitted run is over (``observation`` None: it never reached the target)."""
        self._in_flight[ticket.target] = max(self._in_flight[ticket.target] - 1, 0)
        if observation is None:
            return
        failure = observation.failure.kind if observation.failure else None
        hard_down = breaker.is_hard_down(failure, observation.status_code)
        what = failure or f"HTTP {observation.status_code}"
        before = self._breakers[ticket.target]
        after = breaker.record(
            before, hard_down=hard_down, what=what, now=now, policy=self._policy(ticket.target)
        )
        if after.open_until is not None and after.open_until != before.open_until:
            log.warning(
                "target %s: circuit open until %s after %d hard-down run(s) (last: %s)",
                ticket.target,
                after.open_until.isoformat(),
                after.failures,
                what,
            )
        self._breakers[ticket.target] = after
