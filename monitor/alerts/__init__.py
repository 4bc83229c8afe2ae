"""Alert sinks: one module per sink, one registry line per sink, built from config.

``build_sinks`` reads the sinks' secrets (bot token, webhook URL, routing key, signing secret)
from the environment once; an unset one is a ``SecretError`` naming the variable, never a
half-configured sink. The console sink is on when configured or when no other sink is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TextIO

from monitor.alerts import slack, slack_webhook
from monitor.alerts.base import AlertSink, Delivery
from monitor.alerts.console import ConsoleSink
from monitor.alerts.httpsend import new_client
from monitor.alerts.pagerduty import PagerDutySink
from monitor.alerts.slack import SlackSink
from monitor.alerts.slack_webhook import SlackWebhookSink
from monitor.alerts.webhook import WebhookSink
from monitor.clock import Clock, SystemClock
from monitor.config.schema import AlertsConfig
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
) -> dict[str, AlertSink]:
    """The configured sinks. ``stdout`` is where ``alerts.console.stream: stdout`` writes (a
    command printing JSON for scripts passes its stderr so alerts never mix with its output)."""
    environ = env or {}
    builders: dict[str, Callable[[], AlertSink]] = {}
    if config.slack is not None:
        cfg = config.slack
        builders["slack"] = lambda: SlackSink(
            slack.build_client(
                _secret(environ, cfg.token_env, "alerts.slack.token_env"), cfg.api_url
            ),
            cfg.channel,
        )
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
