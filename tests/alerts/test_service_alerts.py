"""``monitor run`` as a real process alerting a Slack stand-in: a two-probe outage is one
grouped message, both recoveries are replies in its thread, the opening message is redrawn,
and SIGTERM stops the service cleanly with nothing left undelivered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from monitor.simulator import Simulator
from tests.alerts.conftest import alerts_config, probes_config, sink_env
from tests.conftest import API_ANY_PORT
from tests.fakes.slack_api import SlackApi


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout_s}s"
        time.sleep(0.2)


def test_the_service_groups_an_outage_and_threads_the_recoveries(
    sim: Simulator, sim_url: str, tmp_path: Path, slack: SlackApi
) -> None:
    db = tmp_path / "service.db"
    text = (
        probes_config(sim_url, f"sqlite:///{db}", ["p1", "p2"]).replace("every: 60s", "every: 1s")
        + alerts_config(slack=slack, extra="group_window: 5s")
        + API_ANY_PORT
    )
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config)],
        env={**os.environ, **sink_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: db.exists() and db.stat().st_size > 0, "the service's start")
        sim.set_scenario("server-error")
        _wait(lambda: len(slack.top_level()) == 1, "the outage alert")
        (root,) = slack.top_level()
        assert "2 events on target sim" in root.all_text
        sim.set_scenario("healthy")
        _wait(lambda: "0 still open" in slack.find(root.ts).text, "the redrawn opening")
        _wait(lambda: len(slack.thread(root.ts)) == 1, "one reply for both recoveries")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert len(slack.top_level()) == 1  # nothing else reached the channel
    (reply,) = slack.thread(root.ts)  # the second recovery's; the first only redrew the root
    assert "All 2 events on target sim are resolved" in reply.all_text
    assert "PROBE RECOVERED" in reply.all_text
