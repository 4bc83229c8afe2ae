"""Grouping (a provider outage is one alert per sink), routing by category and owner, and the
severity policy (breaking pages and posts, warning only posts) — end to end."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from monitor.simulator import Simulator
from tests.alerts.conftest import Harness, alerts_config, probes_config, sink_env
from tests.fakes.clock import FakeClock
from tests.fakes.pagerduty import PagerDuty
from tests.fakes.slack_api import SlackApi
from tests.fakes.slack_webhook import SlackWebhook
from tests.fakes.webhook_receiver import WebhookReceiver

TEN = [f"probe-{i:02d}" for i in range(10)]


def test_ten_probe_outage_is_one_grouped_alert_per_sink_and_one_page(
    sim: Simulator,
    sim_url: str,
    db_url: str,
    slack: SlackApi,
    slack_hook: SlackWebhook,
    pagerduty: PagerDuty,
    webhook: WebhookReceiver,
    clock: FakeClock,
) -> None:
    async def scenario() -> None:
        text = probes_config(sim_url, db_url, TEN) + alerts_config(
            slack=slack, slack_hook=slack_hook, pagerduty=pagerduty, webhook=webhook
        )
        async with Harness(text, sink_env(slack_hook), clock) as h:
            await h.run()
            sim.set_scenario("server-error")
            await h.run()
            await h.run()
            assert await h.deliver() == 4  # one message per sink
            (root,) = slack.top_level()
            (hook_post,) = slack_hook.posts()
            assert hook_post["blocks"] == root.blocks  # the same grouped message
            assert "10 events on target sim" in root.all_text
            for name in TEN:
                assert name in root.all_text
            (page,) = pagerduty.events()
            assert page["event_action"] == "trigger"
            leader = page["dedup_key"]  # the first event's fingerprint
            assert leader.endswith("|health|probe-failing|")
            assert "10 events on target sim" in page["payload"]["summary"]
            (body,) = webhook.bodies()
            assert body["grouped"] is True
            assert sorted(a["event"]["probe"] for a in body["alerts"]) == TEN
            assert all(webhook.signature_ok(r) for r in webhook.requests)
            # every member's evidence, in the Slack message and the page: trace (linked),
            # category / verdict, run count, runbook; the environment once for all
            assert "*Environment* test" in root.all_text
            members = {m["probe"]: m for m in page["payload"]["custom_details"]["members"]}
            assert page["payload"]["custom_details"]["environment"] == "test"
            for alert in body["alerts"]:
                event, trace_id = alert["event"], alert["run"]["trace_id"]
                assert trace_id
                assert alert["probe"]["environment"] == "test"
                link = f"https://traces.example/trace/{trace_id}"
                category = f"{event['category']} / {event['verdict']}"
                assert f"<{link}|{trace_id}>" in root.all_text
                assert f"*Category / verdict* {category}" in root.all_text
                assert f"<https://runbooks.example/{event['probe']}|Runbook>" in root.all_text
                detail = members[event["probe"]]
                assert (detail["trace id"], detail["trace"]) == (trace_id, link)
                assert detail["category / verdict"] == category
                assert detail["seen in"] == f"{event['run_count']} run(s)"

            sim.set_scenario("healthy")
            await h.run()
            await h.run()
            await h.deliver()
            assert len(slack.top_level()) == 1
            # one reply when the last member recovers, not ten; the root shows each
            (reply,) = slack.thread(root.ts)
            assert "All 10 events on target sim are resolved" in reply.all_text
            assert "PROBE RECOVERED" in reply.all_text
            redrawn = slack.find(root.ts).all_text
            assert "0 still open" in redrawn
            # the redraw changes the states and keeps every member's evidence
            for alert in body["alerts"]:
                trace_id = alert["run"]["trace_id"]
                assert f"<https://traces.example/trace/{trace_id}|{trace_id}>" in redrawn
                assert f"<https://runbooks.example/{alert['event']['probe']}|Runbook>" in redrawn
            assert redrawn.count("✅ *resolved*") == 10
            resolves = [e for e in pagerduty.events() if e["event_action"] == "resolve"]
            assert [e["dedup_key"] for e in resolves] == [leader]
            assert pagerduty.alerts[leader] == {"status": "resolved", "triggers": 1}

    asyncio.run(scenario())


def test_openings_of_one_target_within_the_group_window_wait_and_go_out_together(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        text = probes_config(sim_url, db, ["a", "b"]) + alerts_config(
            slack=slack, extra="group_window: 30s"
        )
        async with Harness(text, sink_env(), clock) as h:
            await h.run()
            sim.set_scenario("server-error")
            await h.run()
            await h.run("a", step_s=10)  # a opens at T
            assert await h.deliver(flush=False) == 0  # held: b may follow
            await h.run("b", step_s=0)  # b opens at T+10s
            assert await h.deliver(flush=False) == 0
            clock.advance(25)  # T+35s: the window of the first opening has passed
            assert await h.deliver(flush=False) == 1
            (root,) = slack.top_level()
            assert "2 events on target sim" in root.all_text

    asyncio.run(scenario())


def test_routes_send_each_category_to_its_team_with_the_routes_owner(
    sim: Simulator,
    sim_url: str,
    db: str,
    slack_hook: SlackWebhook,
    webhook: WebhookReceiver,
    pagerduty: PagerDuty,
    clock: FakeClock,
) -> None:
    routes = """routes:
  - match: {category: [usage_billing_assumption]}
    sinks: [webhook]
    owner: FinOps/platform
  - match: {category: [request_schema_mismatch, response_parser_mismatch]}
    sinks: [slack_webhook]
    owner: application team
