"""Alert sinks: one module per sink, one registry line per sink, built from config."""

from __future__ import annotations

import sys
from typing import TextIO

from monitor.alerts.base import AlertSink
from monitor.alerts.console import ConsoleSink
from monitor.config.schema import AlertsConfig


def build_sinks(config: AlertsConfig, *, stderr: TextIO | None = None) -> dict[str, AlertSink]:
    sinks: dict[str, AlertSink] = {}
    others = [config.slack, config.slack_webhook, config.pagerduty, config.webhook]
    if config.console is not None or not any(others):
        stream = stderr or sys.stderr
        if config.console is not None and config.console.stream == "stdout":
            stream = sys.stdout
        sinks["console"] = ConsoleSink(stream)
    return sinks


__all__ = ["AlertSink", "ConsoleSink", "build_sinks"]
