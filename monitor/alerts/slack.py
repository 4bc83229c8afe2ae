"""Slack sink: slack-sdk's ``WebClient`` with a bot token (``chat.postMessage``, Block Kit).

- The opening message's ``ts`` becomes the outbox row's ``external_ref``; reminders and
  resolutions are posted into that thread (any later process finds the ``ts`` in the outbox)
  and the opening message is redrawn with ``chat.update`` to show the state. The redraw is best
  effort: the reply already carries the news, and re-sending it to retry a failed redraw would
  duplicate it.
- The sync client runs in the dispatcher's worker thread (no aiohttp). Its built-in retry
  handlers are disabled: the outbox owns retrying.
- Every message carries Slack message metadata with its idempotency key. When a re-send follows
  a sender that died mid-delivery, the sink first looks for that key in the channel (or thread)
  and reuses the message it finds; that needs the ``channels:history`` scope and a channel id
  (``C…``) in ``alerts.slack.channel`` — without them it re-posts (at-least-once).
- Errors: HTTP 429 (``Retry-After``), 5xx, ``ratelimited``/``internal_error``/… and connection
  failures are transient; every other ``ok: false`` (``invalid_auth``, ``channel_not_found``,
  ``not_in_channel``, …) is permanent and surfaced.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from monitor.alerts import slack_blocks
from monitor.alerts.base import Delivery, slack_sdk_logger
from monitor.alerts.httpsend import retry_after_seconds
from monitor.alerts.render import is_closing
from monitor.errors import DeliveryError
from monitor.storage.records import QUIET_REF

log = logging.getLogger("monitor.alerts.slack")
METADATA_TYPE = "contract_monitor_alert"
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def build_client(token: str, api_url: str, timeout_s: int = 10) -> WebClient:
    # retry_handlers=[]: no built-in retries, the outbox owns retrying. The SDK's own log lines
    # go through our logging setup (never at DEBUG: see slack_sdk_logger).
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=timeout_s,
        retry_handlers=[],
        logger=slack_sdk_logger(),
    )


def slack_error(method: str, exc: SlackApiError) -> DeliveryError:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    code = _field(response, "error") or f"HTTP {status}"
    message = f"Slack {method} failed: {code}"
    if status == 429 or code == "ratelimited":
        retry = retry_after_seconds(_header(response, "retry-after"))
        return DeliveryError(message, permanent=False, retry_after=retry)
    if status >= 500 or code in TRANSIENT_ERRORS:
        return DeliveryError(message, permanent=False)
    return DeliveryError(message, permanent=True)


def _field(response: Any, name: str) -> str | None:
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get(name) is not None:
        return str(data[name])
    return None


def _header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


class SlackSink:
    name = "slack"
    groups = True
    pace_interval = 1.0  # Slack allows about one message per second per channel

    def __init__(self, client: WebClient, channel: str, *, name: str = "slack") -> None:
        self.name = name  # "slack", or a route's "slack:<channel>"
        self.client = client
        self.channel = channel
        self._channel_id = channel if CHANNEL_ID.match(channel) else None

    def pace_key(self) -> str:
        return f"slack:{self.channel}"

    def close(self) -> None:
        return None

    def deliver(self, delivery: Delivery) -> str | None:
        method = "chat.postMessage"
        try:
            if delivery.unknown_outcome:
                found = self._find_sent(delivery)
                if found is not None:
                    log.info("alert %s was already in Slack (ts %s)", delivery.key, found)
                    return found
            reply_to = delivery.thread_ref
            if reply_to is not None and self._quiet_recovery(delivery):
                # One member of a grouped alert recovered while others are still open: the
                # opening message shows it (member states); one reply when the last recovers,
                # not one per member (ten recoveries of an outage are not ten notifications).
                try:
                    self._redraw(delivery, reply_to, strict=True)
                    return QUIET_REF + reply_to
                except SlackApiError as exc:
                    error = slack_error("chat.update", exc)
                    if not error.permanent:
                        raise error from None
                    log.warning("cannot redraw %s (%s): replying instead", reply_to, error)
            response = self.client.chat_postMessage(
                channel=self.channel,
                text=slack_blocks.fallback_text(delivery.payloads),
                blocks=self._blocks(delivery),
                thread_ts=reply_to,
                metadata={
                    "event_type": METADATA_TYPE,
                    "event_payload": {
                        "idempotency_key": delivery.key,
                        "event_id": delivery.items[0].event_id,
                    },
                },
                unfurl_links=False,
                unfurl_media=False,
            )
            channel_id = _field(response, "channel")
            if channel_id:
                self._channel_id = channel_id
            ts = _field(response, "ts")
            if reply_to is not None:
                method = "chat.update"
                self._redraw(delivery, reply_to)
            return ts
        except SlackApiError as exc:
            raise slack_error(method, exc) from None
        except OSError as exc:  # URLError, timeouts, refused connections
            raise DeliveryError(
                f"Slack {method}: {type(exc).__name__}: {exc}", permanent=False
            ) from None

    def _quiet_recovery(self, delivery: Delivery) -> bool:
        # Only when the opening can be redrawn (its channel id is known); else a reply it is.
        return (
            delivery.in_group_thread
            and is_closing(delivery.lead)
            and not delivery.closes_thread()
            and self._channel_id is not None
        )

    def _blocks(self, delivery: Delivery) -> list[dict[str, Any]]:
        if delivery.grouped:
            return slack_blocks.group_opening(delivery.payloads)
        if delivery.thread_ref is not None:
            members = delivery.thread_events if delivery.in_group_thread else ()
            return slack_blocks.reply(delivery.lead, members)
        return slack_blocks.opening(delivery.lead)

    def _redraw(self, delivery: Delivery, root_ts: str, *, strict: bool = False) -> None:
        """Redraw the opening with the states now. ``strict``: the redraw is the delivery
        itself, so a failure is the delivery's (retried or surfaced), not just a warning."""
        if self._channel_id is None:
            return
        members = list(delivery.thread_events)
        payload = delivery.lead
        try:
            self.client.chat_update(
                channel=self._channel_id,
                ts=root_ts,
                text=slack_blocks.updated_text(payload, members),
                blocks=slack_blocks.updated_opening(payload, members),
            )
        except (SlackApiError, OSError) as exc:
            if strict:
                raise
            log.warning("could not update the opening Slack message %s: %s", root_ts, exc)
        if is_closing(payload):
            log.info("alert %s resolved in thread %s", delivery.key, root_ts)

    def _find_sent(self, delivery: Delivery) -> str | None:
        """The ts of a message already carrying ``delivery.key``, if Slack lets us look."""
        if self._channel_id is None:
            return None
        try:
            if delivery.thread_ref is not None:
                response = self.client.conversations_replies(
                    channel=self._channel_id,
                    ts=delivery.thread_ref,
                    include_all_metadata=True,
                    limit=200,
                )
            else:
                response = self.client.conversations_history(
                    channel=self._channel_id, include_all_metadata=True, limit=100
                )
        except (SlackApiError, OSError) as exc:
            log.info(
                "cannot look for an earlier copy of alert %s (%s): re-sending", delivery.key, exc
            )
            return None
        for message in _field_list(response, "messages"):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") != METADATA_TYPE:
                continue
            if (metadata.get("event_payload") or {}).get("idempotency_key") == delivery.key:
                return str(message.get("ts"))
        return None


def _field_list(response: Any, name: str) -> list[dict[str, Any]]:
    data = getattr(response, "data", None)
    value = data.get(name) if isinstance(data, dict) else None
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []
