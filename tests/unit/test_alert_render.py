"""What alerts say: text, Slack blocks, PagerDuty events, webhook signatures — pure functions."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.alerts import render, slack_blocks
from monitor.alerts.httpsend import retry_after_seconds
from monitor.alerts.pagerduty import DEDUP_LIMIT, dedup_key, group_trigger, pagerduty_event
from monitor.alerts.webhook import signature
from monitor.dispatch import backoff_delay
from monitor.pacing import Pacer
from tests.fakes.clock import FakeClock


def payload(reason: str = "opened", **event: Any) -> dict[str, Any]:
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


def test_a_grouped_opening_lists_every_probe_and_its_owner() -> None:
    members = [payload(probe=f"p{i}") for i in range(10)]
    text = render.render_group_text(members)
    assert text.startswith("[DRIFT OPEN] 10 events on target comet (10 probe(s))")
    assert all(f"p{i}: breaking property-removed usage" in text for i in range(10))
    blocks = slack_blocks.group_opening(members)
    assert "10 events on target comet" in blocks[0]["text"]["text"]


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


def test_the_pacer_spaces_one_key_and_holds_a_paused_one() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    assert pacer.wait("slack:C1") == 0
    pacer.sent("slack:C1", 1.0)
    assert pacer.wait("slack:C1") == 1.0
    assert pacer.wait("slack:C2") == 0  # other channels are not held up
    pacer.pause("slack:C1", 30)
    clock.advance(10)
    assert pacer.wait("slack:C1") == 20
    clock.advance(timedelta(seconds=20).total_seconds())
    assert pacer.wait("slack:C1") == 0


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
    (line,) = finding_lines(payload)
    assert line == "breaking monitor-stale: no completed run for 181 s; expected one every 60s"
