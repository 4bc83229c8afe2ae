"""Sink credentials stay out of the logs even at ``--log-level debug``: the Slack bot token,
the incoming-webhook URL (the URL is the credential), the PagerDuty key, the webhook secret."""

from __future__ import annotations

import asyncio
import io

from monitor.simulator import Simulator
from monitor.telemetry.logs import configure_logging
from tests.alerts.conftest import (
    ROUTING_KEY,
    SECRET,
    TOKEN,
    Harness,
    alerts_config,
    probes_config,
    sink_env,
)
from tests.fakes.clock import FakeClock
from tests.fakes.pagerduty import PagerDuty
from tests.fakes.slack_api import SlackApi
from tests.fakes.slack_webhook import HOOK_PATH, SlackWebhook
from tests.fakes.webhook_receiver import WebhookReceiver


def test_no_sink_credential_reaches_debug_logs(
    sim: Simulator,
    sim_url: str,
    db: str,
    slack: SlackApi,
    slack_hook: SlackWebhook,
    pagerduty: PagerDuty,
    webhook: WebhookReceiver,
    clock: FakeClock,
) -> None:
    logs = io.StringIO()
    configure_logging(logs, "debug")

    async def scenario() -> None:
        text = probes_config(
            sim_url, db, ["p"], events="{open_after: 1, window: 1, resolve_after: 1}"
        ) + alerts_config(slack=slack, slack_hook=slack_hook, pagerduty=pagerduty, webhook=webhook)
        h = Harness(text, sink_env(slack_hook), clock)
        try:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run()
            await h.deliver()
        finally:
            await h.close()

    try:
        asyncio.run(scenario())
    finally:
        configure_logging(io.StringIO(), "warning")
    assert slack.top_level()
    assert slack_hook.posts()
    text = logs.getvalue()
    assert "INFO monitor.runs" in text  # logging was captured at debug level
    for secret in (TOKEN, HOOK_PATH.rsplit("/", 1)[1], ROUTING_KEY, SECRET):
        assert secret not in text, secret
