"""No alert is lost when the dispatcher is killed mid-delivery, and at most one copy is added.

A real process (``tests.fakes.crashing_dispatcher``) is SIGKILLed at a defined point; the next
process (the test, with its clock past the lease) delivers what the dead one left behind:
- killed before the send: the alert is sent once;
- killed after the send, before recording it: the alert is re-sent with the same idempotency
  key — the webhook receiver sees two copies with one key; Slack finds the first message by
  its metadata and does not post again.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.simulator import Simulator
from monitor.storage.sql.tables import delivery_attempts_table
from tests.alerts.conftest import Harness, alerts_config, probes_config, sink_env
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import SlackApi
from tests.fakes.webhook_receiver import WebhookReceiver

REPO = Path(__file__).resolve().parents[2]


def _kill_dispatcher_at(config: Path, point: str, env: dict[str, str]) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fakes.crashing_dispatcher", str(config), point],
        env={**os.environ, **env, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode


def _attempts(h: Harness) -> list[str]:
    table = delivery_attempts_table
    with h.app.store.engine.connect() as conn:
        return [r.result for r in conn.execute(sa.select(table).order_by(table.c.id))]


@pytest.mark.parametrize("point", ["before_send", "after_send"])
@pytest.mark.parametrize("sink", ["slack", "webhook"])
def test_a_dispatcher_killed_mid_delivery_loses_nothing(
    point: str,
    sink: str,
    sim: Simulator,
    sim_url: str,
    tmp_path: Path,
    slack: SlackApi,
    webhook: WebhookReceiver,
) -> None:
    db = f"sqlite:///{tmp_path / 'restart.db'}"
    sinks = {"slack": slack} if sink == "slack" else {"webhook": webhook}
    text = probes_config(sim_url, db, ["p"]) + alerts_config(**sinks)  # type: ignore[arg-type]
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    env = sink_env()
    # The runs happened a few minutes ago (the killed process uses the real clock).
    start = datetime.now(UTC) - timedelta(minutes=5)

    async def prepare() -> None:
        async with Harness(text, env, FakeClock(start)) as h:
            await h.run()
            sim.set_scenario("drop-usage")
            await h.run(step_s=1)
            await h.run(step_s=1)  # the event opens: one outbox row, not delivered

    asyncio.run(prepare())
    assert _kill_dispatcher_at(config, point, env) == -9
    sent_before = len(slack.calls("chat.postMessage")) + len(webhook.requests)
    assert sent_before == (0 if point == "before_send" else 1)

    async def restart() -> None:
        later = FakeClock(datetime.now(UTC) + timedelta(minutes=5))  # past the 60 s lease
        async with Harness(text, env, later) as h:
            assert await h.deliver() == 1
            (row,) = h.outbox()
            assert row["state"] == "delivered"
            assert _attempts(h) == ["unknown", "delivered"]
            if sink == "slack":
                (message,) = slack.top_level()  # one message either way
                assert row["external_ref"] == message.ts
                posts = len(slack.calls("chat.postMessage"))
                assert posts == 1
            else:
                (key,) = webhook.keys()  # every copy carries the same key
                assert webhook.keys()[key] == (1 if point == "before_send" else 2)

    asyncio.run(restart())