"""

    async def scenario() -> None:
        text = (
            probes_config(sim_url, db, ["chat-basic"])
            + alerts_config(slack_hook=slack_hook, webhook=webhook, pagerduty=pagerduty)
            + routes
        )
        async with Harness(text, sink_env(slack_hook), clock) as h:
            await h.run()
            sim.set_scenario("drop-usage,new-finish-reason")
            await h.run()
            await h.run()
            await h.deliver()
            (usage,) = webhook.bodies()
            (alert,) = usage["alerts"]
            assert (alert["event"]["kind"], alert["event"]["path"]) == ("property-removed", "usage")
            assert alert["probe"]["owner"] == "FinOps/platform"
            assert alert["probe"]["probe_owner"] == "platform-team"
            (post,) = slack_hook.posts()
            assert "enum-value-added" in str(post["blocks"])
            assert "application team" in str(post["blocks"])
            assert pagerduty.requests == []  # no route sends anything to PagerDuty

    asyncio.run(scenario())


def test_breaking_pages_and_posts_while_warning_only_posts(
    sim: Simulator,
    sim_url: str,
    db: str,
    slack: SlackApi,
    pagerduty: PagerDuty,
    clock: FakeClock,
) -> None:
    async def scenario() -> None:
        text = probes_config(sim_url, db, ["chat-basic"]) + alerts_config(
            slack=slack, pagerduty=pagerduty
        )
        async with Harness(text, sink_env(), clock) as h:
            await h.run()
            sim.set_scenario("drop-usage,new-finish-reason")
            await h.run()
            await h.run()
            await h.deliver()
            # One run opened both: one message listing the breaking and the warning event
            (posted,) = slack.top_level()
            assert "2 events of probe chat-basic" in posted.all_text
            assert "property-removed" in posted.all_text
            assert "enum-value-added" in posted.all_text
            (page,) = pagerduty.events()  # only the breaking event pages
            assert page["dedup_key"] == "chat-basic|success|property-removed|usage"
            assert page["payload"]["severity"] == "critical"
            assert page["payload"]["group"] == "sim"

    asyncio.run(scenario())


def test_a_route_posts_to_its_teams_slack_channel_and_resolves_in_that_thread(
    sim: Simulator,
    sim_url: str,
    db: str,
    slack: SlackApi,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(slack, "not_in_channel", frozenset())  # the bot was invited
    routes = """routes:
  - match: {category: [usage_billing_assumption]}
    sinks: ["slack:#platform"]
    owner: FinOps/platform
  - match: {category: [response_parser_mismatch, request_schema_mismatch]}
    sinks: [slack]
