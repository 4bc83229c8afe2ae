"""Slack Block Kit messages, built by pure functions from outbox payloads (sent by ``slack``).

Three shapes: the opening message (one event, or a grouped alert listing several), the thread
reply (reminder, resolution, acceptance) and the opening message updated to show the state.
Slack's limits are respected here: a header of 150 characters, sections of 3000, ten fields,
50 blocks, and (for a grouped opening, the one message that grows with the event count) about
8,000 characters of text in all. Text is escaped for mrkdwn (``&``, ``<``, ``>``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from monitor.alerts import render
from monitor.core.alert_payload import AlertPayload, AlertRun

Block = dict[str, Any]
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BLOCK_LIMIT = 50
# Slack also refuses a message whose blocks hold about 12,000 characters of text in all
# (``msg_blocks_too_long``, a permanent error; the exact total is undocumented): a grouped
# opening stays well under it.
TEXT_BUDGET = 8000
MORE_LIMIT = 1000  # the "and N more" line
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


def _icon(payload: AlertPayload) -> str:
    return ICONS["resolved"] if render.is_closing(payload) else ICONS["open"]


def _title(payload: AlertPayload) -> str:
    where = f"{payload.event.probe} @ {payload.event.target}"
    return f"{_icon(payload)} {render.headline_word(payload)}: {where}"


def _fact_value(payload: AlertPayload, label: str, value: str) -> str:
    """One fact as mrkdwn: ids as code, the trace id linked where ``alerts.trace_link`` is set."""
    if label == "trace id":
        link = render.trace_url(payload)
        return f"<{link}|{esc(value)}>" if link else f"`{esc(value)}`"
    if label == "request id":
        return f"`{esc(value)}`"
    return esc(value)


def _fact_fields(payload: AlertPayload) -> Block:
    fields = [
        {"type": "mrkdwn", "text": f"*{label.capitalize()}*\n{_fact_value(payload, label, value)}"}
        for label, value in render.facts(payload)
    ]
    return {"type": "section", "fields": fields[:10]}


def _runbook(payload: AlertPayload) -> list[str]:
    runbook = payload.probe.runbook_url
    return [f"<{runbook}|Runbook>"] if runbook else []


def _links(payload: AlertPayload) -> list[str]:
    parts = [f"<{url}|{name.capitalize()}>" for name, url in render.page_urls(payload)]
    parts += _runbook(payload)
    parts.append(f"History: `{esc(render.history_command(payload))}`")
    parts.append(f"Details: `{esc(render.show_command(payload))}`")
    return parts


def opening(payload: AlertPayload) -> list[Block]:
    findings = "\n".join(f"• `{esc(line)}`" for line in render.finding_lines(payload))
    blocks = [
        _header(_title(payload)),
        _section(esc(payload.event.message)),
        _fact_fields(payload),
    ]
    if findings:
        blocks.append(_section(f"*Findings*\n{findings}"))
    blocks.append(_context([f"State: {esc(render.state_line(payload))}"]))
    blocks.append(_context(_links(payload)))
    return blocks


def _member_section(payload: AlertPayload, state: str | None = None) -> Block:
    """One member of a grouped opening: its headline, its facts, its runbook — one block.
    With ``state`` (a redraw), the member's state now leads its line."""
    facts = " · ".join(
        f"*{label.capitalize()}* {_fact_value(payload, label, value)}"
        for label, value in render.member_facts(payload)
    )
    lead = f"{ICONS.get(state, '•')} *{esc(state)}* " if state else "• "
    lines = [f"{lead}{esc(render.group_line(payload))}", facts, *_runbook(payload)]
    return _section("\n".join(lines))


