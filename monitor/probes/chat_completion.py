"""``chat_completion``: POST /v1/chat/completions with a synthetic, sanitized prompt."""

from __future__ import annotations

from typing import Any

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.model import Finding
from monitor.core.observation import Observation
from monitor.probes.base import auth_headers, evidence_headers, join_url
from monitor.transport import PreparedRequest

CHAT_PATH = "/v1/chat/completions"


def chat_body(probe: ProbeConfig) -> dict[str, Any]:
    return {"model": probe.model, "messages": probe.messages, **probe.params}


def redacted_body(probe: ProbeConfig, body: dict[str, Any]) -> dict[str, Any]:
    if not probe.redact.messages:
        return body
    messages = [{**m, "content": "***"} if "content" in m else m for m in probe.messages]
    return {**body, "messages": messages}


class ChatCompletion:
    name = "chat_completion"

    def prepare(
        self, probe: ProbeConfig, target: TargetConfig, api_key: str | None
    ) -> PreparedRequest:
        headers = auth_headers(target, api_key)
        body = chat_body(probe)
        return PreparedRequest(
            method="POST",
            url=join_url(target.base_url, probe.path or CHAT_PATH),
            headers=headers,
            json_body=body,
            evidence_headers=evidence_headers(headers, api_key),
            evidence_body=redacted_body(probe, body),
            deadline_s=probe.timeout.total_seconds(),
            connect_timeout_s=probe.connect_timeout.total_seconds(),
        )

    def expected_status(self, probe: ProbeConfig) -> frozenset[int]:
        if probe.assumes is not None and probe.assumes.status is not None:
            return frozenset({probe.assumes.status})
        return frozenset({200})

    def check(self, probe: ProbeConfig, observation: Observation, document: Any) -> list[Finding]:
        return []
