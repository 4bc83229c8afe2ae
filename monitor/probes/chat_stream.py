"""``chat_completion_stream``: the same request with ``stream: true``, read as SSE.

The transport records each event and its timing; the judge learns the chunk shape as its own
baseline class and reports what the stream alone shows (``core.chunks``: terminator, finish
reason, error events, a burst, a wrong content type). This kind adds what depends on the
request: ``sse-not-streamed`` when a JSON body came back, ``sse-usage-chunk-missing`` when
``stream_options.include_usage`` asked for a usage chunk, and the ``slo.ttft`` check.
"""

from __future__ import annotations

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.config.timeparse import format_duration
from monitor.core.model import Finding, ResponseClass, Severity
from monitor.core.observation import Observation
from monitor.core.stream.chunks import is_error_chunk
from monitor.probes.base import NO_CONTEXT, KindAnswer, KindBase, ProbeContext, expectation
from monitor.probes.chat_completion import chat_body, chat_request, chat_request_findings
from monitor.probes.sdk_parser import sdk_findings
from monitor.probes.transport import PreparedRequest


def usage_requested(probe: ProbeConfig) -> bool:
    options = probe.params.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


class ChatCompletionStream(KindBase):
    name = "chat_completion_stream"
    required_members: tuple[str, ...] = ("choices",)

    def prepare(
        self,
        probe: ProbeConfig,
        target: TargetConfig,
        api_key: str | None,
        context: ProbeContext = NO_CONTEXT,
    ) -> PreparedRequest:
        return chat_request(probe, target, api_key, chat_body(probe, stream=True), stream=True)

    def kind_findings(self, answer: KindAnswer) -> list[Finding]:
        probe, document = answer.probe, answer.document
        findings = chat_request_findings(probe, answer.observation)
        capture = answer.observation.stream
        if capture is None:
            if answer.status < 300 and isinstance(document, dict):
                findings.append(_not_streamed(answer.observation))
            return findings
        if usage_requested(probe) and not isinstance(document.get("usage"), dict):
            findings.append(
                expectation(
                    "sse-usage-chunk-missing",
                    "usage",
                    "stream_options.include_usage was set and no chunk carries `usage`",
                    response_class=ResponseClass.CHUNK,
                )
            )
        ttft_slo = probe.slo.ttft
        if ttft_slo is not None and capture.ttft_ms is not None:
            limit_ms = ttft_slo.total_seconds() * 1000
            if capture.ttft_ms > limit_ms:
                findings.append(
                    expectation(
                        "ttft-slo-exceeded",
                        "",
                        f"first token after {capture.ttft_ms:.0f} ms; the probe's TTFT "
                        f"SLO is {format_duration(ttft_slo)}",
                        before=round(limit_ms),
                        after=round(capture.ttft_ms),
                        response_class=ResponseClass.CHUNK,
                    )
                )
        if probe.production_parser == "openai":
            chunks = [c for c in capture.chunks if isinstance(c, dict) and not is_error_chunk(c)]
            findings += sdk_findings("chunk", chunks)
        return findings


def _not_streamed(observation: Observation) -> Finding:
    return expectation(
        "sse-not-streamed",
        "",
        f"`stream: true` was answered with one {observation.media_type or 'untyped'} "
        "body instead of server-sent events",
        severity=Severity.BREAKING,
        before="text/event-stream",
        after=observation.media_type or None,
    )
