"""What alerts say: text, Slack blocks, PagerDuty events, webhook signatures — pure functions."""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from monitor.alerts import render, slack_blocks
from monitor.alerts.dispatch import backoff_delay
from monitor.alerts.httpsend import retry_after_seconds
from monitor.alerts.pagerduty import (
    DEDUP_LIMIT,
    MEMBER_DETAILS_LIMIT,
    dedup_key,
    group_trigger,
    pagerduty_event,
)
from monitor.alerts.webhook import signature
from monitor.core.alert_payload import AlertFinding, AlertPayload


def payload(reason: str = "opened", **event: Any) -> AlertPayload:
    return AlertPayload.from_json(payload_json(reason, **event))


def payload_json(reason: str = "opened", **event: Any) -> dict[str, Any]:
    """An outbox payload as stored (JSON), with ``event`` keys overridden."""
    return {
        "event": {
            "id": "0196-ev",
            "fingerprint": "chat|success|property-removed|usage",
            "probe": "chat",
            "target": "comet",
            "kind": "property-removed",
            "path": "usage",
            "severity": "breaking",
            "category": "usage_billing_assumption",
            "verdict": "deployment_drift",
            "message": "`usage` was present in all 5 baseline responses and is missing",
            "before": "present",
            "after": "absent",
            "first_seen": "2026-05-08T14:00:00+00:00",
            "opened_at": "2026-05-08T14:01:00+00:00",
            "resolved_at": None,
            "run_count": 3,
            **event,
        },
        "transition": {
            "reason": reason,
            "to": "resolved" if reason in ("resolved", "accepted") else "open",
            "at": "2026-05-08T14:01:00+00:00",
        },
        "run": {"id": "run-1", "trace_id": "ab" * 16, "span_id": "cd" * 8, "request_id": "req_42"},
        "findings": [
            {
                "kind": "property-removed",
                "path": "usage",
                "severity": "breaking",
                "before": "present",
                "after": "absent",
            }
        ],
        "probe": {
            "owner": "finops",
            "runbook_url": "https://rb/usage",
            "environment": "prod",
            "trace_link": "https://traces/{trace_id}",
        },
    }


def test_every_transition_reason_has_a_headline() -> None:
    assert render.headline_word(payload("opened")) == "DRIFT OPEN"
    assert render.headline_word(payload("reminder")) == "STILL OPEN"
    assert render.headline_word(payload("resolved")) == "RESOLVED"
    assert render.headline_word(payload("accepted")) == "ACCEPTED"
    assert render.headline_word(payload("escalated")) == "ESCALATED"  # reasons added later
    assert render.headline_word(payload("opened", kind="monitor-stale")) == "MONITOR STALE"


def test_the_opening_text_says_what_broke_and_whose_problem_it_is() -> None:
    text = render.render_text(payload())
    for expected in (
        "[DRIFT OPEN] chat @ comet",
        "owner=finops",
        "environment=prod",
        "category / verdict=usage_billing_assumption / deployment_drift",
        "breaking property-removed usage: present → absent",
        "first seen 2026-05-08T14:00:00",
        "seen in 3 run(s)",
        "request id req_42",
        f"trace: https://traces/{'ab' * 16}",
        "runbook: https://rb/usage",
        "monitor history --probe chat --since 2h",
        "monitor events show 0196-ev",
    ):
        assert expected in text, expected


def test_an_accepted_baseline_reads_as_a_resolution() -> None:
    text = render.render_text(payload("accepted", resolved_at="2026-05-08T15:00:00+00:00"))
    assert "[ACCEPTED] chat @ comet" in text
    assert "resolved at 2026-05-08T15:00:00+00:00 (baseline accepted)" in text


def test_slack_blocks_stay_within_slacks_limits_and_escape_mrkdwn() -> None:
    long = payload(message="<b>&" + "x" * 5000)
    blocks = slack_blocks.opening(long)
    assert len(blocks[0]["text"]["text"]) <= 150
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert all(len(t) <= 3000 for t in texts)
    assert texts[0].startswith("&lt;b&gt;&amp;")
    fields = next(b["fields"] for b in blocks if "fields" in b)
    assert len(fields) <= 10
    assert any(f"<https://traces/{'ab' * 16}|" in f["text"] for f in fields)


