"""``chat_completion``: POST /v1/chat/completions with a synthetic, sanitized prompt.

Besides the answer's shape (the judge's job) it checks the request side of the contract: the
documented method and path (``endpoint-mismatch``), the key only in the ``Authorization``
header (a key in the URL refuses the request: ``key-in-query-string``), and, with
``production_parser: openai``, that the official SDK parses the answer.
"""

from __future__ import annotations

from typing import Any

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.model import Finding
from monitor.core.observation import Observation
from monitor.probes.base import (
    CHAT_PATH,
    NO_CONTEXT,
    KindAnswer,
    KindBase,
    ProbeContext,
    build_request,
)
from monitor.probes.sdk_parser import sdk_completion_findings
from monitor.probes.shared_checks import endpoint_mismatch
from monitor.probes.transport import PreparedRequest


def chat_body(probe: ProbeConfig, **extra: Any) -> dict[str, Any]:
    return {"model": probe.model, "messages": probe.messages, **probe.params, **extra}


def chat_request(
    probe: ProbeConfig,
    target: TargetConfig,
    api_key: str | None,
    body: dict[str, Any],
    *,
    stream: bool = False,
) -> PreparedRequest:
    """``body`` to the chat endpoint (or the probe's path)."""
    return build_request(
        probe,
        target,
        api_key,
        method=probe.method,
        path=probe.path or CHAT_PATH,
        body=body,
        stream=stream,
    )


def chat_request_findings(probe: ProbeConfig, observation: Observation) -> list[Finding]:
    mismatch = endpoint_mismatch(observation, "POST", CHAT_PATH)
    return [mismatch] if mismatch else []


class ChatCompletion(KindBase):
    name = "chat_completion"
    required_members: tuple[str, ...] = ("choices",)

    def prepare(
        self,
        probe: ProbeConfig,
        target: TargetConfig,
        api_key: str | None,
        context: ProbeContext = NO_CONTEXT,
    ) -> PreparedRequest:
        return chat_request(probe, target, api_key, chat_body(probe))

    def kind_findings(self, answer: KindAnswer) -> list[Finding]:
        findings = chat_request_findings(answer.probe, answer.observation)
        if answer.status < 300:
            so_far = answer.shared + findings
            findings += sdk_completion_findings(answer.probe, so_far, answer.document)
        return findings
