"""Slack Block Kit messages, built by pure functions from outbox payloads (sent by ``slack``).

Three shapes: the opening message (one event, or a grouped alert listing several), the thread
reply (reminder, resolution, acceptance) and the opening message updated to show the state.
Slack's limits are respected here: a header of 150 characters, sections of 3000, ten fields,
50 blocks. Text is escaped for mrkdwn (``&``, ``<``, ``>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.alerts import render

Block = dict[str, Any]
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
ICONS = {"open": "🔴", "resolved": "✅", "suspected": "🟡"}


def esc(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(text, HEADER_LIMIT)}}


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(mrkdwn, SECTION_LIMIT)}}


def _context(parts: Sequence[str]) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": _cut(p, SECTION_LIMIT)} for p in parts[:10]],
    }


def _icon(payload: dict[str, Any]) -> str:
    return ICONS["resolved"] if render.is_closing(payload) else ICONS["open"]


def _title(payload: dict[str, Any]) -> str:
    event = payload.get("event", {})
    where = f"{event.get('probe')} @ {event.get('target')}"
    return f"{_icon(payload)} {render.headline_word(payload)}: {where}"


def _fact_fields(payload: dict[str, Any]) -> Block:
    fields = []
    for label, value in render.facts(payload):
        if label == "trace id":
            link = render.trace_url(payload)
            value = f"<{link}|{esc(value)}>" if link else f"`{esc(value)}`"
        elif label == "request id":
            value = f"`{esc(value)}`"
        else:
            value = esc(value)
        fields.append({"type": "mrkdwn", "text": f"*{label.capitalize()}*\n{value}"})
    return {"type": "section", "fields": fields[:10]}


def _links(payload: dict[str, Any]) -> list[str]:
    parts = []
    runbook = payload.get("probe", {}).get("runbook_url")
    if runbook:
        parts.append(f"<{runbook}|Runbook>")
    parts.append(f"History: `{esc(render.history_command(payload))}`")
    parts.append(f"Details: `{esc(render.show_command(payload))}`")
    return parts


def opening(payload: dict[str, Any]) -> list[Block]:
    event = payload.get("event", {})
    findings = "\n".join(f"• `{esc(line)}`" for line in render.finding_lines(payload))
    blocks = [
        _header(_title(payload)),
        _section(esc(event.get("message", ""))),
        _fact_fields(payload),
    ]
    if findings:
        blocks.append(_section(f"*Findings*\n{findings}"))
    blocks.append(_context([f"State: {esc(render.state_line(payload))}"]))
    blocks.append(_context(_links(payload)))
    return blocks


def group_opening(payloads: Sequence[dict[str, Any]]) -> list[Block]:
    target = payloads[0].get("event", {}).get("target")
    lines = "\n".join(f"• {esc(render.group_line(p))}" for p in payloads)
    return [
        _header(f"{ICONS['open']} {len(payloads)} events on target {target}"),
        _section(esc(render.group_headline(payloads))),
        _section(lines),
        _context([f"History: `monitor history --target {esc(target)} --since 2h`"]),
    ]


def reply(payload: dict[str, Any]) -> list[Block]:
    event = payload.get("event", {})
    what = f"*{esc(render.headline_word(payload))}* {esc(event.get('probe'))}: "
    what += esc(render.state_line(payload))
    if not render.is_closing(payload):
        what += f" · seen in {esc(event.get('run_count'))} run(s)"
    parts = []
    link = render.trace_url(payload)
    trace_id = payload.get("run", {}).get("trace_id")
    if trace_id:
        parts.append(f"Trace: <{link}|{esc(trace_id)}>" if link else f"Trace: `{esc(trace_id)}`")
    parts.append(f"History: `{esc(render.history_command(payload))}`")
    return [_section(f"{_icon(payload)} {what}"), _context(parts)]


def updated_opening(payload: dict[str, Any], members: Sequence[dict[str, Any]]) -> list[Block]:
    """The opening message redrawn to show the state now (after a reply in its thread)."""
    if len(members) <= 1:
        # Keep the opening's evidence: the ids of the run that last saw the drift, not of the
        # clean run that resolved it.
        event = payload.get("event", {})
        run = dict(payload.get("run") or {})
        if event.get("last_trace_id"):
            run.update(trace_id=event["last_trace_id"], request_id=event.get("last_request_id"))
        return opening({**payload, "run": run, "findings": []})
    open_count = sum(1 for m in members if m.get("state") != "resolved")
    target = members[0].get("target")
    lines = "\n".join(
        f"{ICONS.get(str(m.get('state')), '•')} {esc(m.get('probe'))}: {esc(m.get('kind'))} "
        f"{esc(m.get('path') or '(body)')} — {esc(m.get('state'))}"
        for m in members
    )
    icon = ICONS["open"] if open_count else ICONS["resolved"]
    return [
        _header(f"{icon} {len(members)} events on target {target}: {open_count} still open"),
        _section(lines),
        _context([f"History: `monitor history --target {esc(target)} --since 2h`"]),
    ]


def updated_text(payload: dict[str, Any], members: Sequence[dict[str, Any]]) -> str:
    """The notification text of a redrawn opening message."""
    if len(members) <= 1:
        return render.headline(payload)
    open_count = sum(1 for m in members if m.get("state") != "resolved")
    return f"{len(members)} events on target {members[0].get('target')}: {open_count} still open"


def fallback_text(payloads: Sequence[dict[str, Any]]) -> str:
    """The notification text (and what screen readers say)."""
    if len(payloads) > 1:
        return render.group_headline(payloads)
    return render.headline(payloads[0])
