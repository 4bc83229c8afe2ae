"""``models``: GET /v1/models — its shape, and that every model the target's probes use is listed.

A model missing from the list is a warning (``model-not-listed``, one per model): requests
for it are likely to start failing, but some providers serve aliases they do not list, and
availability is an account question rather than an endpoint fact.
"""

from __future__ import annotations

from typing import Any

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.model import Finding
from monitor.probes.base import (
    MODELS_PATH,
    NO_CONTEXT,
    KindAnswer,
    KindBase,
    ProbeContext,
    build_request,
    expectation,
)
from monitor.probes.sdk_parser import sdk_findings
from monitor.probes.transport import PreparedRequest


def listed_models(document: Any) -> set[str] | None:
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, list):
        return None
    return {
        item["id"] for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


class Models(KindBase):
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

    def kind_findings(self, answer: KindAnswer) -> list[Finding]:
        probe, listed = answer.probe, listed_models(answer.document)
        if listed is None or answer.status >= 300:
            return []
        wanted = set(answer.context.models_in_use) | ({probe.model} if probe.model else set())
        findings = [
            expectation(
                "model-not-listed",
                "data[].id",
                f"`{model}` is used by this target's probes and is not among the "
                f"{len(listed)} model(s) GET /v1/models lists",
                before=model,
                value_key=model,
            )
            for model in sorted(wanted - listed)
        ]
        if probe.production_parser == "openai":
            findings += sdk_findings("model", answer.document.get("data") or [])
        return findings
