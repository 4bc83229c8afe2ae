"""OpenTelemetry: a real ``TracerProvider`` is always installed so every run has a trace id.

Exporters: nothing unless asked; ``console`` for the demo. Later work adds OTLP via the
standard ``OTEL_*`` variables behind the same function.
"""

from __future__ import annotations

from typing import TextIO

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

from monitor import __version__


def build_tracer_provider(
    *,
    service_name: str = "contract-monitor",
    environment: str = "production",
    exporter: SpanExporter | None = None,
    console: TextIO | None = None,
) -> TracerProvider:
    resource = Resource.create(
        {
            "service.name": service_name,
            "service.version": __version__,
            "deployment.environment": environment,
        }
    )
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if console is not None:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=console)))
    return provider


def format_trace_id(trace_id: int) -> str:
    return f"{trace_id:032x}"


def format_span_id(span_id: int) -> str:
    return f"{span_id:016x}"
