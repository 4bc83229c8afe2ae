"""``/metrics`` parsed with Prometheus' own parser; ``/healthz`` from the heartbeat (this
process's, or a scheduler replica's in the database); ``/readyz`` from the database and schema;
``monitor healthcheck`` against them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from monitor import __version__
from monitor.api.routes import ApiDeps, build_api
from monitor.ids import new_id
from monitor.selfcheck.health import Health, Heartbeat
from monitor.storage import create_store
from monitor.telemetry.metrics import MonitorMetrics
from tests.incident import INCIDENT_START, RunningApi, StepClock, make_app, run_probe


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return 0.0


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_runs_and_read_probe_state_from_the_database(
    tmp_path: Path, sim: Any, sim_url: str, db_url: str
) -> None:
    app = make_app(tmp_path, sim_url, db_url, clock=StepClock())
    assert app.metrics is not None

    async def go() -> str:
        try:
            for _ in range(2):
                await run_probe(app)
            sim.set_scenario("auth-rejects")
            await run_probe(app)
            app.observer.slot_started(
                "chat-basic", INCIDENT_START, INCIDENT_START + timedelta(seconds=2)
            )
            app.observer.delivery_attempted("console", "delivered", 12.0)
            app.observer.run_skipped("chat-basic", "sim", "budget")
            assert app.metrics is not None
            return app.metrics.exposition().decode()  # scraped while the store is open
        finally:
            await app.aclose()

    samples = _samples(asyncio.run(go()))
    labels = (("outcome", "pass"), ("probe", "chat-basic"), ("target", "sim"))
    assert samples[("monitor_runs_total", labels)] == 2
    failed = (("outcome", "fail"), ("probe", "chat-basic"), ("target", "sim"))
    assert samples[("monitor_runs_total", failed)] == 1
    skipped = (("outcome", "skipped"), ("probe", "chat-basic"), ("target", "sim"))
    assert samples[("monitor_runs_total", skipped)] == 1
    assert samples[("monitor_run_latency_seconds_count", (("probe", "chat-basic"),))] == 3
    assert samples[("monitor_scheduler_lateness_seconds_sum", (("probe", "chat-basic"),))] == 2
    assert (
        samples[("monitor_alert_deliveries_total", (("result", "delivered"), ("sink", "console")))]
        == 1
    )
    assert samples[("monitor_database_up", ())] == 1
    probe = (("probe", "chat-basic"), ("target", "sim"))
    assert samples[("monitor_probe_up", probe)] == 0  # the latest run failed
    # StepClock: the last success started 4 clock steps before the scrape's "now"
    assert samples[("monitor_seconds_since_last_success", probe)] > 0
    assert samples[("monitor_open_events", (("severity", "breaking"),))] == 0


def test_metrics_answer_even_when_the_database_does_not() -> None:
    def broken() -> Any:
        raise RuntimeError("connection refused")

    metrics = MonitorMetrics(broken, lambda: INCIDENT_START)
    samples = _samples(metrics.exposition().decode())
    assert samples[("monitor_database_up", ())] == 0


def test_healthz_follows_this_process_heartbeat(tmp_path: Path, sqlite_url: str) -> None:
    clock = FixedClock(INCIDENT_START)
    store = create_store(sqlite_url, lambda: new_id(clock.now()), auto_upgrade=True)
    from monitor.blocking import BlockingPool

    db = BlockingPool(1, "db")
    try:
        heartbeat = Heartbeat(store, db, clock, "replica-a")
        health = Health(store, clock, heartbeat)
        assert not health.liveness().ok  # never beaten yet
        asyncio.run(heartbeat.beat())
        assert health.liveness().ok
        clock.current += timedelta(minutes=5)
        check = health.liveness()
        assert not check.ok
        assert check.detail["last_beat"] == "2026-05-08T14:00:00Z"
        # another process (monitor api) sees the beat in the database
        (beat,) = store.list_beats("scheduler")
        assert beat.replica == "replica-a"
        assert beat.version == __version__
    finally:
        db.shutdown()
        store.close()


def test_api_only_healthz_reads_scheduler_heartbeats_from_the_database(
    tmp_path: Path, db_url: str
) -> None:
    clock = FixedClock(INCIDENT_START)
    store = create_store(
        db_url, lambda: new_id(clock.now()), auto_upgrade=db_url.startswith("sqlite")
    )
    try:
        health = Health(store, clock)
        assert not health.liveness().ok  # no scheduler has ever beaten
        store.beat("replica-b", "scheduler", INCIDENT_START, INCIDENT_START, __version__)
        assert health.liveness().ok
        clock.current += timedelta(minutes=2)
        assert not health.liveness().ok
        store.forget_beat("replica-b")
        assert store.list_beats() == []
    finally:
        store.close()


def test_readyz_needs_the_schema_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    store = create_store(url, lambda: new_id(datetime.now(UTC)))
    try:
        health = Health(store, FixedClock(INCIDENT_START))
        check = health.readiness()
        assert not check.ok
        assert check.detail["schema"] is None
        store.upgrade()
        assert health.readiness().ok
    finally:
        store.close()


def test_readyz_reports_an_unreachable_database_without_its_url() -> None:
    store = create_store(
        "postgresql+psycopg://monitor:s3cret@127.0.0.1:9/none?connect_timeout=2",
        lambda: "x",
    )
    try:
        check = Health(store, FixedClock(INCIDENT_START)).readiness()
    finally:
        store.close()
    assert not check.ok
    assert check.detail["database"] == "unreachable"
    assert "s3cret" not in str(check.detail)


def test_monitor_healthcheck_exits_0_when_healthy_and_1_when_not(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    clock = FixedClock(INCIDENT_START)
    store = create_store(sqlite_url, lambda: new_id(clock.now()), auto_upgrade=True)
    try:
        metrics = MonitorMetrics()
        from monitor.config.schema import Config

        deps = ApiDeps(store, Config(), clock, Health(store, clock), metrics, None)
        with RunningApi(build_api(deps)) as api:
            sick = cli("healthcheck", "--url", api.url)
            assert sick.code == 1
            assert "unhealthy" in sick.out
            assert "503" in sick.out
            store.beat("replica-c", "scheduler", clock.now(), clock.now(), __version__)
            well = cli("healthcheck", "--url", api.url)
            assert well.code == 0, well.out
            ready = cli("healthcheck", "--ready", "--url", api.url)
            assert ready.code == 0, ready.out
        gone = cli("healthcheck", "--url", api.url, "--timeout", "2")
        assert gone.code == 1
        assert "cannot reach" in gone.out
    finally:
        store.close()