def group_opening(
    payloads: Sequence[AlertPayload], states: Mapping[str, str] | None = None
) -> list[Block]:
    """One block per member between a fixed head and tail, while the blocks and the text budget
    last; the members past that are named in one "and N more" line (the history command shows
    them all). ``states`` (event id -> state) redraws it after a reply in its thread."""
    target = payloads[0].event.target
    title = f"{ICONS['open']} {len(payloads)} events on target {target}"
    if states is not None:
        still = sum(1 for state in states.values() if state != "resolved")
        title = f"{ICONS['open' if still else 'resolved']} {len(payloads)} events on target "
        title += f"{target}: {still} still open"
    head = [
        _header(title),
        _section(esc(render.group_headline(payloads))),
        _context([f"*{k.capitalize()}* {esc(v)}" for k, v in render.group_facts(payloads)]),
    ]
    tail = [_context([f"History: `{esc(render.group_history_command(payloads))}`"])]
    room = BLOCK_LIMIT - len(head) - len(tail) - 1  # one left for "and N more"
    budget = TEXT_BUDGET - text_size(head + tail) - MORE_LIMIT
    ordered = render.group_members(payloads)
    members: list[Block] = []
    for payload in ordered[:room]:
        state = states.get(payload.event.id) if states else None
        section = _member_section(payload, state)
        budget -= text_size(section)
        if budget < 0:
            break
        members.append(section)
    rest = ordered[len(members) :]
    if rest:
        names = ", ".join(p.event.probe for p in rest)
        members.append(_context([_cut(esc(f"…and {len(rest)} more: {names}"), MORE_LIMIT)]))
    return head + members + tail


def text_size(node: Any) -> int:
    """The characters of every text in ``node`` (blocks), as Slack counts them against its
    per-message total."""
    if isinstance(node, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else text_size(v) for k, v in node.items()
        )
    if isinstance(node, list):
        return sum(text_size(v) for v in node)
    return 0


def reply(payload: AlertPayload, members: Sequence[dict[str, Any]] = ()) -> list[Block]:
    """A reminder or resolution in the opening's thread. ``members``: the events of a grouped
    opening: a resolution reply says how many are still open (normally none: a member's
    recovery while others are open only redraws the opening)."""
    event = payload.event
    what = f"*{esc(render.headline_word(payload))}* {esc(event.probe)}: "
    what += esc(render.state_line(payload))
    if not render.is_closing(payload):
        what += f" · seen in {esc(event.run_count)} run(s)"
    elif len(members) > 1:
        still = sum(1 for m in members if m.get("state") != "resolved")
        target = esc(members[0].get("target"))
        summary = (
            f"{still} of {len(members)} events on target {target} still open"
            if still
            else f"All {len(members)} events on target {target} are resolved"
        )
        what = f"{summary} (the message above shows each). {what}"
    parts = []
    link = render.trace_url(payload)
    trace_id = payload.run.trace_id if payload.run else None
    if trace_id:
        parts.append(f"Trace: <{link}|{esc(trace_id)}>" if link else f"Trace: `{esc(trace_id)}`")
    parts.append(f"History: `{esc(render.history_command(payload))}`")
    return [_section(f"{_icon(payload)} {what}"), _context(parts)]


def updated_opening(payload: AlertPayload, members: Sequence[dict[str, Any]]) -> list[Block]:
    """The opening message redrawn to show the state now (after a reply in its thread)."""
    if len(members) <= 1:
        # Keep the opening's evidence: the ids of the run that last saw the drift, not of the
        # clean run that resolved it.
        event, run = payload.event, payload.run
        if event.last_trace_id:
            run = replace(
                run or AlertRun(id=None),
                trace_id=event.last_trace_id,
                request_id=event.last_request_id,
            )
        return opening(replace(payload, run=run, findings=()))
    # the members' opening payloads as the thread root showed them (outbox column JSON)
    openings = [AlertPayload.from_json(m["opening"]) for m in members if m.get("opening")]
    if len(openings) == len(members):
        return group_opening(openings, {str(m["id"]): str(m.get("state")) for m in members})
    # A member whose opening row is gone (pruned): the states alone.
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


def updated_text(payload: AlertPayload, members: Sequence[dict[str, Any]]) -> str:
    """The notification text of a redrawn opening message."""
    if len(members) <= 1:
        return render.headline(payload)
    open_count = sum(1 for m in members if m.get("state") != "resolved")
    return f"{len(members)} events on target {members[0].get('target')}: {open_count} still open"


def fallback_text(payloads: Sequence[AlertPayload]) -> str:
    """The notification text (and what screen readers say)."""
    if len(payloads) > 1:
        return render.group_headline(payloads)
    return render.headline(payloads[0])
