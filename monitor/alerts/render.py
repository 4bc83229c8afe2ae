"""What an alert says, built from outbox payloads: pure functions shared by every sink.

An opening alert answers "what broke and whose problem is it": probe, target, environment,
owner, the findings (kind, path, before → after, severity), category and verdict, first seen,
run count, request id, trace id (and link), runbook, and the commands that query the history.
Any transition reason renders: ``opened``, ``reminder``, ``resolved``, ``accepted`` (a
``baseline accept`` that explains the event) and reasons added later (shown upper-cased).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

HEADLINES = {
    "opened": "DRIFT OPEN",
    "reminder": "STILL OPEN",
    "resolved": "RESOLVED",
    "accepted": "ACCEPTED",  # resolved by `baseline accept`: the new shape explains it
}
KIND_HEADLINES = {
    "probe-failing": {"opened": "PROBE FAILING", "resolved": "PROBE RECOVERED"},
    "monitor-stale": {"opened": "MONITOR STALE", "resolved": "MONITOR CAUGHT UP"},
    "delivery-failing": {"opened": "ALERT DELIVERY FAILING", "resolved": "ALERT DELIVERY OK"},
}
CLOSING = frozenset({"resolved", "accepted"})


def reason_of(payload: dict[str, Any]) -> str:
    return str(payload.get("transition", {}).get("reason", ""))


def is_closing(payload: dict[str, Any]) -> bool:
    return reason_of(payload) in CLOSING or payload.get("transition", {}).get("to") == "resolved"


def headline_word(payload: dict[str, Any]) -> str:
    reason = reason_of(payload)
    kind = payload.get("event", {}).get("kind", "")
    word = KIND_HEADLINES.get(kind, {}).get(reason)
    return word or HEADLINES.get(reason, reason.upper() or "ALERT")


def headline(payload: dict[str, Any]) -> str:
    event = payload.get("event", {})
    return (
        f"[{headline_word(payload)}] {event.get('probe')} @ {event.get('target')}: "
        f"{event.get('message', '')}"
    )


def trace_url(payload: dict[str, Any]) -> str | None:
    template = payload.get("probe", {}).get("trace_link")
    trace_id = payload.get("run", {}).get("trace_id")
    if not template or not trace_id:
        return None
    return str(template).replace("{trace_id}", str(trace_id))


def history_command(payload: dict[str, Any]) -> str:
    probe = payload.get("event", {}).get("probe", "")
    return f"monitor history --probe {probe} --since 2h"


def show_command(payload: dict[str, Any]) -> str:
    return f"monitor events show {payload.get('event', {}).get('id', '')}"


def short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def finding_lines(payload: dict[str, Any]) -> list[str]:
    """The run's findings; the event's own change when the run carried none (resolutions)."""
    findings = payload.get("findings") or []
    if not findings:
        event = payload.get("event", {})
        findings = [event] if event.get("kind") else []
    return [_finding_line(f) for f in findings]


def _finding_line(f: dict[str, Any]) -> str:
    head = f"{f.get('severity')} {f.get('kind')}"
    if f.get("before") is None and f.get("after") is None:
        # the monitor's own events (stale probe, failing sink) say it in their message
        return f"{head}: {short(f.get('message'), 90)}" if f.get("message") else head
    return f"{head} {f.get('path') or '(body)'}: {short(f.get('before'))} → {short(f.get('after'))}"


def facts(payload: dict[str, Any]) -> list[tuple[str, str]]:
    event = payload.get("event", {})
    run = payload.get("run", {})
    probe = payload.get("probe", {})
    return [
        ("severity", str(event.get("severity"))),
        ("category / verdict", f"{event.get('category')} / {event.get('verdict')}"),
        ("environment", str(probe.get("environment") or "-")),
        ("owner", str(probe.get("owner") or "-")),
        ("first seen", str(event.get("first_seen") or "-")),
        ("seen in", f"{event.get('run_count')} run(s)"),
        ("request id", str(run.get("request_id") or "-")),
        ("trace id", str(run.get("trace_id") or "-")),
    ]


def state_line(payload: dict[str, Any]) -> str:
    event = payload.get("event", {})
    if is_closing(payload):
        how = "baseline accepted" if reason_of(payload) == "accepted" else "clean runs"
        resolved, opened = event.get("resolved_at") or "-", event.get("opened_at") or "-"
        return f"resolved at {resolved} ({how}); opened {opened}"
    return f"open since {event.get('opened_at') or event.get('first_seen') or '-'}"


def render_text(payload: dict[str, Any]) -> str:
    lines = [headline(payload)]
    lines.append("  " + " · ".join(f"{k}={v}" for k, v in facts(payload)[:4]))
    if not is_closing(payload):
        lines += [f"  - {line}" for line in finding_lines(payload)]
    lines.append("  " + " · ".join(f"{k} {v}" for k, v in facts(payload)[4:]))
    lines.append(f"  {state_line(payload)}")
    link = trace_url(payload)
    if link:
        lines.append(f"  trace: {link}")
    runbook = payload.get("probe", {}).get("runbook_url")
    if runbook:
        lines.append(f"  runbook: {runbook}")
    lines.append(f"  history: {history_command(payload)} · {show_command(payload)}")
    return "\n".join(lines)


def group_headline(payloads: Sequence[dict[str, Any]]) -> str:
    target = payloads[0].get("event", {}).get("target")
    probes = sorted({str(p.get("event", {}).get("probe")) for p in payloads})
    return (
        f"[{headline_word(payloads[0])}] {len(payloads)} events on target {target} "
        f"({len(probes)} probe(s)): likely a provider-side problem"
    )


def group_line(payload: dict[str, Any]) -> str:
    event = payload.get("event", {})
    owner = payload.get("probe", {}).get("owner") or "-"
    return (
        f"{event.get('probe')}: {event.get('severity')} {event.get('kind')} "
        f"{event.get('path') or '(body)'} — {short(event.get('message'), 90)} (owner {owner})"
    )


def render_group_text(payloads: Sequence[dict[str, Any]]) -> str:
    target = payloads[0].get("event", {}).get("target")
    lines = [group_headline(payloads)]
    lines += [f"  - {group_line(p)}" for p in payloads]
    lines.append(f"  history: monitor history --target {target} --since 2h")
    return "\n".join(lines)
