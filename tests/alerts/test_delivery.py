"""Delivery semantics against the stand-ins: retry after 429 with ``Retry-After``, backoff on
5xx, permanent errors surfaced (and raised on the other sinks), pacing per Slack channel, and
one span per delivery linked to the run's span. Time is the test's clock: nothing sleeps."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from monitor.alerts.base import Delivery
from monitor.alerts.checkpoints import BEFORE_SEND
from monitor.alerts.dispatch import Dispatcher
from monitor.simulator import Simulator
from monitor.storage.params import ClaimPolicy
from tests.alerts.conftest import Drifted, Harness, sink_env
from tests.fakes.clock import FakeClock
from tests.fakes.http_fake import Reply
from tests.fakes.pagerduty import PagerDuty
from tests.fakes.slack_api import SlackApi, rate_limited
from tests.fakes.slack_webhook import SlackWebhook
from tests.fakes.webhook_receiver import WebhookReceiver

TWO = "drop-usage,new-finish-reason"
THREE = "drop-usage,new-finish-reason,type-change"


def test_slack_429_is_retried_after_its_retry_after(
    drifted: Drifted, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with drifted(slack=slack) as h:
            slack.answer("chat.postMessage", rate_limited(7))
            assert await h.deliver() == 0
            (row,) = h.outbox()
            assert row["state"] == "pending"
            assert row["next_attempt_at"] == clock.now() + timedelta(seconds=7)
            assert "ratelimited" in row["last_error"]
            assert await h.deliver() == 0  # not due yet: no request
            assert len(slack.calls("chat.postMessage")) == 1
            clock.advance(7)
            assert await h.deliver() == 1
            assert len(slack.calls("chat.postMessage")) == 2
            assert len(slack.top_level()) == 1
            (row,) = h.outbox()
            assert (row["state"], row["attempts"]) == ("delivered", 2)
            assert clock.sleeps == []  # the retry waited in the outbox, not in a sleep

    asyncio.run(scenario())


def test_server_errors_back_off_and_then_deliver(
    drifted: Drifted, webhook: WebhookReceiver, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with drifted(webhook=webhook) as h:
            webhook.answer("hook", Reply(500, "oops"), Reply(503, "busy"))
            waits = []
            for _ in range(3):
                if await h.deliver():
                    break
                (row,) = h.outbox()
                waits.append((row["next_attempt_at"] - clock.now()).total_seconds())
                clock.advance(waits[-1])
            (row,) = h.outbox()
            assert (row["state"], row["attempts"]) == ("delivered", 3)
            assert len(waits) == 2
            assert all(1.0 <= w <= 8.0 for w in waits)  # full jitter under 2 * 2**attempt
            assert len(set(webhook.keys())) == 1  # every re-send carried the same key

    asyncio.run(scenario())


def test_permanent_slack_error_is_surfaced_and_raised_on_the_other_sinks(
    drifted: Drifted, slack: SlackApi, webhook: WebhookReceiver
) -> None:
    async def scenario() -> None:
        # The bot is not a member of this channel: Slack answers ok:false not_in_channel.
        async with drifted(slack=slack, webhook=webhook, channel="C0PLATFRM1") as h:
            await h.deliver()
            assert len(slack.calls("chat.postMessage")) == 1  # no retry of a permanent error
            failed = [r for r in h.outbox() if r["sink"] == "slack"]
            assert [(r["state"], r["permanent"]) for r in failed] == [("failed", True)]
            assert "not_in_channel" in failed[0]["last_error"]
            kinds = [b["alerts"][0]["event"]["kind"] for b in webhook.bodies()]
            assert kinds == ["property-removed", "delivery-failing"]
            meta = webhook.bodies()[1]["alerts"][0]
            assert meta["event"]["target"] == "slack"
            assert "not_in_channel" in meta["event"]["message"]
            assert all(
                r["sink"] != "slack"
                for r in h.outbox()
                if r["payload"]["event"]["kind"] == "delivery-failing"
            )

    asyncio.run(scenario())


def test_invalid_token_is_permanent_without_leaking_the_token(
    drifted: Drifted, slack: SlackApi
) -> None:
    async def scenario() -> None:
        env = {**sink_env(), "SLACK_BOT_TOKEN": "xoxb-revoked-secret-token"}
        async with drifted(env=env, slack=slack) as h:
            await h.deliver()
            (row,) = [r for r in h.outbox() if r["sink"] == "slack"]
            assert row["state"] == "failed"
            assert row["last_error"] == "Slack chat.postMessage failed: invalid_auth"
            assert "xoxb" not in str(h.outbox())

    asyncio.run(scenario())


def test_slack_webhook_non_200_answers_are_errors(
    drifted: Drifted, slack_hook: SlackWebhook, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with drifted(slack_hook=slack_hook) as h:
            slack_hook.answer("hook", Reply(429, "rate_limited", {"Retry-After": "3"}))
            await h.deliver()
            (row,) = h.outbox()
            assert row["state"] == "pending"
            assert row["next_attempt_at"] == clock.now() + timedelta(seconds=3)
            clock.advance(3)
            slack_hook.answer("hook", Reply(404, "no_service"))
            await h.deliver()
            (row,) = h.outbox()
            assert (row["state"], row["permanent"]) == ("failed", True)
            assert row["last_error"] == "Slack webhook answered HTTP 404: no_service"
            assert "SECRET" not in row["last_error"]  # the URL is the credential

    asyncio.run(scenario())


def test_a_webhook_404_and_a_rejected_pagerduty_event_are_permanent(
    drifted: Drifted, webhook: WebhookReceiver, pagerduty: PagerDuty
) -> None:
    async def scenario() -> None:
        async with drifted(webhook=webhook, pagerduty=pagerduty) as h:
            webhook.answer("hook", Reply(404, {"error": "no such hook"}))
            pagerduty.answer("enqueue", Reply(400, {"status": "invalid event", "errors": ["x"]}))
            await h.deliver()
            rows = {
                r["sink"]: r
                for r in h.outbox()
                if r["payload"]["event"]["kind"] != "delivery-failing"
            }
            assert rows["webhook"]["state"] == rows["pagerduty"]["state"] == "failed"
            assert rows["webhook"]["last_error"].startswith("webhook answered HTTP 404")
            assert rows["pagerduty"]["last_error"].startswith("PagerDuty answered HTTP 400")
            assert len(webhook.requests) >= 1
            assert len(pagerduty.requests) >= 1

    asyncio.run(scenario())


def test_slack_messages_are_paced_one_per_second_per_channel(
    drifted: Drifted, sim: Simulator, slack: SlackApi, webhook: WebhookReceiver, clock: FakeClock
) -> None:
    async def scenario() -> None:
        # Three drifts of one probe opened by three runs: three messages.
        async with drifted("drop-usage", slack=slack, webhook=webhook) as h:
            await h.open_in_turn(sim, TWO, THREE)
            assert await h.deliver() == 6
            assert len(slack.top_level()) == 3
            assert len(webhook.requests) == 3
            assert clock.sleeps == [1.0, 1.0]  # only the Slack channel waited

    asyncio.run(scenario())


def test_each_delivery_is_a_span_linked_to_the_runs_span(drifted: Drifted, slack: SlackApi) -> None:
    async def scenario() -> None:
        async with drifted(slack=slack) as h:
            await h.deliver()
        spans = h.spans.get_finished_spans()
        (delivery,) = [s for s in spans if s.name == "alert slack"]
        runs = [s for s in spans if s.name.startswith("chat ")]
        (link,) = delivery.links
        linked = [s for s in runs if s.context.span_id == link.context.span_id]
        assert len(linked) == 1
        assert link.context.trace_id == linked[0].context.trace_id
        assert delivery.context.trace_id != link.context.trace_id  # its own trace
        assert delivery.attributes["monitor.sink"] == "slack"
        assert delivery.attributes["monitor.alert.reason"] == "opened"
        # the link names the run by the run span's own attribute, so one search finds both
        assert link.attributes == {"monitor.run.id": linked[0].attributes["monitor.run.id"]}

    asyncio.run(scenario())


def test_a_429_pauses_the_channel_and_the_next_messages_wait_in_the_outbox(
    drifted: Drifted, sim: Simulator, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with drifted("drop-usage", slack=slack) as h:
            await h.open_in_turn(sim, TWO)  # two runs opened one drift each: two messages
            slack.answer("chat.postMessage", rate_limited(30))
            assert await h.deliver() == 0
            assert len(slack.calls("chat.postMessage")) == 1  # the second did not hit the 429
            waiting = {r["next_attempt_at"] for r in h.outbox()}
            assert waiting == {clock.now() + timedelta(seconds=30)}
            assert clock.sleeps == []
            clock.advance(30)
            assert await h.deliver() == 2
            assert len(slack.top_level()) == 2

    asyncio.run(scenario())


class Intruder:
    """A checkpoint that, just before each send, lets a second worker try to claim rows:
    anything it gets while the first worker is sending would be a duplicate."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.stolen: list[str] = []
        self.sends = 0

    def reached(self, point: str, delivery: Delivery) -> None:
        if point != BEFORE_SEND:
            return
        self.sends += 1
        store, now = self.h.app.store, self.h.clock.now()
        lease = ClaimPolicy(lease=timedelta(seconds=60))
        self.stolen += [i.id for i in store.claim_outbox(now, "intruder", lease)]


def test_a_claim_that_outlived_most_of_its_lease_is_given_back_not_sent(
    drifted: Drifted, sim: Simulator, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with drifted("drop-usage", slack=slack) as h:
            await h.open_in_turn(sim, TWO, THREE)  # three messages
            intruder = Intruder(h)
            # The app's collaborators, in a dispatcher whose lease pacing (1 s a message) outlasts.
            dispatcher = Dispatcher(
                h.app.store,
                h.app.sinks,
                clock,
                h.app.db,
                worker_id="short-lease",
                lease=timedelta(seconds=1),
                sleep=clock.sleep,
                checkpoints=intruder,
            )
            assert await dispatcher.deliver_due(flush=True) == 3
            assert intruder.sends == 3
            assert intruder.stolen == []  # no row was ever sent on an expired lease
            assert [r["attempts"] for r in h.outbox()] == [1, 1, 1]  # releases are no attempt
            assert len(slack.top_level()) == 3

    asyncio.run(scenario())
