"""``token_field``: does the endpoint accept this model's token-limit field?

OpenAI renamed ``max_tokens`` to ``max_completion_tokens`` for reasoning models and answers the
old name with 400 ``unsupported_parameter``; gateways follow at their own pace. The probe sends
the field the application uses (``assumes.token_field``, else the one in ``params``, else
``max_tokens``) with a small limit. A 4xx naming that field is ``token-field-rejected``
(breaking; the error's suggested field is recorded), so a rename is caught before production
traffic fails. 4xx answers are expected statuses here: the probe's answer is the finding.
"""

from __future__ import annotations

from typing import Any

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.model import Finding, ResponseClass, Severity
from monitor.probes.base import (
    NO_CONTEXT,
    KindAnswer,
    KindBase,
    ProbeContext,
    error_object,
    expectation,
)
from monitor.probes.chat_completion import chat_request
from monitor.probes.negative import SYNTHETIC, names_parameter
from monitor.probes.sdk_parser import sdk_completion_findings
from monitor.probes.transport import PreparedRequest

TOKEN_FIELDS = ("max_tokens", "max_completion_tokens")
DEFAULT_LIMIT = 16


def token_field(probe: ProbeConfig) -> str:
    if probe.assumes is not None and probe.assumes.token_field is not None:
        return probe.assumes.token_field
    return next((f for f in TOKEN_FIELDS if f in probe.params), "max_tokens")


def token_body(probe: ProbeConfig) -> dict[str, Any]:
    field = token_field(probe)
    limit = next((probe.params[f] for f in TOKEN_FIELDS if f in probe.params), DEFAULT_LIMIT)
    rest = {k: v for k, v in probe.params.items() if k not in TOKEN_FIELDS}
    return {"model": probe.model, "messages": probe.messages or SYNTHETIC, **rest, field: limit}


class TokenField(KindBase):
    name = "token_field"
    default_status = frozenset({200, 400, 422})

    def prepare(
        self,
        probe: ProbeConfig,
        target: TargetConfig,
        api_key: str | None,
        context: ProbeContext = NO_CONTEXT,
    ) -> PreparedRequest:
        return chat_request(probe, target, api_key, token_body(probe))

    def kind_findings(self, answer: KindAnswer) -> list[Finding]:
        probe, status = answer.probe, answer.status
        field = token_field(probe)
        if status < 400:
            return sdk_completion_findings(probe, answer.shared, answer.document)
        error = error_object(answer.document) or {}
        message = str(error.get("message") or "")[:300]
        if names_parameter(error, field):
            other = next((f for f in TOKEN_FIELDS if f != field and f in message), None)
            return [
                expectation(
                    "token-field-rejected",
                    f"request.{field}",
                    f"{probe.model} refuses `{field}` (HTTP {status})"
                    + (f"; the endpoint asks for `{other}`" if other else "")
                    + f": {message}",
                    severity=Severity.BREAKING,
                    before=field,
                    after=other,
                    response_class=ResponseClass.ERROR,
                )
            ]
        return [
            expectation(
                "token-field-inconclusive",
                f"request.{field}",
                f"HTTP {status} that does not name `{field}`: {message}",
                after=status,
                response_class=ResponseClass.ERROR,
            )
        ]