def member(i: int, **event: Any) -> AlertPayload:
    """A grouped opening's ``i``-th member: its own probe, owner, category, run and runbook."""
    own = {
        "probe": f"p{i}",
        "id": f"ev-{i}",
        "fingerprint": f"p{i}|success|property-removed|usage",
        "category": f"category_{i}",
        "verdict": f"verdict_{i}",
        "first_seen": f"2026-05-08T13:{i:02d}:00+00:00",
        "run_count": 10 + i,
        "before": f"before-{i}",
        "after": f"after-{i}",
    }
    p = payload_json(**{**own, **event})
    p["run"].update(trace_id=f"{i:032x}", request_id=f"req_{i}")
    p["probe"].update(owner=f"team-{i}", runbook_url=f"https://rb/p{i}")
    p["findings"][0].update(before=f"before-{i}", after=f"after-{i}")
    return AlertPayload.from_json(p)


def test_a_grouped_opening_lists_every_probe_and_its_owner() -> None:
    members = [payload(probe=f"p{i}") for i in range(10)]
    text = render.render_group_text(members)
    assert text.startswith("[DRIFT OPEN] 10 events on target comet (10 probe(s))")
    assert all(f"p{i}: breaking property-removed usage" in text for i in range(10))
    blocks = slack_blocks.group_opening(members)
    assert "10 events on target comet" in blocks[0]["text"]["text"]


def test_a_grouped_opening_text_carries_each_members_evidence_and_the_shared_environment() -> None:
    text = render.render_group_text([member(1), member(2)])
    assert text.splitlines()[1] == "  environment=prod · target=comet"
    assert text.count("prod") == 1  # shared, not repeated per member
    for i in (1, 2):
        for expected in (
            f"p{i}: breaking property-removed usage: before-{i} → after-{i}",
            f"category / verdict category_{i} / verdict_{i}",
            f"owner team-{i}",
            f"first seen 2026-05-08T13:0{i}:00+00:00",
            f"seen in {10 + i} run(s)",
            f"request id req_{i}",
            f"trace id {i:032x}",
            f"trace: https://traces/{i:032x}",
            f"runbook: https://rb/p{i}",
        ):
            assert expected in text, expected
    assert "history: monitor history --target comet --since 2h" in text


def test_a_groups_members_show_breaking_first_then_by_probe_in_every_sink() -> None:
    members = [member(3), member(1, severity="warning"), member(2)]
    expected = ["p2", "p3", "p1"]
    text = render.render_group_text(members)
    assert [line.split(":")[0] for line in text.splitlines() if line.startswith("  - ")] == [
        f"  - {p}" for p in expected
    ]
    sections = [b["text"]["text"] for b in slack_blocks.group_opening(members)[3:-1]]
    assert [t.removeprefix("• ").split(":")[0] for t in sections] == expected
    details = group_trigger(members, "R" * 32)["payload"]["custom_details"]
    assert [m["probe"] for m in details["members"]] == expected
    # the page is still keyed by the first event (the outbox's order), not the first shown
    assert group_trigger(members, "R" * 32)["dedup_key"] == "p3|success|property-removed|usage"


def test_a_group_members_lead_finding_is_the_events_own_change() -> None:
    drift = member(1)
    first = AlertFinding(kind="type-changed", path="id", severity="warning")
    drift = replace(drift, findings=(first, *drift.findings))
    assert render.lead_line(drift) == "breaking property-removed usage: before-1 → after-1"
    failing = member(
        2, kind="probe-failing", path="status_code", before=200, after=500, message="HTTP 500"
    )
    assert (
        render.group_line(failing) == "p2: breaking probe-failing status_code: 200 → 500 — HTTP 500"
    )


