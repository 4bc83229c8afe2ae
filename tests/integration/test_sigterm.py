"""SIGTERM on a real ``monitor run`` (PostgreSQL): runs in flight finish within the grace, the
ones that cannot are cancelled and their claims handed back at once, queued alerts are
delivered before exit, and the process exits 0 within grace + drain."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.ids import new_id
from monitor.simulator import Simulator
from monitor.storage import create_store
from tests.conftest import SIM_KEY, write_config
from tests.fakes.otlp_receiver import Receiver
from tests.integration.processes import MonitorProcess, scalar, wait_until

GRACE_S = 3


@pytest.fixture
def slow_and_hanging() -> Iterator[tuple[str, str]]:
    slow = Simulator(api_key=SIM_KEY, scenario="slow", slow_seconds=1.0)
    hang = Simulator(api_key=SIM_KEY, scenario="slow", slow_seconds=120.0)
    with slow.serve() as slow_url, hang.serve() as hang_url:
        yield slow_url, hang_url


CONFIG = """
environment: test
api: {{listen: "127.0.0.1:0"}}
targets:
  slow: {{base_url: "{slow}", api_key_env: SIM_API_KEY}}
  hang: {{base_url: "{hang}", api_key_env: SIM_API_KEY}}
  down: {{base_url: "http://127.0.0.1:9", api_key_env: SIM_API_KEY}}
probes:
  - {{name: finishes, target: slow, every: 1s, timeout: 10s, {common}}}
  - {{name: hangs, target: hang, every: 1s, timeout: 60s, {common}}}
  - {{name: failing, target: down, every: 1s, timeout: 2s, {common}}}
"""
COMMON = (
    'model: gpt-4o-mini, messages: [{role: user, content: "contract_probe"}], '
    "params: {max_tokens: 8}, retries: {attempts: 1}, "
    "events: {open_after: 2, window: 3, resolve_after: 2}"
)


def test_sigterm_finishes_runs_in_flight_releases_the_rest_and_flushes_alerts(
    pg_url: str, tmp_path: Path, slow_and_hanging: tuple[str, str], receiver: Receiver
) -> None:
    slow_url, hang_url = slow_and_hanging
    config = write_config(tmp_path, CONFIG.format(slow=slow_url, hang=hang_url, common=COMMON))
    env = {
        "SIM_API_KEY": SIM_KEY,
        "MONITOR_DATABASE_URL": pg_url,
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
    }
    engine = sa.create_engine(pg_url)
    monitor = MonitorProcess(
        config, env, tmp_path / "monitor.log", "--shutdown-grace", f"{GRACE_S}s"
    )
    try:
        mine = monitor.worker_pattern

        def in_flight(probe: str) -> int:
            return scalar(
                engine,
                "SELECT count(*) FROM runs WHERE state = 'claimed' AND probe = :p "
                "AND claimed_by LIKE :w",
                p=probe,
                w=mine,
            )

        wait_until(
            lambda: scalar(engine, "SELECT count(*) FROM outbox") > 0,
            60,
            "the failing probe to open an event and queue an alert",
        )
        wait_until(lambda: in_flight("finishes") > 0, 30, "a run of `finishes` in flight")
        wait_until(lambda: in_flight("hangs") > 0, 30, "a run of `hangs` in flight")
        with engine.connect() as conn:
            finishing = [
                r.id
                for r in conn.execute(
                    sa.text(
                        "SELECT id FROM runs WHERE state = 'claimed' AND probe = 'finishes' "
                        "AND claimed_by LIKE :w"
                    ),
                    {"w": mine},
                )
            ]
        began = time.monotonic()
        monitor.signal(signal.SIGTERM)
        code = monitor.wait(timeout=GRACE_S + 5 + 15)
        took = time.monotonic() - began
        stopped_at = datetime.now(UTC)
    finally:
        monitor.stop()
    err = monitor.stderr()
    assert code == 0, err
    assert "monitor: stopped" in err
    assert took < GRACE_S + 5 + 5, took
    with engine.connect() as conn:
        # runs in flight that could finish within the grace were completed
        states = {
            r.id: r.state
            for r in conn.execute(
                sa.text("SELECT id, state FROM runs WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": finishing},
            )
        }
        assert states == dict.fromkeys(finishing, "completed")
        finished_traces = {
            r.trace_id
            for r in conn.execute(
                sa.text("SELECT trace_id FROM runs WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": finishing},
            )
        }
        # the hanging run was cancelled and handed back: no lease of ours is left
        hanging = conn.execute(
            sa.text(
                "SELECT claimed_by, lease_until FROM runs WHERE state = 'claimed' "
                "AND probe = 'hangs'"
            )
        ).all()
        outbox_states = [r.state for r in conn.execute(sa.text("SELECT state FROM outbox"))]
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM runs WHERE state = 'claimed' AND claimed_by LIKE :w "
            "AND claimed_by NOT LIKE '%(released)'",
            w=mine,
        )
        == 0
    )
    assert len(hanging) >= 1
    assert all(r.claimed_by.endswith(" (released)") for r in hanging)
    assert all(r.lease_until <= stopped_at for r in hanging)
    # every queued alert was delivered before exit, once each
    assert outbox_states
    assert set(outbox_states) == {"delivered"}
    assert err.count("[PROBE FAILING] failing @ down") == len(outbox_states)
    # another replica takes the released run over at once, and the run says why
    store = create_store(pg_url, lambda: new_id(stopped_at))
    try:
        taken = store.take_over_expired(datetime.now(UTC), "replica-next", {})
    finally:
        store.close()
    assert {t.claim.probe for t in taken} == {"hangs"}
    assert all(t.released for t in taken)
    engine.dispose()
    # the span exporter was flushed on exit: the runs finished during the grace were exported
    exported = {span.trace_id.hex() for _, span in receiver.spans() if span.name.startswith("chat")}
    assert finished_traces <= exported
