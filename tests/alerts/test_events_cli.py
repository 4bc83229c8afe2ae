"""``monitor events list|show|ack|mute``, ``monitor alert status`` and ``monitor check``'s own
alerts, run through ``main(argv)`` on a database the real pipeline filled."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.simulator import Simulator
from tests.alerts.conftest import Harness, alerts_config, probes_config, sink_env
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import SlackApi
from tests.fakes.webhook_receiver import WebhookReceiver


def _setup(tmp_path: Path, text: str) -> tuple[Path, FakeClock]:
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    # The CLI stamps acks and mutes with the real clock: start the test's clock there too.
    return config, FakeClock(datetime.now(UTC).replace(microsecond=0))


def _json(out: str) -> Any:
    return json.loads(out)


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_a_muted_event_is_recorded_but_not_sent_and_show_says_why(
    cli: Any, sim: Simulator, sim_url: str, db: str, slack: SlackApi, tmp_path: Path
) -> None:
    text = probes_config(sim_url, db, ["p"]) + alerts_config(slack=slack)
    config, clock = _setup(tmp_path, text)
    env = sink_env()

    async def scenario() -> None:
        async with Harness(text, env, clock) as h:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run()  # suspected
            listed = cli("events", "list", "--config", str(config), "--json", env=env)
            (event,) = _lines(listed.out)
            assert (event["state"], event["kind"], event["path"]) == (
                "suspected",
                "property-removed",
                "usage",
            )
            muted = cli(
                "events",
                "mute",
                event["event_id"][:13],
                "--for",
                "2h",
                "--reason",
                "vendor ticket 123",
                "--config",
                str(config),
                "--json",
                env=env,
            )
            assert muted.code == 0, muted.err
            until = datetime.fromisoformat(_json(muted.out)["muted_until"].replace("Z", "+00:00"))
            left = until - datetime.now(UTC)  # `mute` uses the real clock
            assert timedelta(hours=1, minutes=59) < left <= timedelta(hours=2)
            await h.run()  # opens while muted
            await h.deliver()
            assert slack.calls("chat.postMessage") == []
            shown = cli(
                "events", "show", event["event_id"], "--config", str(config), "--json", env=env
            )
            detail = _json(shown.out)
            assert detail["state"] == "open"
            assert [t["reason"] for t in detail["transitions"]] == ["suspected", "opened"]
            (delivery,) = detail["deliveries"]
            assert delivery["state"] == "suppressed"
            assert "muted until" in delivery["note"]
            assert "vendor ticket 123" in delivery["note"]
            table = cli("events", "show", event["event_id"], "--config", str(config), env=env)
            assert "suppressed" in table.out
            assert "vendor ticket 123" in table.out

    asyncio.run(scenario())


def test_reminders_go_into_the_thread_until_the_event_is_acknowledged(
    cli: Any, sim: Simulator, sim_url: str, db: str, slack: SlackApi, tmp_path: Path
) -> None:
    events = "{open_after: 2, window: 3, resolve_after: 2, remind_every: 2m}"
    text = probes_config(sim_url, db, ["p"], events=events) + alerts_config(slack=slack)
    config, clock = _setup(tmp_path, text)
    env = sink_env()

    async def scenario() -> None:
        async with Harness(text, env, clock) as h:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run()
            await h.run()  # opened
            await h.run()
            await h.run()  # two minutes later: a reminder
            await h.deliver()
            (root,) = slack.top_level()
            (reminder,) = slack.thread(root.ts)
            assert "STILL OPEN" in reminder.all_text
            (event,) = _lines(cli("events", "list", "--config", str(config), "--json", env=env).out)
            acked = cli(
                "events",
                "ack",
                event["event_id"],
                "--by",
                "alice",
                "--config",
                str(config),
                env=env,
            )
            assert acked.code == 0
            assert "acknowledged by alice" in acked.out
            await h.run()
            await h.run()  # the next reminder is due, and held
            await h.deliver()
            assert len(slack.thread(root.ts)) == 1
            listed = cli("events", "list", "--config", str(config), env=env)
            assert "acked by alice" in listed.out
            sim.set_scenario("healthy")
            await h.run()
            await h.run()
            await h.deliver()
            assert "RESOLVED" in slack.thread(root.ts)[-1].all_text  # still posted after an ack

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "when",
    [
        'start: "2026-05-08T13:30:00Z", end: "2026-05-08T15:00:00Z"',
        'cron: "0 14 * * *", duration: 2h',  # every day 14:00-16:00 UTC
    ],
    ids=["one-off", "recurring"],
)
def test_alerts_inside_a_maintenance_window_are_suppressed(
    sim: Simulator, sim_url: str, db: str, slack: SlackApi, clock: FakeClock, when: str
) -> None:
    window = f'maintenance:\n  - {{{when}, targets: [sim], reason: "provider migration"}}\n'
    text = probes_config(sim_url, db, ["p"], extra=window) + alerts_config(slack=slack)

    async def scenario() -> None:
        async with Harness(text, sink_env(), clock) as h:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run()
            await h.run()
            await h.deliver()
            assert slack.calls("chat.postMessage") == []
            (row,) = h.outbox()
            assert row["state"] == "suppressed"
            assert "maintenance window" in row["last_error"]
            assert "provider migration" in row["last_error"]

    asyncio.run(scenario())


def test_alert_status_shows_each_sink_and_the_failing_one(
    cli: Any,
    sim: Simulator,
    sim_url: str,
    db: str,
    slack: SlackApi,
    webhook: WebhookReceiver,
    tmp_path: Path,
) -> None:
    text = probes_config(sim_url, db, ["p"]) + alerts_config(
        slack=slack, webhook=webhook, channel="C0PLATFRM1"
    )
    config, clock = _setup(tmp_path, text)
    env = sink_env()

    async def scenario() -> None:
        async with Harness(text, env, clock) as h:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run()
            await h.run()
            await h.deliver()

    asyncio.run(scenario())
    result = cli("alert", "status", "--config", str(config), "--json", env=env)
    assert result.code == 0, result.err
    status = _json(result.out)
    sinks = {s["sink"]: s for s in status["sinks"]}
    assert (sinks["slack"]["failed"], sinks["slack"]["delivered"]) == (1, 0)
    assert "not_in_channel" in sinks["slack"]["last_error"]
    assert (sinks["webhook"]["delivered"], sinks["webhook"]["failed"]) == (2, 0)
    (waiting,) = status["waiting"]
    assert (waiting["sink"], waiting["state"], waiting["permanent"]) == ("slack", "failed", True)
    (health,) = status["health"]
    assert (health["kind"], health["target"]) == ("delivery-failing", "slack")
    table = cli("alert", "status", "--config", str(config), env=env).out
    assert "not_in_channel" in table
    assert "OPEN delivery-failing: @monitor @ slack" in table


def test_check_delivers_its_batch_as_one_grouped_alert_before_exiting(
    cli: Any, sim: Simulator, sim_url: str, db: str, slack: SlackApi, tmp_path: Path
) -> None:
    text = probes_config(sim_url, db, ["a", "b", "c"]) + alerts_config(slack=slack)
    config, _clock = _setup(tmp_path, text)
    env = sink_env()
    assert cli("check", "--config", str(config), "--json", env=env).code == 0
    sim.set_scenario("server-error")
    assert cli("check", "--config", str(config), "--json", env=env).code == 1
    assert slack.calls("chat.postMessage") == []  # suspected only
    assert cli("check", "--config", str(config), "--json", env=env).code == 1
    (root,) = slack.top_level()
    assert "3 events on target sim" in root.all_text
    status = _json(cli("alert", "status", "--config", str(config), "--json", env=env).out)
    assert [(s["sink"], s["pending"], s["delivered"]) for s in status["sinks"]] == [("slack", 0, 3)]


def test_unknown_event_is_a_usage_error(cli: Any, db: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f'storage: {{url: "{db}"}}\n', encoding="utf-8")
    assert cli("db", "upgrade", "--config", str(config)).code == 0  # reading never creates one
    result = cli("events", "show", "0123456789", "--config", str(config))
    assert result.code == 2
    assert "no event '0123456789'" in result.err


def test_an_unset_sink_secret_stops_check_with_a_clear_error(
    cli: Any, sim_url: str, db: str, slack: SlackApi, tmp_path: Path
) -> None:
    text = probes_config(sim_url, db, ["p"]) + alerts_config(slack=slack)
    config, _clock = _setup(tmp_path, text)
    env = {k: v for k, v in sink_env().items() if k != "SLACK_BOT_TOKEN"}
    result = cli("check", "--config", str(config), env=env)
    assert result.code == 2
    assert "alerts.slack.token_env: environment variable SLACK_BOT_TOKEN is not set" in result.err
    assert not (tmp_path / "alerts.db").exists()  # nothing was opened or written
