"""The OpenTelemetry resource: the standard variables win over our defaults, an explicit config
key wins over the variables, and the environment is ``deployment.environment.name``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from monitor.telemetry.tracing import resource_attributes
from tests.conftest import chat_probe_config
from tests.incident import make_app, run_probe

ENV = {
    "OTEL_SERVICE_NAME": "llm-watch",
    "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=staging,team=sre%20eu",
}


def test_standard_variables_win_over_defaults() -> None:
    attributes = resource_attributes(ENV, None, None)
    assert attributes["service.name"] == "llm-watch"
    assert attributes["deployment.environment.name"] == "staging"
    assert attributes["team"] == "sre eu"
    assert "deployment.environment" not in attributes  # the deprecated name is not published


def test_explicit_config_keys_win_over_the_variables() -> None:
    attributes = resource_attributes(ENV, "monitor-eu", "prod-eu")
    assert attributes["service.name"] == "monitor-eu"
    assert attributes["deployment.environment.name"] == "prod-eu"


def test_service_name_in_resource_attributes_and_deprecated_environment_are_read() -> None:
    env = {"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs,deployment.environment=qa,bad"}
    attributes = resource_attributes(env, None, None)
    assert attributes["service.name"] == "from-attrs"
    assert attributes["deployment.environment.name"] == "qa"
    defaults = resource_attributes({}, None, None)
    assert defaults["service.name"] == "contract-monitor"
    assert defaults["deployment.environment.name"] == "production"


def _resource(tmp_path: Path, sim_url: str, sqlite_url: str, text: str) -> dict[str, object]:
    exporter = InMemorySpanExporter()
    app = make_app(tmp_path, sim_url, sqlite_url, exporter=exporter, env=ENV, config_text=text)

    async def go() -> None:
        try:
            await run_probe(app)
        finally:
            await app.aclose()

    asyncio.run(go())
    spans = exporter.get_finished_spans()
    assert spans
    return dict(spans[0].resource.attributes)


def test_a_config_that_leaves_the_keys_at_their_defaults_lets_the_variables_decide(
    tmp_path: Path, sim_url: str, sqlite_url: str
) -> None:
    text = chat_probe_config(sim_url, sqlite_url).replace("environment: test\n", "", 1)
    resource = _resource(tmp_path, sim_url, sqlite_url, text)
    assert resource["service.name"] == "llm-watch"
    assert resource["deployment.environment.name"] == "staging"


def test_a_config_that_sets_the_keys_wins(tmp_path: Path, sim_url: str, sqlite_url: str) -> None:
    text = chat_probe_config(sim_url, sqlite_url) + "telemetry: {service_name: mon-a}\n"
    resource = _resource(tmp_path, sim_url, sqlite_url, text)
    assert resource["service.name"] == "mon-a"
    assert resource["deployment.environment.name"] == "test"
