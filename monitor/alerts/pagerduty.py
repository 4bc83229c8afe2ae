"""PagerDuty sink: Events API v2. ``trigger`` while an event is open, ``resolve`` when it closes,
with ``dedup_key`` = the event fingerprint, so a re-sent trigger (a reminder, a restart) lands
on the same PagerDuty alert instead of paging again.

Only ``breaking`` events page (``alerts.policy``). A grouped opening (several probes of one
target: an outage) is one page whose ``dedup_key`` is its first event's fingerprint; the
members' resolutions keep it open until the last of them resolves, which resolves it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from monitor.alerts import render
from monitor.alerts.base import Delivery
from monitor.alerts.httpsend import HttpClient, post_json
from monitor.core.alert_payload import AlertPayload
from monitor.storage.records import QUIET_REF

DEDUP_LIMIT = 255
SUMMARY_LIMIT = 1024
MEMBER_DETAILS_LIMIT = 100


def dedup_key(fingerprint: str) -> str:
    if len(fingerprint) <= DEDUP_LIMIT:
        return fingerprint
    # PagerDuty caps dedup keys at 255 characters; keep the readable head and make it unique.
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    return f"{fingerprint[: DEDUP_LIMIT - 17]}#{digest}"


def pagerduty_event(payload: AlertPayload, routing_key: str) -> dict[str, Any]:
    """The Events API v2 body for one alert payload (pure)."""
    event = payload.event
    key = dedup_key(event.fingerprint)
    if render.is_closing(payload):
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": key}
    probe = payload.probe
    links = [{"href": url, "text": name} for name, url in render.page_urls(payload)]
    trace = render.trace_url(payload)
    if trace and payload.run:
        links.append({"href": trace, "text": f"trace {payload.run.trace_id}"})
    if probe.runbook_url:
        links.append({"href": probe.runbook_url, "text": "runbook"})
    details: dict[str, Any] = dict(render.facts(payload))
    details.update(
        findings=render.finding_lines(payload),
        history=render.history_command(payload),
        details=render.show_command(payload),
    )
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {
            "summary": render.headline(payload)[:SUMMARY_LIMIT],
            "source": f"contract-monitor/{probe.environment or 'production'}",
            "severity": "critical" if event.severity == "breaking" else "warning",
            "timestamp": payload.transition.at,
            "component": event.probe,
            "group": event.target,
            "class": event.category,
            "custom_details": details,
        },
        "links": links,
        "client": "Contract Monitor",
    }


def member_details(payload: AlertPayload) -> dict[str, Any]:
    """What a grouped page says of one member, as fields PagerDuty shows and rules can match."""
    event = payload.event
    details: dict[str, Any] = {
        "probe": event.probe,
        "severity": event.severity,
        "finding": render.lead_line(payload),
        "message": event.message,
    }
    details.update(render.member_facts(payload))
    details.update(render.links(payload))
    details["details"] = render.show_command(payload)
    return details


def group_trigger(payloads: list[AlertPayload], routing_key: str) -> dict[str, Any]:
    """One page for a grouped opening, keyed by its first event. ``events`` lists one line per
    member; ``members`` the same members' details (the first MEMBER_DETAILS_LIMIT, which keeps
    the page well under PagerDuty's 512 KB)."""
    body = pagerduty_event(payloads[0], routing_key)
    shown = render.group_members(payloads)[:MEMBER_DETAILS_LIMIT]
    details: dict[str, Any] = dict(render.group_facts(payloads))
    details.update(
        events=[render.group_line(p) for p in shown],
        members=[member_details(p) for p in shown],
        history=render.group_history_command(payloads),
    )
    if len(payloads) > len(shown):
        details["not_shown"] = len(payloads) - len(shown)
    body["payload"].update(
        summary=render.group_headline(payloads)[:SUMMARY_LIMIT],
        component=", ".join(sorted({p.event.probe for p in payloads}))[:255],
        custom_details=details,
    )
    return body


class PagerDutySink:
    name = "pagerduty"
    groups = True
    pace_interval = 0.0

    def __init__(self, client: HttpClient, routing_key: str, api_url: str) -> None:
        self.client = client
        self.routing_key = routing_key
        self.api_url = api_url

    def pace_key(self) -> str | None:
        return None

    def close(self) -> None:
        self.client.close()

    def deliver(self, delivery: Delivery) -> str | None:
        if delivery.grouped:
            body = group_trigger(list(delivery.payloads), self.routing_key)
        else:
            body = pagerduty_event(delivery.lead, self.routing_key)
            if delivery.thread_ref is not None:
                body["dedup_key"] = delivery.thread_ref  # the page that announced it
            if body["event_action"] == "resolve" and not delivery.closes_thread():
                return QUIET_REF + str(body["dedup_key"])  # the page stays open for the others
        post_json(self.client, "PagerDuty", self.api_url, body, secrets=[self.routing_key])
        return str(body["dedup_key"])
