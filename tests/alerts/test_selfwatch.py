"""The monitor watches itself: a probe with no completed run for 3× its interval is alerted
(and resolves when runs resume, in the same thread); an alert stuck undelivered longer than
``alerts.undelivered_after`` raises a meta-alert on the other sinks."""

from __future__ import annotations

import asyncio

from monitor.selfcheck.selfwatch import SelfWatch
from monitor.simulator import Simulator
from tests.alerts.conftest import Drifted, Harness, one_probe, sink_env
from tests.fakes.clock import FakeClock
from tests.fakes.http_fake import Reply
from tests.fakes.slack_api import SlackApi
from tests.fakes.webhook_receiver import WebhookReceiver


def test_a_probe_without_runs_for_three_intervals_is_alerted_and_recovers_in_thread(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with Harness(one_probe(sim_url, db, slack=slack), sink_env(), clock) as h:
            watch = h.app.selfwatch
            await h.run()  # a completed run at T0; the clock is now T0+60s
            assert await watch.tick() == 0
            clock.advance(119)  # T0+179s: not yet 3 intervals
            assert await watch.tick() == 0
            clock.advance(2)  # T0+181s: the scheduler (or the process) has stalled
            assert await watch.tick() == 1
            assert await watch.tick() == 0  # one event, not one per tick
            await h.deliver()
            (root,) = slack.top_level()
            assert "MONITOR STALE" in root.all_text
            assert "no completed run for 3 min" in root.all_text
            assert "platform-team" in root.all_text  # the probe's owner

            await h.run()
            await watch.tick()
            await h.deliver()
            (reply,) = slack.thread(root.ts)
            assert "MONITOR CAUGHT UP" in reply.all_text
            stale = h.app.store.list_events(probes=("p",))
            assert [(e.kind, e.state) for e in stale] == [("monitor-stale", "resolved")]

    asyncio.run(scenario())


def test_a_probe_that_never_ran_is_stale_three_intervals_after_start(
    sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with Harness(one_probe(sim_url, db, slack=slack), sink_env(), clock) as h:
            clock.advance(181)
            assert await h.app.selfwatch.tick() == 1
            await h.deliver()
            (root,) = slack.top_level()
            assert "no completed run since the monitor started 3 min ago" in root.all_text

    asyncio.run(scenario())


def test_a_restart_after_a_long_stop_is_not_staleness_until_three_intervals_pass(
    sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with Harness(one_probe(sim_url, db, slack=slack), sink_env(), clock) as h:
            await h.run()  # the last run before the monitor went down
            clock.advance(3600)  # an hour-long deploy
            restarted = SelfWatch(h.app.store, h.app.db, clock, h.app.config, list(h.app.sinks))
            assert await restarted.check_stale() == 0  # just started: nothing is stale yet
            clock.advance(181)
            assert await restarted.check_stale() == 1
            await h.deliver()
            (root,) = slack.top_level()
            assert "no completed run since the monitor started 3 min ago" in root.all_text

    asyncio.run(scenario())


def test_an_alert_undelivered_too_long_raises_a_meta_alert_on_the_other_sinks(
    drifted: Drifted, slack: SlackApi, webhook: WebhookReceiver, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with drifted(slack=slack, webhook=webhook, extra="undelivered_after: 5m") as h:
            webhook.answer("hook", *[Reply(503, "down")] * 20)
            await h.deliver()
            assert len(slack.top_level()) == 1  # the drift itself reached Slack
            for _ in range(4):  # the webhook keeps failing for a while
                clock.advance(90)
                await h.deliver()
                await h.run(step_s=0)
            assert await h.app.selfwatch.check_sinks() == 1
            await h.deliver()
            texts = [m.all_text for m in slack.top_level()]
            assert any("ALERT DELIVERY FAILING" in t and "undelivered" in t for t in texts)

    asyncio.run(scenario())


def test_a_sink_that_delivers_again_resolves_its_meta_alert_in_the_thread(
    sim: Simulator,
    sim_url: str,
    db: str,
    slack: SlackApi,
    webhook: WebhookReceiver,
    clock: FakeClock,
) -> None:
    async def scenario() -> None:
        text = one_probe(sim_url, db, slack=slack, webhook=webhook)
        async with Harness(text, sink_env(), clock) as h:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run()
            await h.run(step_s=0)
            await h.open_in_turn(sim, "drop-usage,new-finish-reason")  # two runs, two alerts
            webhook.answer("hook", Reply(404, {"error": "gone"}))  # the first post gets a 404
            await h.deliver()
            (meta,) = [m for m in slack.top_level() if "ALERT DELIVERY FAILING" in m.all_text]
            assert "webhook answered HTTP 404" in meta.all_text
            assert len(webhook.requests) == 2  # the other alert went through afterwards
            assert await h.app.selfwatch.check_sinks() == 1  # the webhook delivers again
            await h.deliver()
            (reply,) = slack.thread(meta.ts)
            assert "ALERT DELIVERY OK" in reply.all_text

    asyncio.run(scenario())


def test_a_probe_taken_out_of_the_configuration_is_no_longer_stale(
    sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with Harness(one_probe(sim_url, db, slack=slack), sink_env(), clock) as h:
            clock.advance(181)
            assert await h.app.selfwatch.tick() == 1  # stale: it never ran
            await h.deliver()
            (root,) = slack.top_level()
            # the next deploy removes the probe; its stale event must not remind forever
            without = h.app.config.model_copy(update={"probes": []})
            redeployed = SelfWatch(h.app.store, h.app.db, clock, without, list(h.app.sinks))
            assert await redeployed.check_stale() == 1  # the resolution
            assert await redeployed.check_stale() == 0
            await h.deliver()
            (reply,) = slack.thread(root.ts)
            # the reply says why it resolved: the probe is gone, the monitor did not catch up
            assert "PROBE REMOVED" in reply.all_text
            assert "the probe is no longer in the configuration" in reply.all_text
            assert "CAUGHT UP" not in reply.all_text
            assert "✅" in reply.all_text  # a resolution, and read as one
            stale = h.app.store.list_events(probes=("p",))
            assert [(e.kind, e.state) for e in stale] == [("monitor-stale", "resolved")]
            (event,) = stale
            reasons = [t.reason for t in h.app.store.event_detail(event.id).transitions]
            assert sorted(reasons) == ["opened", "removed", "suspected"]

    asyncio.run(scenario())
