"""OpenTelemetry: a real ``TracerProvider`` is always installed so every run has a trace id.

Exporters follow the standard environment variables, read from the injected ``env`` (never
from ``os.environ`` behind the caller's back):

- nothing is exported unless ``OTEL_TRACES_EXPORTER`` names an exporter or an
  ``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`` is set (``OTEL_TRACES_EXPORTER=none`` wins);
- OTLP over HTTP/protobuf by default; ``OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL=grpc`` uses the
  gRPC exporter (the ``otlp-grpc`` extra); headers from ``OTEL_EXPORTER_OTLP_[TRACES_]HEADERS``;
- ``console`` writes spans as JSON to stderr, so ``--json`` output on stdout stays parseable
  (the demo's ``--spans`` chooses its own stream).

OTLP spans go through a ``BatchSpanProcessor`` (export never blocks a probe); shutting the
provider down flushes it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import unquote

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.re import parse_env_headers

from monitor import __version__
from monitor.errors import ConfigError, ConfigIssue
from monitor.telemetry import semconv

DEFAULT_OTLP_HTTP_ENDPOINT = "http://localhost:4318"
DEFAULT_OTLP_GRPC_ENDPOINT = "http://localhost:4317"


DEFAULT_SERVICE_NAME = "contract-monitor"
DEFAULT_ENVIRONMENT = "production"


def build_tracer_provider(
    *,
    service_name: str | None = None,
    environment: str | None = None,
    exporter: SpanExporter | None = None,
    console: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    stderr: TextIO | None = None,
) -> TracerProvider:
    """The provider; ``exporter`` (tests) and ``console`` are added to what ``env`` asks for.

    ``service_name`` and ``environment`` are the config's values when it sets them explicitly,
    None when it leaves them at their defaults (then the standard variables decide)."""
    attributes = resource_attributes(env or {}, service_name, environment)
    provider = TracerProvider(resource=Resource.create(attributes))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if console is not None:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=console)))
    for configured in exporters_from_env(env or {}, stderr or sys.stderr):
        provider.add_span_processor(BatchSpanProcessor(configured))
    return provider


def resource_attributes(
    env: Mapping[str, str], service_name: str | None, environment: str | None
) -> dict[str, str]:
    """The resource: an explicit config key, then ``OTEL_SERVICE_NAME`` /
    ``OTEL_RESOURCE_ATTRIBUTES``, then our defaults (the SDK's own ``Resource.create`` lets
    any attribute we pass beat the variables, so the precedence is decided here)."""
    attributes = _env_resource(env)
    if variable := env.get("OTEL_SERVICE_NAME", "").strip():
        attributes[semconv.SERVICE_NAME] = variable
    deprecated = attributes.pop(semconv.DEPLOYMENT_ENVIRONMENT_DEPRECATED, "")
    attributes[semconv.SERVICE_NAME] = (
        service_name or attributes.get(semconv.SERVICE_NAME) or DEFAULT_SERVICE_NAME
    )
    attributes[semconv.DEPLOYMENT_ENVIRONMENT] = (
        environment
        or attributes.get(semconv.DEPLOYMENT_ENVIRONMENT)
        or deprecated
        or DEFAULT_ENVIRONMENT
    )
    attributes[semconv.SERVICE_VERSION] = __version__
    return attributes


def _env_resource(env: Mapping[str, str]) -> dict[str, str]:
    """``OTEL_RESOURCE_ATTRIBUTES`` as the spec reads it: ``k=v`` pairs, values %-decoded;
    a malformed pair is skipped, as the SDK does."""
    out: dict[str, str] = {}
    for item in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            out[key.strip()] = unquote(value.strip())
    return out


def _env(env: Mapping[str, str], name: str, default: str = "") -> str:
    """``OTEL_EXPORTER_OTLP_TRACES_X`` wins over ``OTEL_EXPORTER_OTLP_X``."""
    specific = env.get(f"OTEL_EXPORTER_OTLP_TRACES_{name}", "").strip()
    return specific or env.get(f"OTEL_EXPORTER_OTLP_{name}", "").strip() or default


def exporters_from_env(env: Mapping[str, str], stderr: TextIO | None = None) -> list[SpanExporter]:
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "").split(",")]
    names = [n for n in names if n]
    if "none" in names:
        return []
    if not names and _env(env, "ENDPOINT"):
        names = ["otlp"]
    out: list[SpanExporter] = []
    for name in names:
        if name == "otlp":
            out.append(otlp_exporter(env))
        elif name == "console":
            out.append(ConsoleSpanExporter(out=stderr or sys.stderr))
        else:
            raise _env_error(
                "OTEL_TRACES_EXPORTER", f"unsupported exporter {name!r}: use otlp, console or none"
            )
    return out


def _env_error(variable: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue("environment", None, variable, message)])


def _timeout_seconds(env: Mapping[str, str]) -> float:
    text = _env(env, "TIMEOUT", "10000")
    try:
        milliseconds = float(text)  # the spec says milliseconds
    except ValueError:
        milliseconds = -1.0
    if not 0 < milliseconds < float("inf"):
        name = "OTEL_EXPORTER_OTLP_TIMEOUT"
        raise _env_error(name, f"{text!r} is not a timeout: use milliseconds, e.g. 10000")
    return milliseconds / 1000


def otlp_exporter(env: Mapping[str, str]) -> SpanExporter:
    protocol = _env(env, "PROTOCOL", "http/protobuf").lower()
    headers = dict(parse_env_headers(_env(env, "HEADERS"), liberal=True))
    timeout = _timeout_seconds(env)
    if protocol == "grpc":
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                OTLPSpanExporter as GrpcExporter,
            )
        except ImportError:
            raise _env_error(
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                "grpc needs the optional extra: pip install 'contract-monitor[otlp-grpc]'",
            ) from None
        endpoint = _env(env, "ENDPOINT", DEFAULT_OTLP_GRPC_ENDPOINT)
        return GrpcExporter(
            endpoint=endpoint,
            headers=headers,
            timeout=timeout,
            insecure=endpoint.startswith("http://"),
        )
    if protocol not in ("http/protobuf", "http"):
        raise _env_error(
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            f"unsupported protocol {protocol!r}: use http/protobuf or grpc",
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    specific = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if specific:
        endpoint = specific  # the signal-specific variable is used as given
    else:
        base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip() or DEFAULT_OTLP_HTTP_ENDPOINT
        endpoint = base.rstrip("/") + "/v1/traces"
    return OTLPSpanExporter(endpoint=endpoint, headers=headers, timeout=timeout)


def format_trace_id(trace_id: int) -> str:
    return f"{trace_id:032x}"


def format_span_id(span_id: int) -> str:
    return f"{span_id:016x}"


def traceparent_header(span: trace.Span) -> str | None:
    """The W3C ``traceparent`` value naming ``span`` as the parent of the gateway's spans."""
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent")
