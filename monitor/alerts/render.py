"""Alert text built from an outbox payload: pure functions, one per presentation."""

from __future__ import annotations

from typing import Any

HEADLINES = {
    "opened": "DRIFT OPEN",
    "reminder": "STILL OPEN",
    "resolved": "RESOLVED",
}


def headline(payload: dict[str, Any]) -> str:
    event = payload.get("event", {})
    reason = payload.get("transition", {}).get("reason", "")
    word = HEADLINES.get(reason, reason.upper())
    if event.get("kind") == "probe-failing":
        word = {"opened": "PROBE FAILING", "resolved": "PROBE RECOVERED"}.get(reason, word)
    what = event.get("message", "")
    return f"[{word}] {event.get('probe')} @ {event.get('target')}: {what}"


def history_command(payload: dict[str, Any]) -> str:
    probe = payload.get("event", {}).get("probe", "")
    return f"monitor history --probe {probe} --since 2h"


def render_text(payload: dict[str, Any]) -> str:
    event = payload.get("event", {})
    run = payload.get("run", {})
    probe = payload.get("probe", {})
    lines = [headline(payload)]
    lines.append(
        f"  severity={event.get('severity')} category={event.get('category')} "
        f"verdict={event.get('verdict')} environment={probe.get('environment', '-')} "
        f"owner={probe.get('owner') or '-'}"
    )
    reason = payload.get("transition", {}).get("reason")
    findings = payload.get("findings") or []
    if reason != "resolved":
        for finding in findings:
            lines.append(
                f"  - {finding['severity']:<8} {finding['kind']} {finding['path'] or '(body)'}: "
                f"{_short(finding.get('before'))} -> {_short(finding.get('after'))}"
            )
    lines.append(
        f"  first seen {event.get('first_seen')} · seen in {event.get('run_count')} run(s) · "
        f"run {run.get('id')} · request id {run.get('request_id') or '-'} · "
        f"trace {run.get('trace_id') or '-'}"
    )
    if probe.get("runbook_url"):
        lines.append(f"  runbook: {probe['runbook_url']}")
    lines.append(f"  history: {history_command(payload)}")
    return "\n".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
