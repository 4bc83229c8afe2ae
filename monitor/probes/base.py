"""The probe-kind interface: how a kind builds its request and what it checks beyond shape.

A kind is pure: it turns config into a ``PreparedRequest`` and, after the transport has
observed the answer, returns kind-specific findings. Sending is the transport's job.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.model import Finding
from monitor.core.observation import Observation
from monitor.secrets import key_fingerprint, redact_headers
from monitor.transport import PreparedRequest


class ProbeKind(Protocol):
    name: str

    def prepare(
        self, probe: ProbeConfig, target: TargetConfig, api_key: str | None
    ) -> PreparedRequest: ...

    def expected_status(self, probe: ProbeConfig) -> frozenset[int]: ...

    def check(self, probe: ProbeConfig, observation: Observation, document: Any) -> list[Finding]:
        """Kind-specific findings on a parsed answer (the judge adds shape findings)."""
        ...


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


def evidence_headers(headers: dict[str, str], api_key: str | None) -> dict[str, str]:
    out = redact_headers(headers, api_key)
    if api_key:
        out["x-monitor-key-fingerprint"] = key_fingerprint(api_key)
    return out
