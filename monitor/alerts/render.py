"""What an alert says, built from outbox payloads: pure functions shared by every sink.

An opening alert answers "what broke and whose problem is it": probe, target, environment,
owner, the findings (kind, path, before → after, severity), category and verdict, first seen,
run count, request id, trace id (and link), runbook, and the commands that query the history.
A grouped opening (several probes of one target: an outage) says the same of every member — its
lead finding, category / verdict, first seen, run count, request id, trace, runbook — under one
line with what the members share (environment, target).
Any transition reason renders: ``opened``, ``reminder``, ``resolved``, ``accepted`` (a
``baseline accept`` that explains the event), ``removed`` (a stale probe taken out of the
configuration) and reasons added later (shown upper-cased).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.core.events import RESOLVING_REASONS

HEADLINES = {
    "opened": "DRIFT OPEN",
    "reminder": "STILL OPEN",
    "resolved": "RESOLVED",
    "accepted": "ACCEPTED",  # resolved by `baseline accept`: the new shape explains it
    "removed": "PROBE REMOVED",  # resolved because the probe left the configuration
}
KIND_HEADLINES = {
    "probe-failing": {"opened": "PROBE FAILING", "resolved": "PROBE RECOVERED"},
    "monitor-stale": {"opened": "MONITOR STALE", "resolved": "MONITOR CAUGHT UP"},
    "delivery-failing": {"opened": "ALERT DELIVERY FAILING", "resolved": "ALERT DELIVERY OK"},
}
CLOSING = RESOLVING_REASONS


RESOLVED_HOW = {
    "accepted": "baseline accepted",
    "removed": "the probe is no longer in the configuration",
}


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


def links(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The trace (where ``alerts.trace_link`` is configured) and the runbook, when known."""
    out = []
    trace = trace_url(payload)
    if trace:
        out.append(("trace", trace))
    runbook = payload.get("probe", {}).get("runbook_url")
    if runbook:
        out.append(("runbook", str(runbook)))
    return out


def state_line(payload: dict[str, Any]) -> str:
    event = payload.get("event", {})
    if is_closing(payload):
        how = RESOLVED_HOW.get(reason_of(payload), "clean runs")
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
    lines += [f"  {label}: {url}" for label, url in links(payload)]
    lines.append(f"  history: {history_command(payload)} · {show_command(payload)}")
    return "\n".join(lines)


# What the members of a grouped opening share: shown once, not per member.
GROUP_SHARED = frozenset({"environment"})
SEVERITY_ORDER = {"breaking": 0, "warning": 1, "info": 2}


def group_members(payloads: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A grouped opening's members in the order shown: breaking first, then by probe — the same
    order in every sink, and the ones a long list cuts are the least severe."""

    def key(payload: dict[str, Any]) -> tuple[int, str, str]:
        event = payload.get("event", {})
        rank = SEVERITY_ORDER.get(str(event.get("severity")), len(SEVERITY_ORDER))
        return rank, str(event.get("probe")), str(event.get("id"))

    return sorted(payloads, key=key)


def group_headline(payloads: Sequence[dict[str, Any]]) -> str:
    target = payloads[0].get("event", {}).get("target")
    probes = sorted({str(p.get("event", {}).get("probe")) for p in payloads})
    if len(probes) == 1:  # one run of one probe opened them: one change seen several ways
        return (
            f"[{headline_word(payloads[0])}] {len(payloads)} events of probe {probes[0]} on "
            f"target {target}, opened by one run: likely one change"
        )
    return (
        f"[{headline_word(payloads[0])}] {len(payloads)} events on target {target} "
        f"({len(probes)} probe(s)): likely a provider-side problem"
    )


def group_facts(payloads: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """The line every member shares: environment (one config, so normally one) and target."""
    environments = sorted({str(p.get("probe", {}).get("environment") or "-") for p in payloads})
    target = payloads[0].get("event", {}).get("target")
    return [("environment", ", ".join(environments)), ("target", str(target))]


def group_history_command(payloads: Sequence[dict[str, Any]]) -> str:
    probes = sorted({str(p.get("event", {}).get("probe")) for p in payloads})
    if len(probes) == 1:
        return f"monitor history --probe {probes[0]} --since 2h"
    return f"monitor history --target {payloads[0].get('event', {}).get('target')} --since 2h"


def lead_finding(payload: dict[str, Any]) -> dict[str, Any]:
    """The change the event is about: the run's finding of the event's kind and path, else the
    event's own (a failing probe's event is named after its health, not after a finding)."""
    event = payload.get("event", {})
    key = (event.get("kind"), event.get("path") or "")
    for finding in payload.get("findings") or []:
        if (finding.get("kind"), finding.get("path") or "") == key:
            return dict(finding)
    return dict(event)


def lead_line(payload: dict[str, Any]) -> str:
    """The lead finding as the single opening lists findings: severity kind path: before → after."""
    return _finding_line(lead_finding(payload))


def group_line(payload: dict[str, Any]) -> str:
    """A member's headline: probe, lead finding (before → after) and the event's message."""
    event = payload.get("event", {})
    line = f"{event.get('probe')}: {lead_line(payload)}"
    message = short(event.get("message"), 90) if event.get("message") else ""
    return f"{line} — {message}" if message and message not in line else line


def member_facts(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """A member's facts: the single opening's, less the shared ones and the severity (which its
    headline shows)."""
    return [(k, v) for k, v in facts(payload) if k not in GROUP_SHARED and k != "severity"]


def render_group_text(payloads: Sequence[dict[str, Any]]) -> str:
    lines = [group_headline(payloads)]
    lines.append("  " + " · ".join(f"{k}={v}" for k, v in group_facts(payloads)))
    for payload in group_members(payloads):
        lines.append(f"  - {group_line(payload)}")
        lines.append("      " + " · ".join(f"{k} {v}" for k, v in member_facts(payload)))
        member_links = links(payload)
        if member_links:
            lines.append("      " + " · ".join(f"{k}: {v}" for k, v in member_links))
    lines.append(f"  history: {group_history_command(payloads)}")
    return "\n".join(lines)
