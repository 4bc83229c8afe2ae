"""A fault-injection seam of the dispatcher: ``reached(point, delivery)`` is called just before
and just after a message is handed to its sink, so the restart tests can kill the process at
exactly those points and check that the message is then sent once (at-least-once, with the
same idempotency key). Production passes ``NoCheckpoints``.
"""

from __future__ import annotations

from typing import Protocol

from monitor.alerts.base import Delivery

BEFORE_SEND = "before_send"
AFTER_SEND = "after_send"


class Checkpoints(Protocol):
    def reached(self, point: str, delivery: Delivery) -> None: ...


class NoCheckpoints:
    def reached(self, point: str, delivery: Delivery) -> None:
        return None
