"""A database outage delays results but never drops them: runs wait in the spool and are
recorded, once each, when the database answers again."""

from __future__ import annotations

import asyncio
import io
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.app import build_app
from monitor.config.loader import parse_config
from monitor.errors import StorageError
from monitor.runner.result import RunResult
from monitor.service import serve
from tests.conftest import SIM_KEY, chat_probe_config
from tests.fakes.tcp_proxy import TcpProxy
from tests.incident import run_probe


def _completed(url: str) -> list[sa.Row]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "SELECT slot_at, outcome, trace_id FROM runs "
                        "WHERE state = 'completed' ORDER BY slot_at"
                    )
                )
            )
    finally:
        engine.dispose()


async def _until(check: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


def test_runs_during_a_database_outage_are_spooled_and_recorded_once_it_returns(
    pg_url: str, sim_url: str, tmp_path: Path
) -> None:
    proxy = TcpProxy()
    port = proxy.start()
    through_proxy = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    spool = tmp_path / "spool"
    text = chat_probe_config(sim_url, through_proxy).replace("every: 60s", "every: 1s")
    text += f'api: {{enabled: false}}\nstorage: {{url: "{through_proxy}", spool_dir: "{spool}"}}\n'
    text = text.replace(f'storage: {{url: "{through_proxy}"}}\n', "", 1)
    loaded = parse_config(text, "outage.yaml", {"SIM_API_KEY": SIM_KEY})
    env = {"SIM_API_KEY": SIM_KEY}

    async def scenario() -> tuple[int, int]:
        app = build_app(loaded, env=env, stderr=io.StringIO())
        stop = asyncio.Event()
        service = asyncio.create_task(serve(app, stop))
        try:
            await _until(lambda: len(_completed(pg_url)) >= 2, 30, "runs before the outage")
            proxy.stop()
            before = len(_completed(pg_url))
            await _until(lambda: len(list(spool.glob("*.json"))) >= 3, 30, "spooled runs")
            spooled = len(list(spool.glob("*.json")))
            proxy.start()
            await _until(lambda: not list(spool.glob("*.json")), 30, "the spool to drain")
            return before, spooled
        finally:
            stop.set()
            await service
            await app.aclose()

    try:
        before, spooled = asyncio.run(scenario())
    finally:
        proxy.close()
    runs = _completed(pg_url)
    slots = [r.slot_at for r in runs]
    assert len(slots) == len(set(slots)), "a slot was recorded twice"
    assert len(runs) >= before + spooled
    assert {r.outcome for r in runs} == {"pass"}
    assert all(r.trace_id for r in runs)


def test_a_budgeted_probe_is_spooled_when_the_database_is_down(
    pg_url: str, sim_url: str, tmp_path: Path
) -> None:
    # the budget's spend is read from the database before the claim: losing the database there
    # must be a retryable StorageError like everywhere else, and the run is spooled, not lost
    proxy = TcpProxy()
    port = proxy.start()
    through_proxy = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    spool = tmp_path / "spool"
    text = chat_probe_config(sim_url, through_proxy).replace(
        "    api_key_env: SIM_API_KEY\n",
        "    api_key_env: SIM_API_KEY\n    budget: {requests_per_minute: 10}\n",
    )
    text = text.replace(
        f'storage: {{url: "{through_proxy}"}}\n',
        f'storage: {{url: "{through_proxy}", spool_dir: "{spool}"}}\n',
    )
    loaded = parse_config(text, "budget.yaml", {"SIM_API_KEY": SIM_KEY})

    async def scenario() -> RunResult:
        app = build_app(loaded, env={"SIM_API_KEY": SIM_KEY}, stderr=io.StringIO())
        try:
            await run_probe(app)  # the database is up: spend is read and remembered
            proxy.stop()
            with pytest.raises(StorageError) as caught:
                app.store.recent_spend("sim", datetime.now(UTC))
            assert caught.value.retryable
            return await run_probe(app)
        finally:
            await app.aclose()

    try:
        row = asyncio.run(scenario())
    finally:
        proxy.close()
    assert row.outcome is None
    assert str(row.note).startswith("spooled: ")
    assert len(list(spool.glob("*.json"))) == 1


def test_no_store_entry_point_opens_a_connection_around_the_error_mapping() -> None:
    # every SqlStore method reaches the database through StoreBase._begin() (or, for the
    # schema, unavailable_is_retryable()), so a lost database is always a StorageError
    root = Path(__file__).resolve().parents[2] / "monitor" / "storage" / "sql"
    for part in sorted(root.glob("store_*.py")):
        for number, line in enumerate(part.read_text(encoding="utf-8").splitlines(), 1):
            if "self.engine.begin()" in line or "self.engine.connect()" in line:
                assert "unavailable_is_retryable()" in line, f"{part.name}:{number}: {line}"
