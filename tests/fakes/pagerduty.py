"""A stand-in for PagerDuty's Events API v2 (``POST /v2/enqueue``).

Validates like PagerDuty (32-character routing key, ``event_action``, a trigger's ``payload``
with ``summary``, ``source`` and ``severity``) and answers 202 ``{"status": "success",
"dedup_key": …}`` or 400 ``{"status": "invalid event", "errors": [...]}``. It keeps the alert
state per ``dedup_key``: a repeated trigger is deduplicated, a resolve closes it.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.http_fake import FakeServer, Recorded, Reply

ROUTING_KEY = "R0123456789ABCDEF0123456789ABCDE"
SEVERITIES = ("critical", "error", "warning", "info")


class PagerDuty(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.alerts: dict[str, dict[str, Any]] = {}

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v2/enqueue"

    def route(self, request: Recorded) -> str:
        return "enqueue"

    def events(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.path == "/v2/enqueue"]

    def respond(self, request: Recorded) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        errors = []
        if len(str(body.get("routing_key", ""))) != 32:
            errors.append("'routing_key' must be 32 characters")
        action = body.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        if action == "trigger":
            payload = body.get("payload") or {}
            for key in ("summary", "source", "severity"):
                if not payload.get(key):
                    errors.append(f"'payload.{key}' is missing or blank")
            if payload.get("severity") not in SEVERITIES:
                errors.append("'payload.severity' is invalid")
        elif not body.get("dedup_key"):
            errors.append("'dedup_key' is required for acknowledge and resolve")
        if errors:
            return Reply(
                400,
                {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
            )
        key = str(body.get("dedup_key"))
        alert = self.alerts.setdefault(key, {"status": "resolved", "triggers": 0})
        if action == "trigger":
            if alert["status"] != "triggered":
                alert["triggers"] += 1
            alert["status"] = "triggered"
        elif action == "resolve":
            alert["status"] = "resolved"
        return Reply(202, {"status": "success", "message": "Event processed", "dedup_key": key})
