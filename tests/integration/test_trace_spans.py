"""Run spans: names, GenAI/HTTP attributes, attempt and compare children, finding events,
status, links from alert delivery, traceparent on probes, and the stored trace id."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from monitor.runner.result import RunResult
from monitor.telemetry import semconv
from monitor.telemetry.tracing import format_span_id, format_trace_id
from tests.conftest import SIM_KEY, chat_probe_config
from tests.incident import make_app, run_probe


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def _run(app: Any, times: int = 1) -> list[RunResult]:
    async def go() -> list[RunResult]:
        try:
            return [await run_probe(app) for _ in range(times)]
        finally:
            await app.aclose()

    return asyncio.run(go())


def test_a_run_is_one_client_span_with_genai_and_http_attributes(
    tmp_path: Path, sim_url: str, db_url: str
) -> None:
    exporter = InMemorySpanExporter()
    app = make_app(tmp_path, sim_url, db_url, exporter=exporter)
    store_url = db_url
    (row,) = _run(app)
    spans = exporter.get_finished_spans()
    (run_span,) = _by_name(spans, "chat gpt-4o-mini")
    assert run_span.kind is SpanKind.CLIENT
    attrs = dict(run_span.attributes or {})
    assert attrs[semconv.GEN_AI_OPERATION_NAME] == "chat"
    assert attrs[semconv.GEN_AI_PROVIDER_NAME] == "sim"
    assert attrs[semconv.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"
    assert attrs[semconv.GEN_AI_REQUEST_MAX_TOKENS] == 32
    assert attrs[semconv.GEN_AI_REQUEST_TEMPERATURE] == 0.0
    assert str(attrs[semconv.GEN_AI_RESPONSE_MODEL]).startswith("gpt-4o-mini")
    assert str(attrs[semconv.GEN_AI_RESPONSE_ID]).startswith("chatcmpl-")
    assert list(attrs[semconv.GEN_AI_RESPONSE_FINISH_REASONS]) == ["stop"]  # type: ignore[arg-type]
    assert isinstance(attrs[semconv.GEN_AI_USAGE_INPUT_TOKENS], int)
    assert isinstance(attrs[semconv.GEN_AI_USAGE_OUTPUT_TOKENS], int)
    assert attrs[semconv.HTTP_REQUEST_METHOD] == "POST"
    assert attrs[semconv.SERVER_ADDRESS] == "127.0.0.1"
    assert attrs[semconv.URL_FULL] == f"{sim_url}/v1/chat/completions"
    assert attrs[semconv.HTTP_RESPONSE_STATUS_CODE] == 200
    assert semconv.ERROR_TYPE not in attrs
    assert run_span.status.status_code is StatusCode.UNSET
    assert run_span.resource.attributes["service.name"] == "contract-monitor"
    assert run_span.resource.attributes["deployment.environment.name"] == "test"
    assert "service.version" in run_span.resource.attributes
    assert SIM_KEY not in str(attrs)
    # the trace id stored with the run is the span's
    assert row.trace_id == format_trace_id(run_span.context.trace_id)
    reopened = make_app(tmp_path, "http://127.0.0.1:9", store_url)
    try:
        stored = reopened.store.get_run(row.run_id)
    finally:
        asyncio.run(reopened.aclose())
    assert stored is not None
    assert stored["trace_id"] == format_trace_id(run_span.context.trace_id)
    assert stored["span_id"] == format_span_id(run_span.context.span_id)


def test_attempts_and_the_comparison_are_children_of_the_run_span(
    tmp_path: Path, sim_url: str, sqlite_url: str
) -> None:
    exporter = InMemorySpanExporter()
    _run(make_app(tmp_path, sim_url, sqlite_url, exporter=exporter))
    spans = exporter.get_finished_spans()
    (run_span,) = _by_name(spans, "chat gpt-4o-mini")
    (attempt,) = _by_name(spans, "POST")
    (compare,) = _by_name(spans, "compare chat-basic")
    for child in (attempt, compare):
        assert child.parent is not None
        assert child.parent.span_id == run_span.context.span_id
        assert child.context.trace_id == run_span.context.trace_id
        assert run_span.start_time is not None
        assert child.start_time is not None
        assert child.start_time >= run_span.start_time
    assert attempt.kind is SpanKind.CLIENT
    assert attempt.attributes is not None
    assert attempt.attributes[semconv.HTTP_RESPONSE_STATUS_CODE] == 200
    assert attempt.attributes[semconv.MONITOR_ATTEMPT_NUMBER] == 1
    assert compare.attributes is not None
    assert compare.attributes[semconv.MONITOR_OUTCOME] == "pass"


def test_a_breaking_finding_is_an_event_and_sets_status_error(
    tmp_path: Path, sim: Any, sim_url: str, sqlite_url: str
) -> None:
    exporter = InMemorySpanExporter()
    app = make_app(tmp_path, sim_url, sqlite_url, exporter=exporter)

    async def go() -> None:
        try:
            for _ in range(2):  # learn_runs=2
                await run_probe(app)
            sim.set_scenario("drop-usage")
            await run_probe(app)
        finally:
            await app.aclose()

    asyncio.run(go())
    last = _by_name(exporter.get_finished_spans(), "chat gpt-4o-mini")[-1]
    assert last.status.status_code is StatusCode.ERROR
    (event,) = [e for e in last.events if e.name == semconv.FINDING_EVENT]
    assert event.attributes is not None
    assert event.attributes[semconv.FINDING_KIND] == "property-removed"
    assert event.attributes[semconv.FINDING_PATH] == "usage"
    assert event.attributes[semconv.FINDING_SEVERITY] == "breaking"
    assert event.attributes[semconv.FINDING_CATEGORY] == "usage_billing_assumption"
    assert last.attributes is not None
    assert last.attributes[semconv.MONITOR_OUTCOME] == "drift"


def test_a_failed_run_has_error_status_and_error_type(tmp_path: Path, sqlite_url: str) -> None:
    exporter = InMemorySpanExporter()
    _run(make_app(tmp_path, "http://127.0.0.1:9", sqlite_url, exporter=exporter))
    (run_span,) = _by_name(exporter.get_finished_spans(), "chat gpt-4o-mini")
    assert run_span.status.status_code is StatusCode.ERROR
    assert run_span.attributes is not None
    assert run_span.attributes[semconv.ERROR_TYPE] == "connect-refused"
    assert semconv.HTTP_RESPONSE_STATUS_CODE not in run_span.attributes
    attempts = _by_name(exporter.get_finished_spans(), "POST")
    assert len(attempts) == 3  # a refused connection is retried (retries.attempts defaults to 3)
    assert all(a.status.status_code is StatusCode.ERROR for a in attempts)


def test_an_http_error_status_is_the_error_type(
    tmp_path: Path, sim: Any, sim_url: str, sqlite_url: str
) -> None:
    sim.set_scenario("auth-rejects")
    exporter = InMemorySpanExporter()
    _run(make_app(tmp_path, sim_url, sqlite_url, exporter=exporter))
    (run_span,) = _by_name(exporter.get_finished_spans(), "chat gpt-4o-mini")
    assert run_span.attributes is not None
    assert run_span.attributes[semconv.ERROR_TYPE] == "401"
    assert run_span.attributes[semconv.HTTP_RESPONSE_STATUS_CODE] == 401
    assert run_span.attributes[semconv.MONITOR_CATEGORY] == "auth_mismatch"


def test_traceparent_joins_the_gateway_trace_when_enabled(
    tmp_path: Path, sim: Any, sim_url: str, sqlite_url: str
) -> None:
    config = chat_probe_config(sim_url, sqlite_url).replace(
        "    api_key_env: SIM_API_KEY\n", "    api_key_env: SIM_API_KEY\n    traceparent: true\n"
    )
    exporter = InMemorySpanExporter()
    (row,) = _run(make_app(tmp_path, sim_url, sqlite_url, exporter=exporter, config_text=config))
    (request,) = [r for r in sim.requests if r.path == "/v1/chat/completions"]
    version, trace_id, span_id, flags = request.headers["traceparent"].split("-")
    (run_span,) = _by_name(exporter.get_finished_spans(), "chat gpt-4o-mini")
    assert version == "00"
    assert int(flags, 16) & 0x01  # sampled (0x02, "random trace id", may be set too)
    assert trace_id == row.trace_id
    assert span_id == format_span_id(run_span.context.span_id)


def test_no_traceparent_is_sent_by_default(
    tmp_path: Path, sim: Any, sim_url: str, sqlite_url: str
) -> None:
    _run(make_app(tmp_path, sim_url, sqlite_url))
    (request,) = [r for r in sim.requests if r.path == "/v1/chat/completions"]
    assert "traceparent" not in request.headers


def test_alert_delivery_span_starts_a_new_trace_linked_to_the_run(
    tmp_path: Path, sim: Any, sim_url: str, sqlite_url: str
) -> None:
    exporter = InMemorySpanExporter()
    app = make_app(tmp_path, sim_url, sqlite_url, exporter=exporter)

    async def go() -> list[RunResult]:
        try:
            rows = [await run_probe(app) for _ in range(2)]  # learn_runs=2
            sim.set_scenario("drop-usage")
            rows += [await run_probe(app) for _ in range(2)]  # open_after=2: the event opens
            await app.dispatcher.drain(timeout_s=30)
            return rows
        finally:
            await app.aclose()

    rows = asyncio.run(go())
    spans = exporter.get_finished_spans()
    run_spans = {format_span_id(s.context.span_id): s for s in _by_name(spans, "chat gpt-4o-mini")}
    deliveries = [s for s in spans if s.name.startswith("alert ")]
    assert deliveries, [s.name for s in spans]
    opening = rows[-1]  # the run whose transition opened the event
    stored = make_app(tmp_path, sim_url, sqlite_url)
    try:
        span_id = stored.store.get_run(opening.run_id)["span_id"]  # type: ignore[index]
    finally:
        asyncio.run(stored.aclose())
    run_span = run_spans[span_id]
    linked = [
        d for d in deliveries if any(k.context.span_id == run_span.context.span_id for k in d.links)
    ]
    assert linked
    for delivery in linked:
        assert delivery.parent is None
        assert delivery.kind is SpanKind.PRODUCER
        assert delivery.context.trace_id != run_span.context.trace_id
        (link,) = delivery.links
        assert link.context.trace_id == run_span.context.trace_id
