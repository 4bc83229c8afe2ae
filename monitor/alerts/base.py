"""The alert-sink interface. A sink renders an outbox item's payload and sends it.

``deliver`` is synchronous (the dispatcher runs it in a worker thread) and raises
``DeliveryError(permanent=...)`` when it fails, so the outbox knows whether retrying can help.
It returns the sink's reference to the message (Slack's ``ts``) or None.
"""

from __future__ import annotations

from typing import Protocol

from monitor.storage.records import OutboxItem


class AlertSink(Protocol):
    name: str

    def deliver(self, item: OutboxItem) -> str | None: ...
