"""Slack alerts end to end: simulator -> pipeline -> outbox -> slack-sdk -> Slack stand-in."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from monitor.simulator import Simulator
from tests.alerts.conftest import Harness, alerts_config, probes_config, sink_env
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import SlackApi


def _harness(sim_url: str, db: str, slack: SlackApi, clock: FakeClock, **kw: Any) -> Harness:
    text = probes_config(sim_url, db, ["chat-basic"]) + alerts_config(slack=slack, **kw)
    return Harness(text, sink_env(), clock)


def test_persistent_drift_is_one_slack_alert_and_resolves_in_its_thread(
    sim: Simulator, sim_url: str, db_url: str, slack: SlackApi, clock: FakeClock
) -> None:
    db = db_url  # SQLite and PostgreSQL

    async def scenario() -> None:
        async with _harness(sim_url, db, slack, clock) as h:
            await h.run()  # learns the baseline
            sim.set_scenario("drop-usage")
            for _ in range(5):  # the same drift on five runs
                await h.run()
                await h.deliver()
            (root,) = slack.top_level()
            text = root.all_text
            for expected in (
                "DRIFT OPEN",
                "chat-basic @ sim",
                "property-removed",
                "usage",
                "usage_billing_assumption / deployment_drift",
                "test",  # environment
                "platform-team",
                "https://runbooks.example/chat-basic",
                "monitor history --probe chat-basic --since 2h",
                "https://traces.example/trace/",
                "req_",
            ):
                assert expected in text, expected
            assert root.metadata["event_type"] == "contract_monitor_alert"
            opened = [r for r in h.outbox() if r["state"] == "delivered"]
            assert [r["external_ref"] for r in opened] == [root.ts]

            sim.set_scenario("healthy")
            await h.run()
            await h.run()
            await h.deliver()
            assert len(slack.top_level()) == 1  # nothing new at the top of the channel
            (reply,) = slack.thread(root.ts)
            assert "RESOLVED" in reply.all_text
            updated = slack.find(root.ts)
            assert updated.updates, "the opening message is redrawn with its state"
            assert "RESOLVED" in updated.all_text
            assert "✅" in updated.all_text

    asyncio.run(scenario())


def test_one_off_odd_response_sends_nothing(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with _harness(sim_url, db, slack, clock) as h:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run()  # one odd response
            sim.set_scenario("healthy")
            for _ in range(4):
                await h.run()
                await h.deliver()
            assert slack.calls("chat.postMessage") == []
            assert h.outbox() == []
            events = h.app.store.list_events(probes=("chat-basic",))
            assert [(e.kind, e.state) for e in events] == [("property-removed", "resolved")]

    asyncio.run(scenario())


def test_a_later_process_continues_the_thread_of_an_earlier_one(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with _harness(sim_url, db, slack, clock) as first:
            await first.run()
            sim.set_scenario("drop-usage")
            await first.run()
            await first.run()
            await first.deliver()
        (root,) = slack.top_level()
        # A new process: only the database remains.
        async with _harness(sim_url, db, slack, clock) as second:
            sim.set_scenario("healthy")
            await second.run()
            await second.run()
            await second.deliver()
        assert [m.thread_ts for m in slack.thread(root.ts)] == [root.ts]

    asyncio.run(scenario())


def test_a_resolution_waiting_for_its_opening_is_still_sent_in_the_shutdown_drain(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    """The opening waits out the group window; the resolution, queued behind it, is
    deferred. Shutdown's drain sends the opening and comes back for the resolution."""

    async def scenario() -> None:
        text = probes_config(
            sim_url, db, ["chat-basic"], events="{open_after: 1, window: 1, resolve_after: 1}"
        ) + alerts_config(slack=slack, extra="group_window: 30s")
        async with Harness(text, sink_env(), clock) as h:
            await h.run(step_s=1)  # learns the baseline
            sim.set_scenario("drop-usage")
            await h.run(step_s=1)  # opens: the opening waits for the 30 s group window
            sim.set_scenario("healthy")
            await h.run(step_s=1)  # resolves: the resolution waits for its opening
            assert await h.deliver(flush=False) == 0
            assert slack.top_level() == []
            await h.app.dispatcher.drain(timeout_s=10)
            (root,) = slack.top_level()  # the opening, redrawn once resolved
            assert root.updates
            (reply,) = slack.thread(root.ts)
            assert "RESOLVED" in reply.all_text
            assert {r["state"] for r in h.outbox()} == {"delivered"}

    asyncio.run(scenario())


def test_a_grouped_outage_recovering_one_probe_at_a_time_redraws_then_replies_once(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        text = probes_config(sim_url, db, ["a", "b"]) + alerts_config(slack=slack)
        async with Harness(text, sink_env(), clock) as h:
            await h.run()
            sim.set_scenario("server-error")
            await h.run()
            await h.run()
            await h.deliver()
            (root,) = slack.top_level()
            assert "2 events on target sim" in root.all_text

            sim.set_scenario("healthy")
            await h.run("a")
            await h.run("a")  # a recovers; b is still failing
            await h.deliver()
            assert slack.thread(root.ts) == []  # no notification for half a recovery
            assert "2 events on target sim: 1 still open" in slack.find(root.ts).text
            (a_resolved,) = [r for r in h.outbox() if _reason(r) == "resolved"]
            assert a_resolved["state"] == "delivered"
            assert a_resolved["external_ref"] == f"quiet:{root.ts}"  # delivered as the redraw

            await h.run("b")
            await h.run("b")
            await h.deliver()
            (reply,) = slack.thread(root.ts)
            assert "All 2 events on target sim are resolved" in reply.all_text
            assert "b:" in reply.all_text  # the last one to recover
            assert "0 still open" in slack.find(root.ts).text

    asyncio.run(scenario())


def _reason(row: dict[str, Any]) -> str:
    payload = row["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    return str(payload["transition"]["reason"])


def test_a_muted_member_recovering_first_does_not_keep_the_group_from_closing(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock
) -> None:
    async def scenario() -> None:
        text = probes_config(sim_url, db, ["a", "b"]) + alerts_config(slack=slack)
        async with Harness(text, sink_env(), clock) as h:
            await h.run()
            sim.set_scenario("server-error")
            await h.run()
            await h.run()
            await h.deliver()
            (root,) = slack.top_level()
            events = {e.probe: e.id for e in h.app.store.list_events(probes=("a", "b"))}
            closer = max(events.values())  # the member that would close the group
            h.app.store.mute_event(closer, until=clock.now() + timedelta(days=1), reason="noisy")
            first = next(p for p, e in events.items() if e == closer)
            other = next(p for p in events if p != first)

            sim.set_scenario("healthy")
            await h.run(first)
            await h.run(first)  # the muted member recovers: its resolution is held back
            await h.deliver()
            assert slack.thread(root.ts) == []
            await h.run(other)
            await h.run(other)
            await h.deliver()
            (reply,) = slack.thread(root.ts)  # the other one closes the group
            assert "All 2 events on target sim are resolved" in reply.all_text

    asyncio.run(scenario())
