"""A stand-in for Slack incoming webhooks (``https://hooks.slack.com/services/T…/B…/…``).

Like Slack it answers ``200 ok`` as plain text, and plain-text errors with a status: 400
``invalid_payload``, 403 ``invalid_token``, 404 ``no_service``, 410 ``channel_is_archived``,
429 with ``Retry-After``, 500; blocks past Slack's limits are a 400 (``invalid_blocks``,
``msg_blocks_too_long``).
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.http_fake import FakeServer, Recorded, Reply
from tests.fakes.slack_api import blocks_error

HOOK_PATH = "/services/T0TEST/B0TEST/abcdefSECRET123456"


class SlackWebhook(FakeServer):
    @property
    def url(self) -> str:
        return f"{self.base_url}{HOOK_PATH}"

    def route(self, request: Recorded) -> str:
        return "hook"

    def posts(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.requests if r.path == HOOK_PATH]

    def respond(self, request: Recorded) -> Reply:
        if request.path != HOOK_PATH:
            return Reply(404, "no_service")
        try:
            body = json.loads(request.body)
        except ValueError:
            return Reply(400, "invalid_payload")
        if not body.get("text") and not body.get("blocks"):
            return Reply(400, "no_text")
        refused = blocks_error(body.get("blocks"))
        if refused is not None:
            return Reply(400, refused)
        return Reply(200, "ok")
