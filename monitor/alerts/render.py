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
from urllib.parse import quote

from monitor.core.alert_payload import AlertEvent, AlertFinding, AlertPayload
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


def reason_of(payload: AlertPayload) -> str:
    return payload.transition.reason


def is_closing(payload: AlertPayload) -> bool:
    return reason_of(payload) in CLOSING or payload.transition.to_state == "resolved"


def headline_word(payload: AlertPayload) -> str:
    reason = reason_of(payload)
    word = KIND_HEADLINES.get(payload.event.kind, {}).get(reason)
    return word or HEADLINES.get(reason, reason.upper() or "ALERT")


def headline(payload: AlertPayload) -> str:
    event = payload.event
    return f"[{headline_word(payload)}] {event.probe} @ {event.target}: {event.message}"


def trace_url(payload: AlertPayload) -> str | None:
    template = payload.probe.trace_link
    trace_id = payload.run.trace_id if payload.run else None
    if not template or not trace_id:
        return None
    return template.replace("{trace_id}", trace_id)


def history_command(payload: AlertPayload) -> str:
    return f"monitor history --probe {payload.event.probe} --since 2h"


def show_command(payload: AlertPayload) -> str:
    return f"monitor events show {payload.event.id}"


def short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# A change an alert lists: one of the run's findings, or the event itself (which says the same
# of its kind and path) when the run carried none.
Change = AlertFinding | AlertEvent


def finding_lines(payload: AlertPayload) -> list[str]:
    """The run's findings; the event's own change when the run carried none (resolutions)."""
    findings: tuple[Change, ...] = payload.findings
    if not findings:
        findings = (payload.event,) if payload.event.kind else ()
    return [_finding_line(f) for f in findings]


def _finding_line(f: Change) -> str:
    head = f"{f.severity} {f.kind}"
    if f.before is None and f.after is None:
        # the monitor's own events (stale probe, failing sink) say it in their message
        return f"{head}: {short(f.message, 90)}" if f.message else head
    return f"{head} {f.path or '(body)'}: {short(f.before)} → {short(f.after)}"


def facts(payload: AlertPayload) -> list[tuple[str, str]]:
    event, run, probe = payload.event, payload.run, payload.probe
    return [
        ("severity", event.severity),
        ("category / verdict", f"{event.category} / {event.verdict}"),
        ("environment", probe.environment or "-"),
        ("owner", probe.owner or "-"),
        ("first seen", event.first_seen or "-"),
        ("seen in", f"{event.run_count} run(s)"),
        ("request id", (run.request_id if run else None) or "-"),
        ("trace id", (run.trace_id if run else None) or "-"),
    ]


def page_urls(payload: AlertPayload) -> list[tuple[str, str]]:
    """The event's and the run's web pages, where ``ui.base_url`` says where the pages are."""
    base = payload.probe.ui_base_url
    if not base:
        return []
    out = [("event page", f"{base}/events/{quote(payload.event.id)}")]
    if payload.run is not None and payload.run.id:
        out.append(("run page", f"{base}/runs/{quote(payload.run.id)}"))
    return out


def links(payload: AlertPayload) -> list[tuple[str, str]]:
    """The web pages (``ui.base_url``), the trace (``alerts.trace_link``) and the runbook, when
    known."""
    out = page_urls(payload)
    trace = trace_url(payload)
    if trace:
        out.append(("trace", trace))
    if payload.probe.runbook_url:
        out.append(("runbook", payload.probe.runbook_url))
    return out


def state_line(payload: AlertPayload) -> str:
    event = payload.event
    if is_closing(payload):
        how = RESOLVED_HOW.get(reason_of(payload), "clean runs")
        resolved, opened = event.resolved_at or "-", event.opened_at or "-"
        return f"resolved at {resolved} ({how}); opened {opened}"
    return f"open since {event.opened_at or event.first_seen or '-'}"


def render_text(payload: AlertPayload) -> str:
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


def group_members(payloads: Sequence[AlertPayload]) -> list[AlertPayload]:
    """A grouped opening's members in the order shown: breaking first, then by probe — the same
    order in every sink, and the ones a long list cuts are the least severe."""

    def key(payload: AlertPayload) -> tuple[int, str, str]:
        event = payload.event
        rank = SEVERITY_ORDER.get(event.severity, len(SEVERITY_ORDER))
        return rank, event.probe, event.id

    return sorted(payloads, key=key)


def group_headline(payloads: Sequence[AlertPayload]) -> str:
    target = payloads[0].event.target
    probes = sorted({p.event.probe for p in payloads})
    if _one_run(payloads):  # one run of one probe opened them: one change seen several ways
        return (
            f"[{headline_word(payloads[0])}] {len(payloads)} events of probe {probes[0]} on "
            f"target {target}, opened by one run: likely one change"
        )
    return (
        f"[{headline_word(payloads[0])}] {len(payloads)} events on target {target} "
        f"({len(probes)} probe(s)): likely a provider-side problem"
    )


def group_facts(payloads: Sequence[AlertPayload]) -> list[tuple[str, str]]:
    """The line every member shares: environment (one config, so normally one) and target."""
    environments = sorted({p.probe.environment or "-" for p in payloads})
    return [("environment", ", ".join(environments)), ("target", payloads[0].event.target)]


def _one_run(payloads: Sequence[AlertPayload]) -> bool:
    """The members were opened by one run of one probe (the dispatcher groups those too)."""
    runs = {p.run.id if p.run is not None else None for p in payloads}
    return len({p.event.probe for p in payloads}) == 1 and len(runs) == 1 and None not in runs


def group_history_command(payloads: Sequence[AlertPayload]) -> str:
    if _one_run(payloads):
        return f"monitor history --probe {payloads[0].event.probe} --since 2h"
    return f"monitor history --target {payloads[0].event.target} --since 2h"


def lead_finding(payload: AlertPayload) -> Change:
    """The change the event is about: the run's finding of the event's kind and path, else the
    event's own (a failing probe's event is named after its health, not after a finding)."""
    event = payload.event
    key = (event.kind, event.path or "")
    for finding in payload.findings:
        if (finding.kind, finding.path or "") == key:
            return finding
    return event


def lead_line(payload: AlertPayload) -> str:
    """The lead finding as the single opening lists findings: severity kind path: before → after."""
    return _finding_line(lead_finding(payload))


def group_line(payload: AlertPayload) -> str:
    """A member's headline: probe, lead finding (before → after) and the event's message."""
    event = payload.event
    line = f"{event.probe}: {lead_line(payload)}"
    message = short(event.message, 90) if event.message else ""
    return f"{line} — {message}" if message and message not in line else line


def member_facts(payload: AlertPayload) -> list[tuple[str, str]]:
    """A member's facts: the single opening's, less the shared ones and the severity (which its
    headline shows)."""
    return [(k, v) for k, v in facts(payload) if k not in GROUP_SHARED and k != "severity"]


def render_group_text(payloads: Sequence[AlertPayload]) -> str:
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
