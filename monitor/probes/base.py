"""The probe-kind interface: how a kind builds its request and what it checks beyond shape.

A kind is pure: it turns config into a ``PreparedRequest`` and, after the transport has
observed the answer, returns kind-specific findings. Sending is the transport's job.
``build_request`` is the one place a request is assembled, so every kind gets the same
guarantees: the key only in the ``Authorization`` header (a key found in the URL refuses the
request and never reaches evidence), redacted evidence headers with a key fingerprint, the
probe's deadline and retry policy.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.config.secrets import REDACTED, key_fingerprint, redact_headers
from monitor.core.model import Finding, ResponseClass, Severity, Source
from monitor.core.observation import Observation, TransportFailure
from monitor.core.policy.retry import RetryPolicy
from monitor.probes.shared_checks import shared_findings
from monitor.probes.transport import PreparedRequest

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
_SECRET_PARAM = re.compile(r"(^|[_-])(key|token|secret|signature|sig|password)$", re.IGNORECASE)


@dataclass(frozen=True)
class ProbeContext:
    """What a kind may know beyond its own config: the models its target's other probes use."""

    models_in_use: tuple[str, ...] = ()


NO_CONTEXT = ProbeContext()


class ProbeKind(Protocol):
    name: str
    # The kind sends a request the contract rejects, on purpose (``request_validation``).
    request_invalid_on_purpose: bool
    # The members every answer of the kind's protocol has (``core.shape.required``).
    required_members: tuple[str, ...]

    def prepare(
        self,
        probe: ProbeConfig,
        target: TargetConfig,
        api_key: str | None,
        context: ProbeContext = NO_CONTEXT,
    ) -> PreparedRequest: ...

    def expected_status(self, probe: ProbeConfig) -> frozenset[int]: ...

    def check(
        self,
        probe: ProbeConfig,
        observation: Observation,
        document: Any,
        context: ProbeContext = NO_CONTEXT,
    ) -> list[Finding]:
        """Kind-specific findings on a parsed answer (the judge adds shape findings)."""
        ...


@dataclass(frozen=True)
class KindAnswer:
    """What a kind's own checks read: the probe, what came back, and the shared checks' findings
    (already reported; a kind looks at them, e.g. to skip parsing an ``error-in-200``)."""

    probe: ProbeConfig
    observation: Observation
    document: Any
    context: ProbeContext
    shared: list[Finding]

    @property
    def status(self) -> int:
        return self.observation.status_code or 0


class KindBase:
    """What the kinds share: the expected status (``assumes.status``, else ``default_status``)
    and ``check`` = the shared checks (``probes.checks``) then the kind's ``kind_findings``."""

    default_status: frozenset[int] = frozenset({200})
    request_invalid_on_purpose: bool = False
    required_members: tuple[str, ...] = ()

    def expected_status(self, probe: ProbeConfig) -> frozenset[int]:
        return expected_or(probe, self.default_status)

    def check(
        self,
        probe: ProbeConfig,
        observation: Observation,
        document: Any,
        context: ProbeContext = NO_CONTEXT,
    ) -> list[Finding]:
        shared = shared_findings(probe, observation, document)
        return shared + self.kind_findings(
            KindAnswer(probe, observation, document, context, shared)
        )

    def kind_findings(self, answer: KindAnswer) -> list[Finding]:
        return []


def expectation(
    kind: str,
    path: str,
    message: str,
    *,
    severity: Severity = Severity.WARNING,
    response_class: ResponseClass = ResponseClass.SUCCESS,
    before: Any = None,
    after: Any = None,
    value_key: str | None = None,
) -> Finding:
    """A finding a kind's own expectation produces (``source: expectation``)."""
    return Finding(
        kind=kind,
        path=path,
        severity=severity,
        source=Source.EXPECTATION,
        message=message,
        before=before,
        after=after,
        value_key=value_key,
        response_class=response_class,
    )


def request_definition(probe: ProbeConfig) -> dict[str, Any]:
    """What identifies the request a probe sends; a change relearns the baseline."""
    return {
        "kind": probe.kind,
        "model": probe.model,
        "messages": probe.messages,
        "params": probe.params,
        "method": probe.method,
        "path": probe.path,
        "body": probe.body,
    }