def test_a_grouped_slack_opening_carries_each_members_evidence_with_trace_links() -> None:
    plain = member(2)
    plain = replace(plain, probe=replace(plain.probe, trace_link=None))  # no alerts.trace_link
    blocks = slack_blocks.group_opening([member(1), plain])
    shared = next(b for b in blocks if b["type"] == "context")
    assert [e["text"] for e in shared["elements"]] == ["*Environment* prod", "*Target* comet"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"][1:]
    assert len(sections) == 2
    for i, section in enumerate(sections, start=1):
        for expected in (
            f"p{i}: breaking property-removed usage: before-{i} → after-{i}",
            f"*Category / verdict* category_{i} / verdict_{i}",
            f"*Owner* team-{i}",
            f"*First seen* 2026-05-08T13:0{i}:00+00:00",
            f"*Seen in* {10 + i} run(s)",
            f"*Request id* `req_{i}`",
            f"<https://rb/p{i}|Runbook>",
        ):
            assert expected in section, expected
    assert f"*Trace id* <https://traces/{1:032x}|{1:032x}>" in sections[0]
    assert f"*Trace id* `{2:032x}`" in sections[1]


def test_a_large_grouped_slack_opening_stays_within_limits_and_names_the_rest() -> None:
    members = [member(i, message="<b>&" + "x" * 5000) for i in range(200)]
    blocks = slack_blocks.group_opening(members)
    assert len(blocks) <= slack_blocks.BLOCK_LIMIT
    assert slack_blocks.text_size(blocks) <= slack_blocks.TEXT_BUDGET
    assert len(blocks[0]["text"]["text"]) <= 150
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in sections)
    assert all("&lt;b&gt;&amp;" in t for t in sections[1:])
    shown = len(sections) - 1
    assert 2 <= shown < 200
    more = blocks[-2]["elements"][0]["text"]
    by_probe = sorted(f"p{i}" for i in range(200))
    assert more.startswith(f"…and {200 - shown} more: {by_probe[shown]}, {by_probe[shown + 1]}, ")
    assert len(more) <= slack_blocks.MORE_LIMIT
    assert "monitor history --target comet" in blocks[-1]["elements"][0]["text"]
    # few enough members all show, with no "more" line
    assert "more:" not in str(slack_blocks.group_opening(members[:3]))


def test_a_redrawn_group_counts_what_is_still_open() -> None:
    members = [
        {"id": "a", "probe": "p1", "kind": "k", "path": "", "state": "resolved", "target": "t"},
        {"id": "b", "probe": "p2", "kind": "k", "path": "", "state": "open", "target": "t"},
    ]
    blocks = slack_blocks.updated_opening(payload("resolved"), members)
    assert "2 events on target t: 1 still open" in blocks[0]["text"]["text"]


def test_pagerduty_triggers_and_resolves_by_the_event_fingerprint() -> None:
    trigger = pagerduty_event(payload(), "R" * 32)
    assert trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == "chat|success|property-removed|usage"
    assert trigger["payload"]["severity"] == "critical"
    assert (trigger["payload"]["component"], trigger["payload"]["group"]) == ("chat", "comet")
    assert {link["href"] for link in trigger["links"]} == {
        f"https://traces/{'ab' * 16}",
        "https://rb/usage",
    }
    resolve = pagerduty_event(payload("resolved"), "R" * 32)
    assert resolve == {
        "routing_key": "R" * 32,
        "event_action": "resolve",
        "dedup_key": trigger["dedup_key"],
    }
    assert (
        pagerduty_event(payload(severity="warning"), "R" * 32)["payload"]["severity"] == "warning"
    )


def test_a_long_fingerprint_still_makes_a_valid_unique_dedup_key() -> None:
    a, b = "x" * 300 + "a", "x" * 300 + "b"
    assert len(dedup_key(a)) == DEDUP_LIMIT
    assert dedup_key(a) != dedup_key(b)


def test_a_grouped_page_names_every_probe() -> None:
    body = group_trigger([payload(probe="a"), payload(probe="b")], "R" * 32)
    assert body["payload"]["component"] == "a, b"
    assert len(body["payload"]["custom_details"]["events"]) == 2


