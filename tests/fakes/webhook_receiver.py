"""A generic webhook receiver: accepts JSON POSTs, checks the HMAC-SHA256 signature the way a
receiving service would (``X-Monitor-Signature`` over ``"{timestamp}.{raw body}"``) and counts
deliveries per ``Idempotency-Key`` so tests can tell a re-send from a new alert."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from typing import Any

from tests.fakes.http_fake import FakeServer, Recorded, Reply

SECRET = "whsec-test-9f8e7d6c5b4a"


class WebhookReceiver(FakeServer):
    def __init__(self, secret: str = SECRET) -> None:
        super().__init__()
        self.secret = secret

    @property
    def url(self) -> str:
        return f"{self.base_url}/hooks/monitor"

    def route(self, request: Recorded) -> str:
        return "hook"

    def signature_ok(self, request: Recorded) -> bool:
        timestamp = request.headers.get("x-monitor-timestamp", "")
        given = request.headers.get("x-monitor-signature", "")
        mac = hmac.new(
            self.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
        )
        return hmac.compare_digest(given, "sha256=" + mac.hexdigest())

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.requests if r.path == "/hooks/monitor"]

    def keys(self) -> Counter[str]:
        return Counter(r.headers.get("idempotency-key", "") for r in self.requests)

    def respond(self, request: Recorded) -> Reply:
        if request.path != "/hooks/monitor":
            return Reply(404, {"error": "no such hook"})
        if not self.signature_ok(request):
            return Reply(401, {"error": "bad signature"})
        return Reply(200, {"received": True})