def request_hash(probe: ProbeConfig) -> str:
    canonical = json.dumps(request_definition(probe), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def join_url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def auth_headers(target: TargetConfig, api_key: str | None) -> dict[str, str]:
    headers = {"content-type": "application/json", "accept": "application/json"}
    headers.update({k.lower(): v for k, v in target.headers.items()})
    if api_key:
        headers["authorization"] = f"Bearer {api_key}"
    return headers


def evidence_headers(
    headers: dict[str, str], api_key: str | None, masked: frozenset[str] = frozenset()
) -> dict[str, str]:
    out = redact_headers(headers, api_key, masked)
    if api_key:
        out["x-monitor-key-fingerprint"] = key_fingerprint(api_key)
    return out


def guard_url(url: str, api_key: str | None) -> tuple[str, TransportFailure | None]:
    """The URL as evidence may show it, and a refusal when the key travels in it.

    The seed's auth contract: the key goes in the ``Authorization`` header, never in a query
    string (proxies and access logs keep URLs). Credential-looking parameters and userinfo
    are masked whatever they hold.
    """
    parts = urlsplit(url)
    query = "&".join(
        f"{quote(name, safe='')}={REDACTED if _SECRET_PARAM.search(name) else quote(value)}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    netloc = parts.netloc.rpartition("@")[2]
    shown = urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    refusal = None
    if api_key and api_key in url:
        where = "query string" if api_key in parts.query else "URL"
        shown = shown.replace(api_key, REDACTED)
        refusal = TransportFailure(
            "key-in-query-string",
            f"the API key is in the request {where}; it must travel only in the "
            "Authorization header (URLs end up in proxy and access logs): request not sent",
            retryable=False,
        )
    return shown, refusal


def retry_policy(probe: ProbeConfig) -> RetryPolicy:
    return RetryPolicy(
        attempts=probe.retries.attempts,
        backoff_s=probe.retries.backoff.total_seconds(),
        max_backoff_s=probe.retries.max_backoff.total_seconds(),
    )


def redacted_messages(probe: ProbeConfig, body: Any) -> Any:
    """The body as evidence keeps it: message contents as ``***`` when ``redact.messages``
    asks, whatever the kind (a negative probe sends the probe's messages too)."""
    if not probe.redact.messages or not isinstance(body, dict):
        return body
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    masked = [
        {**m, "content": "***"} if isinstance(m, dict) and "content" in m else m for m in messages
    ]
    return {**body, "messages": masked}


def build_request(
    probe: ProbeConfig,
    target: TargetConfig,
    api_key: str | None,
    *,
    method: str,
    path: str,
    body: Any = None,
    evidence_body: Any = None,
    stream: bool = False,
) -> PreparedRequest:
    headers = auth_headers(target, api_key)
    headers.update({k.lower(): v for k, v in probe.headers.items()})
    if stream:
        headers["accept"] = "text/event-stream"
    url = join_url(target.base_url, path)
    shown, refusal = guard_url(url, api_key)
    return PreparedRequest(
        method=method.upper(),
        url=url,
        headers=headers,
        json_body=body,
        evidence_headers=evidence_headers(headers, api_key, target.env_headers | probe.env_headers),
        evidence_body=redacted_messages(
            probe, evidence_body if evidence_body is not None else body
        ),
        deadline_s=probe.timeout.total_seconds(),
        connect_timeout_s=probe.connect_timeout.total_seconds(),
        stream=stream,
        evidence_url=shown,
        retry=retry_policy(probe),
        refusal=refusal,
        key_fingerprint=key_fingerprint(api_key) if api_key else None,
    )


def expected_or(probe: ProbeConfig, default: frozenset[int]) -> frozenset[int]:
    if probe.assumes is not None and probe.assumes.status is not None:
        return frozenset({probe.assumes.status})
    return default


def error_object(document: Any) -> dict[str, Any] | None:
    """The ``error`` member of an error envelope (OpenAI, CometAPI and OpenRouter shapes)."""
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        return dict(document["error"])
    return None
