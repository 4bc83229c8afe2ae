"""Every replica stopped for a while, then ``monitor run`` again: the slots in between are
``skipped`` rows saying no replica was running, never silently absent (real processes, the
simulator, SQLite and PostgreSQL)."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.config.schema import ProbeConfig
from monitor.runner.scheduler import slot_time, trigger_for
from monitor.runner.slots import MISSED
from monitor.storage.sql.engine import create_db_engine
from monitor.storage.sql.migrate import upgrade
from monitor.storage.sql.tables import runs_table as runs
from tests.conftest import API_ANY_PORT, SIM_KEY, chat_probe_config, write_config
from tests.integration.processes import MonitorProcess, scalar, wait_until

DOWNTIME_S = 3.0


def _schedule(start: datetime, end: datetime) -> list[datetime]:
    """The slots of the test's probe (chat-basic, every 1s) in [start, end]."""
    probe = ProbeConfig.model_validate(
        {"name": "chat-basic", "target": "sim", "model": "m", "messages": [{}], "every": "1s"}
    )
    trigger = trigger_for(probe)
    out = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and slot_time(fire) <= end:
        out.append(slot_time(fire))
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return out


def _run_until(process: MonitorProcess, ready: Callable[[], bool], what: str) -> None:
    """Wait for ``ready``, then SIGTERM; the process must stop cleanly."""
    try:
        wait_until(ready, 30, what)
        process.signal(signal.SIGTERM)
        code = process.wait(20)
    finally:
        process.stop()
    assert code == 0, process.stderr()[-2000:]


@pytest.mark.slow
def test_slots_missed_while_no_replica_ran_are_recorded_skipped_after_a_restart(
    db_url: str, sim_url: str, tmp_path: Path
) -> None:
    # a 3 s lease (timeout 2 s + margin 1 s): the gap's skips are due soon after the restart
    text = chat_probe_config(sim_url, db_url, extra="timeout: 2s").replace(
        "every: 60s", "every: 1s"
    )
    text = text.replace("storage: {", "storage: {lease_margin: 1s, ")
    config = write_config(tmp_path, text + API_ANY_PORT)
    env = {"SIM_API_KEY": SIM_KEY, "MONITOR_DATABASE_URL": db_url}
    engine = create_db_engine(db_url)
    upgrade(engine)  # the tables exist before the first process creates them (SQLite)
    executed = "SELECT count(*) FROM runs WHERE outcome = 'pass'"

    first = MonitorProcess(config, env, tmp_path / "first.log")
    _run_until(first, lambda: scalar(engine, executed) >= 2, "the first process to run 2 slots")
    with engine.connect() as conn:  # what the restarted process will read
        stored = conn.execute(sa.select(sa.func.max(runs.c.slot_at))).scalar_one()
    time.sleep(DOWNTIME_S)  # no replica runs
    restarted_at = datetime.now(UTC)
    second = MonitorProcess(config, env, tmp_path / "second.log")
    _run_until(
        second,
        lambda: scalar(engine, "SELECT count(*) FROM runs WHERE note = :r", r=MISSED) >= 3,
        "the restarted process to record the gap",
    )

    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(runs.c.slot_at, runs.c.outcome, runs.c.note)
            .where(runs.c.slot_at.is_not(None))
            .order_by(runs.c.slot_at)
        ).all()
    engine.dispose()
    by_slot = {r.slot_at: r for r in rows}
    ran = [r.slot_at for r in rows if r.outcome != "skipped"]
    first_after = min(s for s in ran if s > stored)  # the restarted process's first run

    gap = _schedule(stored + timedelta(milliseconds=1), first_after - timedelta(milliseconds=1))
    assert len(gap) >= 3  # at least the downtime's worth of slots
    assert [s for s in gap if s not in by_slot] == []  # none silently absent
    assert {by_slot[s].outcome for s in gap} == {"skipped"}
    # the slots before the restart say why; only a slot between the start and the scheduler's
    # first run (a late first fire on a loaded machine) could carry another reason
    assert {by_slot[s].note for s in gap if s < restarted_at} == {MISSED}
    # and no slot anywhere from the first run to the last is absent
    everything = _schedule(min(ran), max(ran))
    assert [s for s in everything if s not in by_slot] == []
    # one log line for the gap, not one per slot ("chat-basic: N slots missed HH:MM:SS–…")
    log = (tmp_path / "second.log").read_text(encoding="utf-8", errors="replace")
    assert log.count("slots missed") == 1, log[-2000:]
    assert ": skipped (missed" not in log  # the per-slot line of earlier releases
