"""Negative probes: requests built to be refused, proving the refusal still works.

``auth_rejection`` sends a deliberately invalid key and expects 401/403 with the learned error
envelope; a 2xx means the endpoint accepts any key, a security finding (``auth_mismatch``,
breaking). ``request_validation`` sends a body without ``messages`` and expects a 4xx envelope
naming the parameter. Both default to ``every: 1h``: an invalid-key probe every minute can get
a shared egress address blocked. Neither spends tokens when the endpoint behaves (max 1).
"""

from __future__ import annotations

from typing import Any

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.model import Finding, ResponseClass
from monitor.probes.base import (
    CHAT_PATH,
    NO_CONTEXT,
    KindAnswer,
    KindBase,
    ProbeContext,
    build_request,
    error_object,
    expectation,
)
from monitor.probes.transport import PreparedRequest

# Obviously not a real key, fixed so its fingerprint is recognisable in evidence.
INVALID_KEY = "sk-contract-monitor-deliberately-invalid-key"
DEFAULT_MODEL = "gpt-4o-mini"
SYNTHETIC = [{"role": "user", "content": "contract_probe negative"}]


def probe_model(probe: ProbeConfig, context: ProbeContext) -> str:
    """A model the endpoint knows, so the only thing wrong with the request is the one meant."""
    return probe.model or next(iter(context.models_in_use), DEFAULT_MODEL)


def refused_request(
    probe: ProbeConfig, target: TargetConfig, api_key: str | None, body: Any
) -> PreparedRequest:
    """``body`` to the chat endpoint (or the probe's path), kept as sent in evidence."""
    return build_request(
        probe, target, api_key, method=probe.method, path=probe.path or CHAT_PATH, body=body
    )


def _envelope_finding(kind: str, message: str) -> Finding:
    return expectation(kind, "error", message, response_class=ResponseClass.ERROR)


class AuthRejection(KindBase):
    name = "auth_rejection"
    default_status = frozenset({401, 403})

    def prepare(
        self,
        probe: ProbeConfig,
        target: TargetConfig,
        api_key: str | None,
        context: ProbeContext = NO_CONTEXT,
    ) -> PreparedRequest:
        body = {
            "model": probe_model(probe, context),
            "messages": probe.messages or SYNTHETIC,
            "max_tokens": 1,
        }
        return refused_request(probe, target, INVALID_KEY, body)

    def kind_findings(self, answer: KindAnswer) -> list[Finding]:
        if answer.status < 400 or error_object(answer.document) is not None:
            return []
        return [
            _envelope_finding(
                "error-envelope-missing",
                f"HTTP {answer.status} without an `error` object: clients that "
                "read error.message to tell a bad key from an outage get nothing",
            )
        ]


class RequestValidation(KindBase):
    name = "request_validation"
    default_status = frozenset({400, 422})
    request_invalid_on_purpose = True  # no `messages`: the contract's request schema says so too

    def prepare(
        self,
        probe: ProbeConfig,
        target: TargetConfig,
        api_key: str | None,
        context: ProbeContext = NO_CONTEXT,
    ) -> PreparedRequest:
        body = (
            probe.body
            if isinstance(probe.body, dict)
            else {
                "model": probe_model(probe, context),
                "max_tokens": 1,
            }
        )
        return refused_request(probe, target, api_key, body)

    def kind_findings(self, answer: KindAnswer) -> list[Finding]:
        if answer.status < 400:
            return []
        error = error_object(answer.document)
        if error is None:
            return [
                _envelope_finding(
                    "error-envelope-missing",
                    f"HTTP {answer.status} without an `error` object",
                )
            ]
        if not names_parameter(error, "messages"):
            return [
                _envelope_finding(
                    "validation-error-unnamed",
                    "the validation error does not name the missing parameter `messages`: "
                    f"{str(error.get('message'))[:200]}",
                )
            ]
        return []


def names_parameter(error: dict[str, Any], parameter: str) -> bool:
    message = error.get("message")
    return error.get("param") == parameter or (
        isinstance(message, str) and parameter in message.lower()
    )
