"""Generic webhook sink: one JSON POST per message, signed with HMAC-SHA256.

Body: ``{"version": 1, "idempotency_key", "grouped", "target", "alerts": [payload, …]}``
(``alerts`` has several entries for a grouped opening). Headers:

- ``Idempotency-Key``: the same on every re-send of one message; receivers drop repeats.
- ``X-Monitor-Timestamp``: Unix seconds when this copy was signed.
- ``X-Monitor-Signature``: ``sha256=`` + hex HMAC-SHA256 of ``"{timestamp}.{raw body}"`` with
  the secret from ``alerts.webhook.secret_env`` (absent when no secret is configured).
  Receivers recompute it over the raw bytes and reject old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from monitor.alerts.base import Delivery
from monitor.alerts.httpsend import HttpClient, post_bytes
from monitor.clock import Clock

SIGNATURE_HEADER = "X-Monitor-Signature"
TIMESTAMP_HEADER = "X-Monitor-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_body(delivery: Delivery) -> dict[str, Any]:
    return {
        "version": 1,
        "idempotency_key": delivery.key,
        "grouped": delivery.grouped,
        "target": delivery.lead.event.target,
        "alerts": [payload.to_json() for payload in delivery.payloads],
    }


class WebhookSink:
    name = "webhook"
    groups = True
    pace_interval = 0.0

    def __init__(self, client: HttpClient, url: str, secret: str | None, clock: Clock) -> None:
        self.client = client
        self.url = url
        self.secret = secret
        self.clock = clock

    def pace_key(self) -> str | None:
        return None

    def close(self) -> None:
        self.client.close()

    def deliver(self, delivery: Delivery) -> str | None:
        data = json.dumps(webhook_body(delivery), separators=(",", ":"), default=str).encode()
        timestamp = str(int(self.clock.now().timestamp()))
        headers = {"idempotency-key": delivery.key, TIMESTAMP_HEADER: timestamp}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, timestamp, data)
        secrets = [self.secret] if self.secret else []
        post_bytes(self.client, "webhook", self.url, data, headers=headers, secrets=secrets)
        return None
