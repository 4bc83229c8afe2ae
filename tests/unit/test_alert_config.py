"""Config for alerting: the shipped route table is valid, and every kind of rejection for the
alert keys is located (file, line, key path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.errors import ConfigError
from tests.unit.test_config_errors import GOOD

ROOT = Path(__file__).resolve().parents[2]


def _errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "config.yaml", {"COMETAPI_API_KEY": "k"})
    return [str(issue) for issue in caught.value.issues]


def test_the_shipped_route_table_follows_the_seeds_owners_and_is_valid() -> None:
    text = (ROOT / "config" / "routes.example.yaml").read_text()
    loaded = parse_config(text, "routes.example.yaml", {})
    owners = {tuple(r.match.category or ()): r.owner for r in loaded.config.routes}
    assert owners[("endpoint_mismatch", "auth_mismatch")].startswith("platform")
    assert owners[("request_schema_mismatch", "response_parser_mismatch")] == "application team"
    assert owners[("timeout_retry_mismatch",)] == "platform/SRE"
    assert owners[("usage_billing_assumption",)] == "FinOps/platform"
    assert owners[("unknown_external_behavior",)] == "incident commander"
    # Unset secrets are warnings for `config check`, one per sink secret.
    assert sorted(w.key_path for w in loaded.warnings) == [
        "alerts.pagerduty.routing_key_env",
        "alerts.slack.token_env",
        "alerts.slack_webhook.url_env",
        "alerts.webhook.secret_env",
        "targets.cometapi.api_key_env",
    ]


def test_a_maintenance_window_needs_iso_times_in_order_and_known_names() -> None:
    text = GOOD + (
        "maintenance:\n"
        "  - {start: 'tomorrow', end: '2026-06-01T23:00:00Z'}\n"
        "  - start: '2026-06-01T23:00:00Z'\n"
        "    end: '2026-06-01T22:00:00Z'\n"
        "    probes: [chat-basics]\n"
    )
    assert _errors(text) == [
        "config.yaml:14: maintenance[0].start: invalid time 'tomorrow': "
        "use ISO 8601, e.g. 2026-05-08T14:00:00Z",
        "config.yaml:16: maintenance[1].end: must be after start",
        "config.yaml:17: maintenance[1].probes[0]: unknown probe 'chat-basics'",
    ]


def test_a_trace_link_without_the_trace_id_placeholder_is_rejected() -> None:
    text = GOOD + "alerts:\n  trace_link: https://grafana.example/explore\n"
    assert _errors(text) == [
        "config.yaml:14: alerts.trace_link: must contain {trace_id}, e.g. https://…/trace/{trace_id}"
    ]


def test_a_route_to_a_sink_that_is_not_configured_is_rejected() -> None:
    text = GOOD + "routes:\n  - {match: {severity: [breaking]}, sinks: [pagerduty]}\n"
    assert _errors(text) == [
        "config.yaml:14: routes[0].sinks[0]: sink 'pagerduty' is not configured under alerts"
    ]
