"""Alert delivery: the sink interface (``base``), one module per sink (console, Slack, Slack
webhook, PagerDuty, webhook) built here by ``build_sinks`` (one registry line per sink), the
pure parts (``render``, ``slack_blocks``, ``policy``, ``routing``), HTTP sending (``httpsend``),
pacing and the dispatcher that delivers the outbox (``dispatch``, ``checkpoints``).

``build_sinks`` reads the sinks' secrets (bot token, webhook URL, routing key, signing secret)
from the environment once; an unset one is a ``SecretError`` naming the variable, never a
half-configured sink. The console sink is on when configured or when no other sink is.

May import: core, config, storage, telemetry and the root's modules. Never runner, selfcheck,
views, report, api, app, service or cli.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from slack_sdk import WebClient

from monitor.alerts import slack, slack_webhook
from monitor.alerts.base import AlertSink, Delivery
from monitor.alerts.console import ConsoleSink
from monitor.alerts.httpsend import new_client
from monitor.alerts.pagerduty import PagerDutySink
from monitor.alerts.slack import SlackSink
from monitor.alerts.slack_webhook import SlackWebhookSink
from monitor.alerts.webhook import WebhookSink
from monitor.clock import Clock, SystemClock
from monitor.config.schema import AlertsConfig, RouteConfig, slack_channel_of
from monitor.errors import SecretError


def _secret(env: Mapping[str, str], variable: str, key: str) -> str:
    value = env.get(variable, "").strip()
    if not value:
        raise SecretError(f"{key}: environment variable {variable} is not set")
    return value


def build_sinks(
    config: AlertsConfig,
    *,
    env: Mapping[str, str] | None = None,
    stderr: TextIO | None = None,
    stdout: TextIO | None = None,
    clock: Clock | None = None,
    routes: Sequence[RouteConfig] = (),
) -> dict[str, AlertSink]:
    """The configured sinks. ``stdout`` is where ``alerts.console.stream: stdout`` writes (a
    command printing JSON for scripts passes its stderr so alerts never mix with its output).
    A route's ``slack:<channel>`` sink is ``alerts.slack``'s bot posting to that channel: a
    sink of its own (own threads, pacing, delivery health) sharing the bot's client."""
    environ = env or {}
    builders: dict[str, Callable[[], AlertSink]] = {}
    if config.slack is not None:
        cfg = config.slack
        clients: list[WebClient] = []

        def bot() -> WebClient:
            if not clients:
                token = _secret(environ, cfg.token_env, "alerts.slack.token_env")
                clients.append(slack.build_client(token, cfg.api_url))
            return clients[0]

        def slack_sink(name: str, channel: str) -> Callable[[], AlertSink]:
            return lambda: SlackSink(bot(), channel, name=name)

        builders["slack"] = slack_sink("slack", cfg.channel)
        for name in dict.fromkeys(s for r in routes for s in r.sinks if slack_channel_of(s)):
            builders[name] = slack_sink(name, slack_channel_of(name) or "")
    if config.slack_webhook is not None:
        variable = config.slack_webhook.url_env
        builders["slack_webhook"] = lambda: SlackWebhookSink(
            slack_webhook.build_client(_secret(environ, variable, "alerts.slack_webhook.url_env"))
        )
    if config.pagerduty is not None:
        pd = config.pagerduty
        builders["pagerduty"] = lambda: PagerDutySink(
            new_client(),
            _secret(environ, pd.routing_key_env, "alerts.pagerduty.routing_key_env"),
            pd.api_url,
        )
    if config.webhook is not None:
        hook = config.webhook
        builders["webhook"] = lambda: WebhookSink(
            new_client(),
            hook.url,
            _secret(environ, hook.secret_env, "alerts.webhook.secret_env")
            if hook.secret_env
            else None,
            clock or SystemClock(),
        )
    if config.console is not None or not builders:
        stream = stderr or sys.stderr
        if config.console is not None and config.console.stream == "stdout":
            stream = stdout or sys.stdout
        builders = {"console": lambda: ConsoleSink(stream), **builders}
    sinks: dict[str, AlertSink] = {}
    try:
        for name, build in builders.items():
            sinks[name] = build()
    except BaseException:
        close_sinks(sinks)
        raise
    return sinks


def close_sinks(sinks: Mapping[str, AlertSink]) -> None:
    for sink in sinks.values():
        sink.close()


__all__ = ["AlertSink", "ConsoleSink", "Delivery", "build_sinks", "close_sinks"]