def test_a_grouped_page_keeps_each_members_details() -> None:
    details = group_trigger([member(1), member(2)], "R" * 32)["payload"]["custom_details"]
    assert (details["environment"], details["target"]) == ("prod", "comet")
    assert details["history"] == "monitor history --target comet --since 2h"
    assert details["members"][1] == {
        "probe": "p2",
        "severity": "breaking",
        "finding": "breaking property-removed usage: before-2 → after-2",
        "message": "`usage` was present in all 5 baseline responses and is missing",
        "category / verdict": "category_2 / verdict_2",
        "owner": "team-2",
        "first seen": "2026-05-08T13:02:00+00:00",
        "seen in": "12 run(s)",
        "request id": "req_2",
        "trace id": f"{2:032x}",
        "trace": f"https://traces/{2:032x}",
        "runbook": "https://rb/p2",
        "details": "monitor events show ev-2",
    }
    many = [member(i) for i in range(MEMBER_DETAILS_LIMIT + 5)]
    capped = group_trigger(many, "R" * 32)["payload"]["custom_details"]
    assert len(capped["members"]) == len(capped["events"]) == MEMBER_DETAILS_LIMIT
    assert capped["not_shown"] == 5


def test_the_webhook_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    expected = hmac.new(b"s3cret", b'1715176800.{"a":1}', hashlib.sha256).hexdigest()
    assert signature("s3cret", "1715176800", b'{"a":1}') == "sha256=" + expected


def test_retry_after_is_seconds_or_an_http_date() -> None:
    now = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Fri, 08 May 2026 14:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_is_full_jitter_under_a_cap() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(attempt, rng) for attempt in range(12)]
    assert all(0 <= d <= min(600, 2 * 2**a) for a, d in enumerate(delays))


def test_a_self_watch_alert_reads_its_message_not_none_to_none() -> None:
    from monitor.alerts.render import finding_lines

    payload = {
        "event": {
            "kind": "monitor-stale",
            "severity": "breaking",
            "path": "",
            "message": "no completed run for 181 s; expected one every 60s",
            "before": None,
            "after": None,
        }
    }
    (line,) = finding_lines(AlertPayload.from_json(payload))
    assert line == "breaking monitor-stale: no completed run for 181 s; expected one every 60s"


def _with_pages(reason: str = "opened") -> AlertPayload:
    data = payload_json(reason)
    data["probe"]["ui_base_url"] = "https://monitor.example"
    return AlertPayload.from_json(data)


def test_alerts_link_the_event_and_run_pages_when_ui_base_url_is_set() -> None:
    with_pages = _with_pages()
    assert render.links(with_pages)[:2] == [
        ("event page", "https://monitor.example/events/0196-ev"),
        ("run page", "https://monitor.example/runs/run-1"),
    ]
    blocks = str(slack_blocks.opening(with_pages))
    assert "<https://monitor.example/events/0196-ev|Event page>" in blocks
    event = pagerduty_event(with_pages, "rk")
    hrefs = [link["href"] for link in event["links"]]
    assert "https://monitor.example/events/0196-ev" in hrefs


def test_without_ui_base_url_alerts_and_payloads_read_as_before() -> None:
    plain = payload()
    assert all(name not in ("event page", "run page") for name, _ in render.links(plain))
    assert "ui_base_url" not in plain.to_json()["probe"]
    assert _with_pages().to_json()["probe"]["ui_base_url"] == "https://monitor.example"


def test_a_probe_alert_facts_carry_ui_base_url_only_when_configured() -> None:
    from monitor.config.loader import parse_config
    from monitor.probes.spec import alert_facts

    text = """
targets: {t: {base_url: "http://127.0.0.1:9"}}
probes: [{name: p, target: t, every: 60s, model: m, messages: [{role: user, content: x}],
          params: {max_tokens: 8}, owner: team}]
"""
    plain = parse_config(text, "c.yaml", {}).config
    assert "ui_base_url" not in alert_facts(plain, plain.probes[0])
    paged = parse_config(text + 'ui: {base_url: "https://m.example/"}\n', "c.yaml", {}).config
    facts = alert_facts(paged, paged.probes[0])
    assert facts["ui_base_url"] == "https://m.example"
    assert facts["owner"] == "team"
