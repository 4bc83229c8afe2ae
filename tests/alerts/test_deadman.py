"""The dead man's switch: pings while healthy; silence (never a ping) while a probe is stale,
a sink fails or the database is gone; the ping URL, a credential, never reaches a log."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.blocking import BlockingPool
from monitor.errors import StorageError
from monitor.selfcheck.deadman import DeadmanSwitch
from monitor.simulator import Simulator
from tests.alerts.conftest import Harness, one_probe, probes_config, sink_env
from tests.fakes.clock import FakeClock
from tests.fakes.http_fake import Reply
from tests.fakes.ping_checker import CHECK_UUID, PingChecker
from tests.integration.processes import wait_until

EVERY = timedelta(seconds=60)


@pytest.fixture
def checker() -> Iterator[PingChecker]:
    server = PingChecker()
    with server.serve():
        yield server


def _switch(h: Harness, url: str) -> DeadmanSwitch:
    return DeadmanSwitch(url=url, store=h.app.store, db=h.app.db, every=EVERY)


def test_it_pings_while_healthy_and_falls_silent_while_a_probe_is_stale(
    sim_url: str, db: str, clock: FakeClock, checker: PingChecker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, httpx included: the URL must not appear
    caplog.set_level(logging.INFO, logger="monitor.selfcheck.deadman")

    async def scenario() -> None:
        async with Harness(one_probe(sim_url, db), sink_env(), clock) as h:
            switch = _switch(h, checker.url)
            try:
                await h.run()
                assert await switch.tick() is True
                assert checker.pings() == 1
                clock.advance(181)  # three intervals without a run: the probe is stale
                assert await h.app.selfwatch.tick() == 1
                assert await switch.tick() is False
                assert await switch.tick() is False
                assert checker.pings() == 1  # silence: the checker alerts on its own
                await h.run()  # runs resume; the stale event resolves
                await h.app.selfwatch.tick()
                assert await switch.tick() is True
                assert checker.pings() == 2
            finally:
                switch.close()

    asyncio.run(scenario())
    withheld = [r.message for r in caplog.records if "not pinging" in r.message]
    assert withheld == ["dead man's switch: not pinging: monitor-stale is open for p @ sim"]
    assert any("healthy again" in r.message for r in caplog.records)
    assert CHECK_UUID not in caplog.text


def test_a_failing_checker_or_an_unreachable_one_is_logged_without_the_url(
    sim_url: str, db: str, clock: FakeClock, checker: PingChecker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="monitor.selfcheck.deadman")

    async def scenario() -> None:
        async with Harness(one_probe(sim_url, db), sink_env(), clock) as h:
            checker.answer("ping", Reply(500, "down"))
            switch = _switch(h, checker.url)
            refused = _switch(h, f"http://127.0.0.1:9/ping/{CHECK_UUID}")
            try:
                assert await switch.tick() is False
                assert await refused.tick() is False
                assert await switch.tick() is True  # the checker is back
            finally:
                switch.close()
                refused.close()

    asyncio.run(scenario())
    assert "the checker answered HTTP 500" in caplog.text
    assert "ping failed: ConnectError" in caplog.text
    assert CHECK_UUID not in caplog.text


class _DatabaseGone:
    def open_self_events(self) -> list[dict[str, Any]]:
        raise StorageError("the database is unavailable: connection refused", retryable=True)


def test_no_ping_while_the_database_does_not_answer(checker: PingChecker) -> None:
    async def scenario() -> None:
        db = BlockingPool(1, "db")
        switch = DeadmanSwitch(url=checker.url, store=_DatabaseGone(), db=db, every=EVERY)  # type: ignore[arg-type]
        try:
            assert await switch.tick() is False
            assert switch.withheld == "the database does not answer (StorageError)"
        finally:
            switch.close()
            db.shutdown()

    asyncio.run(scenario())
    assert checker.pings() == 0


def test_monitor_run_pings_the_checker_and_monitor_check_needs_no_ping_url(
    sim: Simulator, sim_url: str, tmp_path: Path, checker: PingChecker, cli: Any
) -> None:
    db = tmp_path / "deadman.db"
    text = probes_config(sim_url, f"sqlite:///{db}", ["p"]).replace("every: 60s", "every: 1s")
    text += "alerts:\n  console: {}\n  deadman: {url_env: DEADMAN_URL, every: 1s}\n"
    text += "api: {enabled: false}\n"
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")

    check = cli("check", "--config", str(config), env=sink_env())
    assert check.code == 0, check.err  # check sends no ping and needs no ping URL
    missing = cli("run", "--config", str(config), env=sink_env())
    assert missing.code == 2
    assert "alerts.deadman.url_env: environment variable DEADMAN_URL is not set" in missing.err

    env = {**os.environ, **sink_env(), "DEADMAN_URL": checker.url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: checker.pings() >= 2, 30, "two pings from monitor run")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert CHECK_UUID not in err
