"""The alert-sink interface and the one thing a sink is given: a ``Delivery``.

A delivery is one message: usually one outbox row, or several rows of one target opening
together (a grouped alert; only sinks with ``groups = True`` receive those). ``deliver`` is
synchronous — the dispatcher runs it in a worker thread, which keeps slack-sdk's sync client
(and no aiohttp) — and raises ``DeliveryError(permanent=..., retry_after=...)`` when it fails,
so the outbox knows whether retrying can help. It returns the sink's reference to the message
(Slack's ``ts``, PagerDuty's dedup key) or None. Sinks never retry by themselves: the outbox
owns retrying, backoff and ``Retry-After``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from monitor.core.alert_payload import AlertPayload
from monitor.storage.records import OutboxItem


@dataclass(frozen=True)
class Delivery:
    sink: str
    key: str  # the idempotency key, the same on every re-send of this message
    items: tuple[OutboxItem, ...]
    payloads: tuple[AlertPayload, ...]  # one per item, as the alert should read
    thread_ref: str | None = None  # the opening message to reply to, if any
    thread_events: tuple[dict[str, Any], ...] = ()  # events the opening message announced
    unknown_outcome: bool = False  # an earlier sender may already have sent it

    @property
    def lead(self) -> AlertPayload:
        return self.payloads[0]

    @property
    def grouped(self) -> bool:
        return len(self.items) > 1

    @property
    def reason(self) -> str:
        return self.lead.reason

    @property
    def in_group_thread(self) -> bool:
        """A follow-up to a grouped alert (its message announced several events)."""
        return self.thread_ref is not None and len(self.thread_events) > 1

    def closes_thread(self) -> bool:
        """Whether this resolution closes what its opening announced: always for one event; for
        a grouped alert, only once every member is resolved and no other member's resolution
        closed it, and then the one with the highest id among the members whose resolution is
        not yet delivered on this sink (``resolution``: None, ``quiet`` or ``sent``).

        Decided by delivery, not by ``resolved_at``: a run's finish time is not the order its
        resolution was committed (a spool replay, replicas' clocks), and ordering by it could
        leave every member waiting for another to close the thread."""
        members = [m for m in self.thread_events if m.get("id")]
        if not members:
            return True
        if any(m.get("state") != "resolved" for m in members):
            return False
        own = self.items[0].event_id
        if any(m.get("resolution") == "sent" and m["id"] != own for m in members):
            return False  # another member's resolution closed it already
        waiting = [str(m["id"]) for m in members if m.get("resolution") is None]
        return own not in waiting or max(waiting) == own


class AlertSink(Protocol):
    name: str
    groups: bool  # accepts grouped openings (several events in one message)
    pace_interval: float  # seconds between two messages with the same pace key; 0: unpaced

    def pace_key(self) -> str | None:
        """Messages with the same key share a rate limit (Slack: one channel)."""
        ...

    def deliver(self, delivery: Delivery) -> str | None: ...

    def close(self) -> None: ...


def slack_sdk_logger() -> logging.Logger:
    """The logger slack-sdk clients get: ours, never below INFO.

    slack-sdk logs every request at DEBUG when its logger's *own* level allows it (it checks
    ``logger.level``, so an unset level counts as DEBUG): for an incoming webhook that line
    holds the URL, which is the credential. Pinning INFO keeps it out of ``--log-level debug``.
    """
    logger = logging.getLogger("monitor.alerts.slack_sdk")
    logger.setLevel(logging.INFO)
    return logger
