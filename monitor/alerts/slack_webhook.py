"""Slack incoming-webhook sink: slack-sdk's ``WebhookClient`` posting Block Kit to one channel.

Incoming webhooks cannot thread or edit, so reminders and resolutions are new messages. A
non-200 answer is an error even though slack-sdk returns it instead of raising: 429 and 5xx
are transient; 400 ``invalid_payload``, 403 ``invalid_token``/``action_prohibited``, 404
``no_service``/``channel_not_found`` and 410 ``channel_is_archived`` are permanent. The URL is a
secret (it is the credential) and is scrubbed from every error.
"""

from __future__ import annotations

from slack_sdk.webhook import WebhookClient

from monitor.alerts import slack_blocks
from monitor.alerts.base import Delivery, slack_sdk_logger
from monitor.alerts.httpsend import classify_status
from monitor.core.policy.redact import scrub
from monitor.errors import DeliveryError


def build_client(url: str, timeout_s: int = 10) -> WebhookClient:
    return WebhookClient(url=url, timeout=timeout_s, retry_handlers=[], logger=slack_sdk_logger())


class SlackWebhookSink:
    name = "slack_webhook"
    groups = True
    pace_interval = 1.0  # one channel behind the URL: Slack's one message per second applies

    def __init__(self, client: WebhookClient) -> None:
        self.client = client

    def pace_key(self) -> str:
        return "slack_webhook"

    def close(self) -> None:
        return None

    def deliver(self, delivery: Delivery) -> str | None:
        if delivery.grouped:
            blocks = slack_blocks.group_opening(delivery.payloads)
        elif delivery.reason == "opened":
            blocks = slack_blocks.opening(delivery.lead)
        else:
            blocks = slack_blocks.reply(delivery.lead)
        try:
            response = self.client.send(
                text=slack_blocks.fallback_text(delivery.payloads),
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except OSError as exc:
            text = scrub(f"{type(exc).__name__}: {exc}", [self.client.url])
            raise DeliveryError(f"Slack webhook: {text}", permanent=False) from None
        headers = {k.lower(): str(v) for k, v in (response.headers or {}).items()}
        status = response.status_code
        error = classify_status(
            "Slack webhook", status, response.body or "", headers, [self.client.url]
        )
        if error is not None:
            raise error
        return None
