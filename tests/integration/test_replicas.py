"""Three ``monitor run`` replicas on PostgreSQL, 20 probes every second against the simulator,
one replica killed with SIGKILL mid-way, then every probe drifts. Over the steady-state window:
no slot ran twice (each request is matched to its run by ``traceparent``), no slot is missing
beyond the lease, no alert was delivered twice."""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.config.schema import ProbeConfig
from monitor.runner.scheduler import slot_time, trigger_for
from monitor.simulator import Simulator
from tests.conftest import SIM_KEY, write_config
from tests.integration.processes import MonitorProcess, scalar, wait_until

PROBES = 20
LEASE = timedelta(seconds=4)  # timeout 2s + storage.lease_margin 2s
REAP_EVERY = timedelta(seconds=2)

CONFIG_HEAD = """
environment: test
storage: {lease_margin: 2s}
api: {enabled: false}  # three replicas on one host would share api.listen
targets:
  sim: {base_url: "URL", api_key_env: SIM_API_KEY, max_connections: 20, traceparent: true}
probes:
"""
PROBE = (
    "  - {{name: p{i:02d}, target: sim, every: 1s, timeout: 2s, model: gpt-4o-mini, "
    'messages: [{{role: user, content: "contract_probe"}}], params: {{max_tokens: 8}}, '
    "retries: {{attempts: 1}}, baseline: {{learn_runs: 2}}, "
    "events: {{open_after: 2, window: 3, resolve_after: 2}}}}\n"
)


@pytest.fixture
def slow_sim() -> Iterator[tuple[Simulator, str]]:
    # half a second per answer keeps a few runs in flight on every replica at any moment
    sim = Simulator(api_key=SIM_KEY, scenario="slow", slow_seconds=0.5)
    with sim.serve() as url:
        yield sim, url


def _expected_slots(name: str, start: datetime, end: datetime) -> list[datetime]:
    probe = ProbeConfig.model_validate(
        {"name": name, "target": "sim", "model": "m", "messages": [{}], "every": "1s"}
    )
    trigger = trigger_for(probe)
    out = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= end:
        out.append(slot_time(fire))
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return out


