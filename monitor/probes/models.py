"""``models``: GET /v1/models — its shape, and that every model the target's probes use is listed.

A model missing from the list is a warning (``model-not-listed``, one per model): requests
for it are likely to start failing, but some providers serve aliases they do not list, and
availability is an account question rather than an endpoint fact.
"""

from __future__ import annotations

from typing import Any

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.model import Finding, Severity, Source
from monitor.core.observation import Observation
from monitor.probes.base import MODELS_PATH, NO_CONTEXT, ProbeContext, build_request, expected_or
from monitor.probes.checks import shared_findings
from monitor.probes.sdk_parser import sdk_findings
from monitor.transport import PreparedRequest


def listed_models(document: Any) -> set[str] | None:
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, list):
        return None
    return {
        item["id"] for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


class Models:
    name = "models"

    def prepare(
        self,
        probe: ProbeConfig,
        target: TargetConfig,
        api_key: str | None,
        context: ProbeContext = NO_CONTEXT,
    ) -> PreparedRequest:
        method = probe.method if probe.path else "GET"
        return build_request(probe, target, api_key, method=method, path=probe.path or MODELS_PATH)

    def expected_status(self, probe: ProbeConfig) -> frozenset[int]:
        return expected_or(probe, frozenset({200}))

    def check(
        self,
        probe: ProbeConfig,
        observation: Observation,
        document: Any,
        context: ProbeContext = NO_CONTEXT,
    ) -> list[Finding]:
        findings = shared_findings(probe, observation, document)
        listed = listed_models(document)
        if listed is None or (observation.status_code or 0) >= 300:
            return findings
        wanted = set(context.models_in_use) | ({probe.model} if probe.model else set())
        for model in sorted(wanted - listed):
            findings.append(
                Finding(
                    kind="model-not-listed",
                    path="data[].id",
                    severity=Severity.WARNING,
                    source=Source.EXPECTATION,
                    message=f"`{model}` is used by this target's probes and is not among the "
                    f"{len(listed)} model(s) GET /v1/models lists",
                    before=model,
                    after=None,
                    value_key=model,
                )
            )
        if probe.production_parser == "openai":
            findings += sdk_findings("model", document.get("data") or [])
        return findings
