"""What a probe run's CLIENT span says: GenAI and HTTP attributes, one event per finding, the
status, and child spans drawn after the fact (one per HTTP attempt, one for the comparison).

Attempts are drawn from ``AttemptRecord.started_ms``/``latency_ms`` (offsets from the run's start)
because the transport (another module's job) records them, not spans; the comparison is timed by
``JudgeTiming`` around the pure judge. Nothing here reads a secret: ``url.full`` comes from the
observation (no credentials) and loses any userinfo and query values on the way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from monitor.config.schema import ProbeConfig
from monitor.core.judge import Judgement, ProbeState
from monitor.core.model import Outcome, Severity
from monitor.core.observation import Observation
from monitor.telemetry import semconv

# gen_ai.provider.name well-known values, by API host suffix; other hosts use the target name.
KNOWN_PROVIDERS = (
    ("api.openai.com", "openai"),
    ("openai.azure.com", "azure.ai.openai"),
    ("api.deepseek.com", "deepseek"),
    ("api.groq.com", "groq"),
    ("api.mistral.ai", "mistral_ai"),
    ("api.x.ai", "x_ai"),
    ("api.anthropic.com", "anthropic"),
    ("generativelanguage.googleapis.com", "gcp.gemini"),
)


class JudgeTiming:
    """Wraps the judge so its wall-clock span can be drawn afterwards (it runs in a DB thread)."""

    def __init__(self, judge: Callable[[ProbeState], Judgement]) -> None:
        self._judge = judge
        self.start_ns: int | None = None
        self.end_ns: int | None = None

    def __call__(self, state: ProbeState) -> Judgement:
        self.start_ns = time.time_ns()
        try:
            return self._judge(state)
        finally:
            self.end_ns = time.time_ns()


@dataclass(frozen=True)
class RunFacts:
    probe: ProbeConfig
    target_name: str
    base_url: str
    run_id: str
    trigger: str
    request_id: str | None
    observation: Observation
    judgement: Judgement


def safe_url(url: str) -> str:
    """``url.full`` without userinfo and with every query value replaced by ``REDACTED``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    query = urlencode([(k, "REDACTED") for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def provider_name(base_url: str, target_name: str) -> str:
    host = (urlsplit(base_url).hostname or "").lower()
    for suffix, name in KNOWN_PROVIDERS:
        if host == suffix or host.endswith("." + suffix):
            return name
    return target_name


def _document(judgement: Judgement) -> dict[str, Any]:
    return judgement.document if isinstance(judgement.document, dict) else {}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def run_attributes(facts: RunFacts) -> dict[str, Any]:
    probe, obs, judgement = facts.probe, facts.observation, facts.judgement
    attrs: dict[str, Any] = {
        semconv.MONITOR_PROBE: probe.name,
        semconv.MONITOR_TARGET: facts.target_name,
        semconv.MONITOR_PROBE_KIND: probe.kind,
        semconv.MONITOR_RUN_ID: facts.run_id,
        semconv.MONITOR_TRIGGER: facts.trigger,
        semconv.MONITOR_OUTCOME: judgement.outcome.value,
        semconv.MONITOR_ATTEMPTS: len(obs.attempts) or 1,
        semconv.MONITOR_FINDINGS_COUNT: len(judgement.findings),
        semconv.GEN_AI_PROVIDER_NAME: provider_name(facts.base_url, facts.target_name),
        semconv.HTTP_REQUEST_METHOD: obs.method,
        semconv.URL_FULL: safe_url(obs.url),
    }
    if probe.kind.startswith("chat_completion") or probe.model:
        attrs[semconv.GEN_AI_OPERATION_NAME] = semconv.GEN_AI_OPERATION_CHAT
    if probe.model:
        attrs[semconv.GEN_AI_REQUEST_MODEL] = probe.model
    max_tokens = probe.params.get("max_tokens", probe.params.get("max_completion_tokens"))
    if _is_int(max_tokens):
        attrs[semconv.GEN_AI_REQUEST_MAX_TOKENS] = max_tokens
    temperature = probe.params.get("temperature")
    if isinstance(temperature, int | float) and not isinstance(temperature, bool):
        attrs[semconv.GEN_AI_REQUEST_TEMPERATURE] = float(temperature)
    parts = urlsplit(obs.url)
    if parts.hostname:
        attrs[semconv.SERVER_ADDRESS] = parts.hostname
    if parts.port:
        attrs[semconv.SERVER_PORT] = parts.port
    if obs.status_code is not None:
        attrs[semconv.HTTP_RESPONSE_STATUS_CODE] = obs.status_code
    if facts.request_id:
        attrs[semconv.MONITOR_REQUEST_ID] = facts.request_id
    if judgement.category:
        attrs[semconv.MONITOR_CATEGORY] = judgement.category.value
    if judgement.verdict:
        attrs[semconv.MONITOR_VERDICT] = judgement.verdict.value
    if judgement.baseline is not None:
        attrs[semconv.MONITOR_BASELINE_VERSION] = judgement.baseline.version
        attrs[semconv.MONITOR_BASELINE_STATE] = judgement.baseline.state
    attrs.update(_response_attributes(_document(judgement)))
    error = error_type(obs, judgement)
    if error:
        attrs[semconv.ERROR_TYPE] = error
    return attrs


def _response_attributes(doc: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if isinstance(doc.get("model"), str):
        attrs[semconv.GEN_AI_RESPONSE_MODEL] = doc["model"]
    if isinstance(doc.get("id"), str):
        attrs[semconv.GEN_AI_RESPONSE_ID] = doc["id"]
    choices = doc.get("choices")
    if isinstance(choices, list):
        reasons = [
            c["finish_reason"]
            for c in choices
            if isinstance(c, dict) and isinstance(c.get("finish_reason"), str)
        ]
        if reasons:
            attrs[semconv.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
    usage = doc.get("usage")
    if isinstance(usage, dict):
        # OpenAI-compatible names first, then the newer input/output names some providers use.
        for key, attr in (
            ("prompt_tokens", semconv.GEN_AI_USAGE_INPUT_TOKENS),
            ("input_tokens", semconv.GEN_AI_USAGE_INPUT_TOKENS),
            ("completion_tokens", semconv.GEN_AI_USAGE_OUTPUT_TOKENS),
            ("output_tokens", semconv.GEN_AI_USAGE_OUTPUT_TOKENS),
        ):
            if _is_int(usage.get(key)) and attr not in attrs:
                attrs[attr] = usage[key]
    return attrs


def error_type(obs: Observation, judgement: Judgement) -> str | None:
    """``error.type``: the transport failure kind, else the HTTP status, else the breaking kind."""
    if obs.failure is not None:
        return obs.failure.kind
    if obs.status_code is not None and obs.status_code >= 400:
        return str(obs.status_code)
    if judgement.outcome is Outcome.FAIL:
        lead = next((f for f in judgement.findings if f.severity is Severity.BREAKING), None)
        return lead.kind if lead else "fail"
    return None


def annotate_run_span(
    span: trace.Span, tracer: trace.Tracer, facts: RunFacts, timing: JudgeTiming | None = None
) -> None:
    """Attributes, finding events, status and child spans of one run's span."""
    judgement = facts.judgement
    span.set_attributes(run_attributes(facts))
    for finding in judgement.findings:
        span.add_event(
            semconv.FINDING_EVENT,
            {
                semconv.FINDING_KIND: finding.kind,
                semconv.FINDING_PATH: finding.path,
                semconv.FINDING_SEVERITY: finding.severity.value,
                semconv.FINDING_SOURCE: finding.source.value,
                semconv.FINDING_CATEGORY: finding.category.value,
                semconv.FINDING_VERDICT: finding.verdict.value,
                semconv.FINDING_MESSAGE: finding.message[:500],
            },
        )
    breaking = any(f.severity is Severity.BREAKING for f in judgement.findings)
    if judgement.outcome is Outcome.FAIL or breaking:
        span.set_status(Status(StatusCode.ERROR, judgement.outcome.value))
    _attempt_spans(span, tracer, facts)
    if timing is not None and timing.start_ns is not None and timing.end_ns is not None:
        compare = tracer.start_span(
            f"{semconv.COMPARE_SPAN} {facts.probe.name}",
            context=trace.set_span_in_context(span),
            kind=SpanKind.INTERNAL,
            start_time=timing.start_ns,
            attributes={
                semconv.MONITOR_OUTCOME: judgement.outcome.value,
                semconv.MONITOR_FINDINGS_COUNT: len(judgement.findings),
            },
        )
        compare.end(end_time=max(timing.end_ns, timing.start_ns))


def _span_start_ns(span: trace.Span) -> int:
    start = getattr(span, "start_time", None)  # the SDK span knows; a no-op span does not
    return start if isinstance(start, int) else time.time_ns()


def _attempt_spans(span: trace.Span, tracer: trace.Tracer, facts: RunFacts) -> None:
    obs = facts.observation
    base_ns = _span_start_ns(span)
    parts = urlsplit(obs.url)
    for attempt in obs.attempts:
        start_ns = base_ns + int(attempt.started_ms * 1_000_000)
        attrs: dict[str, Any] = {
            semconv.HTTP_REQUEST_METHOD: obs.method,
            semconv.URL_FULL: safe_url(obs.url),
            semconv.MONITOR_ATTEMPT_NUMBER: attempt.number,
            semconv.MONITOR_ATTEMPT_OUTCOME: attempt.outcome,
        }
        if parts.hostname:
            attrs[semconv.SERVER_ADDRESS] = parts.hostname
        if attempt.number > 1:
            attrs[semconv.HTTP_REQUEST_RESEND_COUNT] = attempt.number - 1
        if attempt.status_code is not None:
            attrs[semconv.HTTP_RESPONSE_STATUS_CODE] = attempt.status_code
        if attempt.retry_after_s is not None:
            attrs[semconv.MONITOR_RETRY_AFTER_S] = attempt.retry_after_s
        failed = attempt.outcome != "response" or (attempt.status_code or 0) >= 400
        if failed:
            attrs[semconv.ERROR_TYPE] = (
                attempt.outcome if attempt.outcome != "response" else str(attempt.status_code)
            )
        child = tracer.start_span(
            obs.method,  # HTTP client span names are the method alone
            context=trace.set_span_in_context(span),
            kind=SpanKind.CLIENT,
            start_time=start_ns,
            attributes=attrs,
        )
        if failed:
            child.set_status(Status(StatusCode.ERROR, attempt.error or attempt.outcome))
        child.end(end_time=start_ns + int(attempt.latency_ms * 1_000_000))
