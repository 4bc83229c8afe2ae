"""Logging setup: readable text by default, one JSON object per line with ``--log-format json``
(``time``, ``level``, ``logger``, ``message`` and, when known, ``probe``, ``run_id``, ``trace_id``;
the trace id comes from the record or else from the current span).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, TextIO

from opentelemetry import trace

from monitor.config.timeparse import iso_z
from monitor.core.judge import Judgement
from monitor.core.model import DeliveryResult
from monitor.core.observation import Observation

_HANDLER_NAME = "monitor-cli"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": iso_z(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("probe", "run_id", "trace_id"):
            value = getattr(record, key, None)
            if value is not None:
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(stream: TextIO, level: str = "warning", fmt: str = "text") -> None:
    quiet_http_client_logs()  # before anything (a contract fetched by URL) makes a request
    root = logging.getLogger("monitor")
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(TraceContextFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False


def quiet_http_client_logs() -> None:
    """Keep httpx and httpcore from logging what may carry a credential, whatever level the root
    logger is given: httpcore's DEBUG trace prints raw response headers (a target may echo the
    key in one), and httpx logs each request's full URL at INFO (a gateway token in a probe's
    path, a webhook's token, a dead man's switch's UUID). ``monitor.runs`` logs each run
    without them."""
    for name, floor in (("httpcore", logging.INFO), ("httpx", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), floor))


class TraceContextFilter(logging.Filter):
    """Adds the current span's trace id to records that do not carry one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "trace_id", None) is None:
            context = trace.get_current_span().get_span_context()
            if context.is_valid:
                record.trace_id = f"{context.trace_id:032x}"
        return True


class RunLogObserver:
    """Logs one line per stored run (``--log-format json``: one object with the trace id)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.log = logger or logging.getLogger("monitor.runs")

    def run_completed(
        self, view: dict[str, Any], observation: Observation | None, judgement: Judgement | None
    ) -> None:
        # INFO: results are output and alerts already; ``--log-level info`` adds the log lines.
        self.log.info(
            "run %s: %s %s status=%s category=%s",
            view["run_id"],
            view["probe"],
            view.get("outcome"),
            view.get("status_code"),
            view.get("category") or "-",
            extra={"probe": view["probe"], "run_id": view["run_id"], "trace_id": view["trace_id"]},
        )

    def run_skipped(self, probe: str, target: str, reason: str) -> None:
        self.log.info("run skipped: %s (%s)", probe, reason, extra={"probe": probe})

    def slot_started(self, probe: str, slot: datetime, started: datetime) -> None:
        return None

    def delivery_attempted(
        self, sink: str, result: DeliveryResult, latency_ms: float | None
    ) -> None:
        if result != DeliveryResult.DELIVERED:
            self.log.warning("alert delivery to %s: %s", sink, result)
