"""A clock the test moves: ``now``/``monotonic`` advance only through ``advance`` or ``sleep``
(the dispatcher's injected async sleep), which records every pause it was asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self._now = start
        self._mono = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
