"""The delivery span: one span per alert message, in its own trace, linked to the span of every
run whose transition it carries (trace and span ids are in the outbox payload's ``run``).

A delivery happens seconds or days after the run and maybe in another process, so it is not a
child of the run's span; an OpenTelemetry ``Link`` joins the two in trace viewers instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry.trace import Link, Span, SpanContext, SpanKind, TraceFlags, Tracer

from monitor.core.alert_payload import AlertPayload
from monitor.telemetry import semconv


def run_links(payloads: Sequence[AlertPayload]) -> list[Link]:
    links = []
    seen: set[tuple[int, int]] = set()
    for payload in payloads:
        run = payload.run
        if run is None:
            continue
        try:
            trace_id = int(str(run.trace_id), 16)
            span_id = int(str(run.span_id), 16)
        except ValueError:
            continue
        if not trace_id or not span_id or (trace_id, span_id) in seen:
            continue
        seen.add((trace_id, span_id))
        parent = SpanContext(
            trace_id, span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
        )
        links.append(Link(parent, {semconv.MONITOR_RUN_ID: str(run.id)}))
    return links


@contextmanager
def delivery_span(
    tracer: Tracer, sink: str, key: str, payloads: Sequence[AlertPayload]
) -> Iterator[Span]:
    lead = payloads[0]
    event = lead.event
    attributes: dict[str, str | int] = {
        semconv.MONITOR_SINK: sink,
        semconv.MONITOR_ALERT_KEY: key,
        semconv.MONITOR_ALERT_REASON: lead.reason,
        semconv.MONITOR_ALERT_EVENTS: len(payloads),
        semconv.MONITOR_PROBE: event.probe,
        semconv.MONITOR_TARGET: event.target,
    }
    with tracer.start_as_current_span(
        f"alert {sink}",
        context=otel_context.Context(),  # a new trace: the run's is linked, not the parent
        kind=SpanKind.PRODUCER,
        links=run_links(payloads),
        attributes=attributes,
    ) as span:
        yield span
