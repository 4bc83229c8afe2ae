"""``http``: any method, path, headers and JSON body, judged like the others (status, shape,
baseline, SLO). The key still travels only in the ``Authorization`` header."""

from __future__ import annotations

from typing import Any

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.model import Finding
from monitor.core.observation import Observation
from monitor.probes.base import NO_CONTEXT, ProbeContext, build_request, expected_or
from monitor.probes.checks import shared_findings
from monitor.transport import PreparedRequest


class Http:
    name = "http"

    def prepare(
        self,
        probe: ProbeConfig,
        target: TargetConfig,
        api_key: str | None,
        context: ProbeContext = NO_CONTEXT,
    ) -> PreparedRequest:
        return build_request(
            probe, target, api_key, method=probe.method, path=probe.path or "/", body=probe.body
        )

    def expected_status(self, probe: ProbeConfig) -> frozenset[int]:
        return expected_or(probe, frozenset({200}))

    def check(
        self,
        probe: ProbeConfig,
        observation: Observation,
        document: Any,
        context: ProbeContext = NO_CONTEXT,
    ) -> list[Finding]:
        return shared_findings(probe, observation, document)
