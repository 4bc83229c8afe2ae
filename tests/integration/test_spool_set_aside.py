"""A truncated spool file (issue #16): it used to stop replay at that file, so the valid runs
behind it were never recorded and every ``monitor check`` exited 1 with a traceback. A real
outage through a TCP proxy in front of PostgreSQL, the ``monitor check`` command in-process."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.app import build_app
from monitor.config.loader import load_config
from tests.conftest import SIM_KEY, chat_probe_config, write_config
from tests.fakes.tcp_proxy import TcpProxy
from tests.incident import run_probe


def _recorded(pg_url: str) -> int:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM runs WHERE state = 'completed'"
            return int(conn.execute(sa.text(query)).scalar_one())
    finally:
        engine.dispose()


def _open_self_events(pg_url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT kind, state FROM events WHERE kind = 'spool-set-aside'")
            )
            return [(r[0], r[1]) for r in rows]
    finally:
        engine.dispose()


def test_a_truncated_spool_file_is_set_aside_and_the_runs_behind_it_are_recorded(
    cli: Any, pg_url: str, sim_url: str, tmp_path: Path
) -> None:
    proxy = TcpProxy()
    port = proxy.start()
    through = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    spool = tmp_path / "spool"
    text = chat_probe_config(sim_url, through).replace(
        f'storage: {{url: "{through}"}}', f'storage: {{url: "{through}", spool_dir: "{spool}"}}'
    )
    config = str(write_config(tmp_path, text + "api: {enabled: false}\n"))
    env = {"SIM_API_KEY": SIM_KEY}
    try:
        assert cli("check", "--config", config, env=env).code == 0  # migrated, baseline begun

        async def outage() -> None:  # a running service loses its database for six runs
            app = build_app(load_config(config, env), env=env, stderr=io.StringIO())
            try:
                proxy.stop()
                for _ in range(6):
                    assert (await run_probe(app)).spooled
            finally:
                await app.aclose()

        asyncio.run(outage())
        files = sorted(spool.glob("*.json"))
        assert len(files) == 6
        files[0].write_text(files[0].read_text()[:40], encoding="utf-8")  # a cut-short write
        proxy.start()
        before = _recorded(pg_url)
        result = cli("check", "--config", config, env=env)
        assert result.code == 0, result.err
        assert "Traceback" not in result.err
        assert _recorded(pg_url) == before + 5 + 1  # the 5 readable spooled runs, and this one
        assert not list(spool.glob("*.json"))
        aside = spool / "set-aside"
        assert [p.name for p in aside.glob("*.json")] == [files[0].name]
        reason = (aside / files[0].name).with_suffix(".reason").read_text()
        assert reason.startswith("unreadable: JSONDecodeError")
        assert ("spool-set-aside", "open") in _open_self_events(pg_url)
        # nothing replays it again: the next check is clean
        again = cli("check", "--config", config, env=env)
        assert again.code == 0, again.err
    finally:
        proxy.close()
