"""Spans leave the process by the standard ``OTEL_*`` variables: OTLP/HTTP to a real local
receiver, nothing when unset, gRPC only when asked."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

from monitor.errors import ConfigError
from monitor.runner.result import RunResult
from monitor.telemetry.tracing import exporters_from_env
from tests.conftest import SIM_KEY, chat_probe_config, write_config
from tests.fakes.otlp_receiver import Receiver
from tests.incident import make_app, run_probe


def test_spans_are_exported_over_otlp_http_to_the_configured_endpoint(
    tmp_path: Path, sim_url: str, sqlite_url: str, receiver: Receiver
) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=incident-42",
    }
    app = make_app(tmp_path, sim_url, sqlite_url, env=env)

    async def go() -> RunResult:
        try:
            return await run_probe(app)
        finally:
            await app.aclose()  # shutting the provider down flushes the batch

    row = asyncio.run(go())
    assert {path for path, _, _ in receiver.requests} == {"/v1/traces"}
    assert all(h.get("x-tenant") == "incident-42" for _, h, _ in receiver.requests)
    spans = receiver.spans()
    names = sorted(span.name for _, span in spans)
    assert names == ["POST", "chat gpt-4o-mini", "compare chat-basic"]
    resource, run_span = next((r, s) for r, s in spans if s.name == "chat gpt-4o-mini")
    assert run_span.trace_id.hex() == row.trace_id
    assert resource["service.name"] == "contract-monitor"
    assert resource["deployment.environment.name"] == "test"
    attributes = {a.key: a.value for a in run_span.attributes}
    assert attributes["gen_ai.request.model"].string_value == "gpt-4o-mini"
    assert all(SIM_KEY.encode() not in body for _, _, body in receiver.requests)


def test_nothing_is_exported_when_no_otel_variable_is_set() -> None:
    assert exporters_from_env({}) == []
    assert (
        exporters_from_env({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "x"})
        == []
    )


def test_otlp_defaults_to_http_and_grpc_is_chosen_by_protocol() -> None:
    (http,) = exporters_from_env({"OTEL_TRACES_EXPORTER": "otlp"})
    assert isinstance(http, HttpExporter)
    (grpc,) = exporters_from_env(
        {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    )
    assert isinstance(grpc, GrpcExporter)
    for exporter in (http, grpc):
        exporter.shutdown()


def test_an_unknown_exporter_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigError, match="unsupported exporter 'jaeger'"):
        exporters_from_env({"OTEL_TRACES_EXPORTER": "jaeger"})
    with pytest.raises(ConfigError, match="unsupported protocol 'http/json'"):
        exporters_from_env(
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}
        )


@pytest.mark.parametrize("timeout", ["abc", "-5", "0", "inf"])
def test_a_bad_otlp_timeout_is_a_clear_configuration_error(timeout: str) -> None:
    env = {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TIMEOUT": timeout}
    with pytest.raises(ConfigError, match=r"OTEL_EXPORTER_OTLP_TIMEOUT.*use milliseconds"):
        exporters_from_env(env)


def test_console_spans_go_to_stderr_so_json_output_stays_parseable(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url))
    env = {"SIM_API_KEY": SIM_KEY, "OTEL_TRACES_EXPORTER": "console"}
    result = cli("check", "--config", str(config), "--json", env=env)
    assert result.code == 0, result.err
    (line,) = result.out.splitlines()
    assert json.loads(line)["outcome"] == "pass"
    assert '"trace_id"' in result.err  # the spans, as the console exporter writes them
    otlp = {**env, "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TIMEOUT": "x"}
    bad = cli("check", "--config", str(config), env=otlp)
    assert bad.code == 2
    assert "OTEL_EXPORTER_OTLP_TIMEOUT" in bad.err
    assert "Traceback" not in bad.err
