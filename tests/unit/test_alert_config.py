"""Config for alerting: the shipped route table is valid, and every kind of rejection for the
alert keys is located (file, line, key path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli.alert_cmd import configured_sinks
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
        "config.yaml:17: maintenance[1].probes[0]: unknown probe 'chat-basics' "
        "(probes: chat-basic)",
    ]


def test_a_maintenance_window_is_one_off_or_recurring_never_both_nor_half() -> None:
    text = GOOD + (
        "maintenance:\n"
        "  - {cron: '0 22 * * SUN', duration: 90m, reason: vendor window}\n"
        "  - {start: '2026-06-01T22:00:00Z', end: '2026-06-01T23:00:00Z', cron: '0 1 * * *'}\n"
        "  - {cron: '0 22 * * SUN'}\n"
        "  - {duration: 1h}\n"
        "  - {cron: '61 22 * * *', duration: 1h}\n"
        "  - {reason: nothing else}\n"
        "  - {start: '2026-06-01T22:00:00Z'}\n"
    )
    errors = _errors(text)
    assert errors[0] == (
        "config.yaml:15: maintenance[1]: set start and end (one window) or cron and duration "
        "(recurring), not both"
    )
    assert errors[1] == (
        "config.yaml:16: maintenance[2].cron: a recurring window needs duration too, e.g. 90m"
    )
    assert errors[2] == (
        "config.yaml:17: maintenance[3].duration: a recurring window needs cron too, "
        "e.g. '0 22 * * SUN'"
    )
    assert errors[3].startswith("config.yaml:18: maintenance[4].cron: invalid cron expression")
    assert errors[4:] == [
        "config.yaml:19: maintenance[5]: start is required (or cron and duration)",
        "config.yaml:19: maintenance[5]: end is required (or cron and duration)",
        "config.yaml:20: maintenance[6].end: end is required (or cron and duration)",
    ]


def test_a_trace_link_without_the_trace_id_placeholder_is_rejected() -> None:
    text = GOOD + "alerts:\n  trace_link: https://grafana.example/explore\n"
    assert _errors(text) == [
        "config.yaml:14: alerts.trace_link: must contain {trace_id}, e.g. https://…/trace/{trace_id}"
    ]


def test_a_route_to_a_sink_that_is_not_configured_is_rejected() -> None:
    text = GOOD + "routes:\n  - {match: {severity: [breaking]}, sinks: [pagerduty]}\n"
    assert _errors(text) == [
        "config.yaml:14: routes[0].sinks[0]: sink 'pagerduty' is not configured under alerts "
        "(configured: console; 'slack:#channel' posts to another channel with alerts.slack's bot)"
    ]


def test_a_route_to_another_slack_channel_needs_the_slack_sink_and_a_channel() -> None:
    text = GOOD + (
        "routes:\n  - {match: {category: [usage_billing_assumption]}, sinks: ['slack:#finops']}\n"
    )
    assert _errors(text) == [
        "config.yaml:14: routes[0].sinks[0]: sink 'slack:#finops' posts with alerts.slack's bot, "
        "but alerts.slack is not configured"
    ]
    slack = "alerts:\n  slack: {token_env: SLACK_BOT_TOKEN, channel: '#alerts'}\n"
    assert _errors(GOOD + slack + "routes:\n  - {sinks: ['slack:#']}\n") == [
        "config.yaml:16: routes[0].sinks[0]: name a channel after 'slack:'"
    ]
    long_name = "slack:#" + "x" * 40
    (error,) = _errors(GOOD + slack + f"routes:\n  - {{sinks: ['{long_name}']}}\n")
    assert "routes[0].sinks[0]" in error
    assert "at most 40 characters" in error
    ok = GOOD + slack + "routes:\n  - {sinks: [slack, 'slack:#finops']}\n"
    loaded = parse_config(ok, "config.yaml", {"COMETAPI_API_KEY": "k"})
    assert loaded.config.routes[0].sinks == ["slack", "slack:#finops"]


def test_alert_status_counts_a_routes_slack_channel_as_a_configured_sink() -> None:
    text = (ROOT / "config" / "routes.example.yaml").read_text()
    config = parse_config(text, "routes.example.yaml", {}).config
    assert configured_sinks(config) == [
        "slack",
        "slack_webhook",
        "pagerduty",
        "webhook",
        "slack:#finops",
    ]
