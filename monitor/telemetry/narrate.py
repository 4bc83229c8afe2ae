"""What ``monitor run`` says at the default level: one line per run that is not a pass, and
the passes summarised every few minutes ("12 runs in 5m: 11 pass, 1 drift"), so an operator
watching the service sees it working without a line per probe per minute.

Skipped runs are counted in the summary, not told one by one: a restart's gap is told once by
the reaper ("28 slots missed …"), and a budget's refusals would otherwise repeat every slot.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from monitor.clock import Clock
from monitor.core.judge import Judgement
from monitor.core.observation import Observation

ORDER = ("pass", "drift", "fail", "skipped")


def run_line(view: dict[str, Any]) -> str:
    """``chat-basic: drift (HTTP 200, response_parser_mismatch/deployment_drift): breaking
    enum-value-added choices[].finish_reason; run 0195…``"""
    status = f"HTTP {view['status_code']}" if view.get("status_code") else "no HTTP response"
    why = "/".join(x for x in (view.get("category"), view.get("verdict")) if x)
    ranked = sorted(
        view.get("findings") or [],
        key=lambda f: ("breaking", "warning", "info").index(f.get("severity", "info")),
    )
    lead = ""
    if ranked:
        f = ranked[0]
        more = f" (+{len(ranked) - 1} more)" if len(ranked) > 1 else ""
        lead = f": {f['severity']} {f['kind']} {f.get('path') or '(body)'}{more}"
    elif view.get("error"):
        lead = f": {view['error']}"
    return (
        f"{view['probe']}: {view.get('outcome')} ({status}{', ' + why if why else ''}){lead}; "
        f"run {view['run_id']}"
    )


def summary_line(counts: Counter[str], span: timedelta) -> str:
    total = sum(counts.values())
    parts = ", ".join(f"{counts[o]} {o}" for o in ORDER if counts[o])
    return f"{total} run{'s' if total != 1 else ''} in {_span(span)}: {parts}"


def _span(span: timedelta) -> str:
    seconds = span.total_seconds()
    return f"{round(seconds / 60)}m" if seconds >= 90 else f"{round(seconds)}s"


class RunNarrator:
    """An ``Observer`` for ``monitor run``. Time comes from ``clock``; a summary is due at the
    first run after ``every`` has passed since the last one (no timer of its own)."""

    def __init__(
        self, clock: Clock, every: timedelta, logger: logging.Logger | None = None
    ) -> None:
        self.clock = clock
        self.every = every
        self.log = logger or logging.getLogger("monitor.activity")
        self.counts: Counter[str] = Counter()
        self.since: datetime = clock.now()

    def run_completed(
        self, view: dict[str, Any], observation: Observation | None, judgement: Judgement | None
    ) -> None:
        outcome = str(view.get("outcome"))
        if outcome not in ("pass", "skipped"):
            self.log.warning("%s", run_line(view), extra={"probe": view["probe"]})
        self._count(outcome)

    def run_skipped(self, probe: str, target: str, reason: str) -> None:
        self._count("skipped")

    def slot_started(self, probe: str, slot: datetime, started: datetime) -> None:
        return None

    def delivery_attempted(self, sink: str, result: str, latency_ms: float | None) -> None:
        return None

    def _count(self, outcome: str) -> None:
        self.counts[outcome] += 1
        now = self.clock.now()
        if now - self.since >= self.every:
            self.log.info("%s", summary_line(self.counts, now - self.since))
            self.counts = Counter()
            self.since = now
