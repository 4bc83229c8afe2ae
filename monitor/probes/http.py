"""``http``: any method, path, headers and JSON body, judged like the others (status, shape,
baseline, SLO). The key still travels only in the ``Authorization`` header."""

from __future__ import annotations

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.probes.base import NO_CONTEXT, KindBase, ProbeContext, build_request
from monitor.probes.transport import PreparedRequest


class Http(KindBase):
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