@pytest.mark.slow
def test_three_replicas_run_each_slot_once_survive_a_sigkill_and_alert_once(
    pg_url: str, tmp_path: Path, slow_sim: tuple[Simulator, str]
) -> None:
    sim, url = slow_sim
    text = CONFIG_HEAD.replace("URL", url) + "".join(PROBE.format(i=i) for i in range(PROBES))
    config = write_config(tmp_path, text)
    env = {"SIM_API_KEY": SIM_KEY, "MONITOR_DATABASE_URL": pg_url}
    engine = sa.create_engine(pg_url)
    replicas = [
        MonitorProcess(config, env, tmp_path / f"replica-{n}.log", "--shutdown-grace", "5s")
        for n in range(3)
    ]
    victim, survivors = replicas[0], replicas[1:]
    try:
        for r in replicas:
            wait_until(lambda r=r: "monitor: running" in r.stderr(), 60, "a replica to start")
        steady_from = datetime.now(UTC) + timedelta(seconds=2)
        wait_until(
            lambda: scalar(engine, "SELECT count(DISTINCT claimed_by) FROM runs") >= 3,
            30,
            "all three replicas to run slots",
        )
        time.sleep(3)  # let the three replicas run side by side for a while
        wait_until(
            lambda: (
                scalar(
                    engine,
                    "SELECT count(*) FROM runs WHERE state = 'claimed' AND claimed_by LIKE :w",
                    w=victim.worker_pattern,
                )
                > 0
            ),
            30,
            "the victim to hold runs in flight",
        )
        victim.signal(signal.SIGKILL)
        victim.wait(10)
        killed_at = time.monotonic()
        killed_wall = datetime.now(UTC)
        time.sleep(2)
        sim.set_scenario("slow,drop-usage")  # every probe drifts: one alert each, after the kill
        wait_until(
            lambda: (
                scalar(engine, "SELECT count(*) FROM outbox WHERE state = 'delivered'") >= PROBES
            ),
            60,
            "every probe's drift alert to be delivered",
        )
        # run on past the kill for longer than a lease and a reaper pass, so the window after
        # the kill is judged too
        time.sleep(max(0.0, killed_at + 14 - time.monotonic()))
        window_end = datetime.now(UTC) - LEASE - REAP_EVERY - timedelta(seconds=1)
        for r in survivors:
            r.signal(signal.SIGTERM)
        codes = [r.wait(30) for r in survivors]
    finally:
        for r in replicas:
            r.stop()
    assert codes == [0, 0], [r.stderr()[-2000:] for r in survivors]

    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT probe, slot_at, state, outcome, claimed_by, note, attempts, trace_id, "
                "status_code FROM runs WHERE slot_at IS NOT NULL"
            )
        ).all()
        deliveries = conn.execute(
            sa.text(
                "SELECT o.id, o.state, count(a.id) AS tries FROM outbox o "
                "LEFT JOIN delivery_attempts a ON a.outbox_id = o.id GROUP BY o.id, o.state"
            )
        ).all()
    engine.dispose()
    by_slot = {(r.probe, r.slot_at): r for r in rows}
    assert len(by_slot) == len(rows)  # one row per slot (the key), so one completion per slot

    # no slot missing beyond the lease: every expected slot in the window has a completed row
    missing = []
    for i in range(PROBES):
        for slot in _expected_slots(f"p{i:02d}", steady_from, window_end):
            row = by_slot.get((f"p{i:02d}", slot))
            if row is None or row.state != "completed":
                missing.append((f"p{i:02d}", slot, row.state if row else None))
    assert missing == []
    in_window = [r for r in rows if steady_from <= r.slot_at <= window_end]
    assert window_end - killed_wall >= timedelta(seconds=4)  # the window reaches past the kill
    assert len(in_window) >= PROBES * 8
    skipped = [r for r in in_window if r.outcome == "skipped"]
    assert all(r.note for r in skipped)  # recorded, and saying why

    # the victim's unfinished runs were re-run by a survivor, and say so
    victim_id = re.compile(rf":{victim.proc.pid}:")
    reaped = [r for r in rows if r.note and victim_id.search(r.note) and "presumed dead" in r.note]
    assert reaped, "the SIGKILLed replica held runs in flight; none was re-run"
    assert all(r.state == "completed" and not victim_id.search(r.claimed_by) for r in reaped)

    # no slot executed twice. Every request names its run's span (``traceparent``), so each
    # request is matched to the run that sent it: a completed run sent exactly one, and the
    # requests no completed run claims are explained one for one by a re-run slot (its first
    # owner sent before dying, or outlived its lease on a starved host: the lease, not luck,
    # bounds the duplicates, and each is on record) or by a run left unfinished at shutdown.
    sent = Counter(
        q.headers.get("traceparent", "-").split("-")[1]
        for q in sim.requests
        if q.path.endswith("/chat/completions")
    )
    executed = [r for r in rows if r.state == "completed" and r.outcome != "skipped"]
    # one request per answered run; a run without an answer (a connect or pool timeout on a
    # starved host) may never have reached the simulator
    assert [r for r in executed if r.status_code and sent[r.trace_id] != 1] == []
    assert [r for r in executed if sent[r.trace_id] > 1] == []
    stray = sent - Counter(r.trace_id for r in executed)
    re_runs = [r for r in rows if r.note and r.note.startswith("re-run by")]
    unfinished = [r for r in rows if r.state != "completed"]
    explained = [(r.probe, r.slot_at, r.state, r.note) for r in re_runs + unfinished]
    assert stray.total() <= len(explained), (stray, explained)

    # no alert duplicated: one drift alert per probe, delivered once, in one replica's output
    assert len(deliveries) == PROBES
    assert {(d.state, d.tries) for d in deliveries} == {("delivered", 1)}
    # an opening is printed alone or as a line of a grouped alert (several probes of one target
    # opening together are one message)
    printed = Counter(
        m.group(1) or m.group(2)
        for r in replicas
        for m in re.finditer(
            r"\[DRIFT OPEN\] (p\d\d) @ sim|^  - (p\d\d): ", r.stderr(), re.MULTILINE
        )
    )
    assert printed == Counter({f"p{i:02d}": 1 for i in range(PROBES)})
