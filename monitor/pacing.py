"""Pacing: at most one message per ``interval`` per key (Slack: about one per second per
channel), and a key paused by a 429 stays paused until its ``Retry-After`` has passed.

Time comes from the injected ``Clock`` (``monotonic``), so tests drive it without sleeping.
Per process: replicas pace independently (a 429 then slows the others down via the outbox).
"""

from __future__ import annotations

from monitor.clock import Clock


class Pacer:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._free_at: dict[str, float] = {}

    def wait(self, key: str | None) -> float:
        """Seconds to wait before the next message with ``key`` may go (0: now)."""
        if key is None:
            return 0.0
        return max(0.0, self._free_at.get(key, 0.0) - self._clock.monotonic())

    def sent(self, key: str | None, interval: float) -> None:
        if key is None or interval <= 0:
            return
        self._hold(key, interval)

    def pause(self, key: str | None, seconds: float) -> None:
        if key is not None and seconds > 0:
            self._hold(key, seconds)

    def _hold(self, key: str, seconds: float) -> None:
        until = self._clock.monotonic() + seconds
        self._free_at[key] = max(self._free_at.get(key, 0.0), until)