"""

    async def scenario() -> None:
        text = probes_config(sim_url, db, ["chat-basic"]) + alerts_config(slack=slack) + routes
        async with Harness(text, sink_env(), clock) as h:
            assert list(h.app.sinks) == ["slack", "slack:#platform"]
            await h.run()
            sim.set_scenario("drop-usage,new-finish-reason")
            await h.run()
            await h.run()
            await h.deliver()
            by_channel = {m.channel: m for m in slack.top_level()}
            assert sorted(by_channel) == ["C0ALERTS01", "C0PLATFRM1"]
            finops = by_channel["C0PLATFRM1"]
            assert "property-removed" in finops.all_text
            assert "FinOps/platform" in finops.all_text
            assert "enum-value-added" in by_channel["C0ALERTS01"].all_text
            routed = {(r["sink"], _payload(r)["event"]["kind"]) for r in h.outbox()}
            assert routed == {
                ("slack:#platform", "property-removed"),
                ("slack", "enum-value-added"),
            }

            sim.set_scenario("healthy")
            await h.run()
            await h.run()
            await h.deliver()
            (reply,) = slack.thread(finops.ts)
            assert reply.channel == "C0PLATFRM1"
            assert "RESOLVED" in reply.all_text
            assert slack.find(finops.ts).updates  # the root in its channel is redrawn

    asyncio.run(scenario())


def _payload(row: dict[str, Any]) -> dict[str, Any]:
    payload = row["payload"]
    return json.loads(payload) if isinstance(payload, str) else dict(payload)


def test_a_team_channel_the_bot_is_not_in_is_a_meta_alert_in_the_default_channel(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    # the stand-in answers not_in_channel for C0PLATFRM1, as Slack does before an invite
    routes = """routes:
  - match: {category: [usage_billing_assumption]}
    sinks: ["slack:C0PLATFRM1"]
"""

    async def scenario() -> None:
        text = probes_config(sim_url, db, ["chat-basic"]) + alerts_config(slack=slack) + routes
        async with Harness(text, sink_env(), clock) as h:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run()
            await h.run()
            await h.deliver()
            (meta,) = slack.top_level()
            assert meta.channel == "C0ALERTS01"
            assert "ALERT DELIVERY FAILING" in meta.all_text
            assert "slack:C0PLATFRM1" in meta.all_text
            assert "not_in_channel" in meta.all_text
            (failed,) = [r for r in h.outbox() if r["sink"] == "slack:C0PLATFRM1"]
            assert failed["state"] == "failed"

    asyncio.run(scenario())


def test_one_runs_several_drifts_page_once(
    sim: Simulator,
    sim_url: str,
    db: str,
    slack: SlackApi,
    pagerduty: PagerDuty,
    clock: FakeClock,
) -> None:
    async def scenario() -> None:
        text = probes_config(sim_url, db, ["chat-basic"]) + alerts_config(
            slack=slack, pagerduty=pagerduty
        )
        async with Harness(text, sink_env(), clock) as h:
            await h.open_drift(sim, "drop-usage,new-finish-reason,type-change")
            opened = [r for r in h.outbox() if r["sink"] == "pagerduty"]
            assert len(opened) >= 2  # several breaking events, each still its own event
            await h.deliver()
            (page,) = pagerduty.events()
            assert page["event_action"] == "trigger"
            (message,) = slack.top_level()
            assert "opened by one run" in message.all_text

    asyncio.run(scenario())
