"""Issue #16 item 4: an exception while judging is a recorded ``fail`` run with a
``monitor-error`` finding (its type and a scrubbed message), never a stuck claim or a re-send.

The judge is driven to raise through a collaborator it is given, a contract whose check
fails (as a bug in a validator would), against a real upstream on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.app import build_app
from monitor.config.loader import load_config
from monitor.contract import load_contract
from monitor.contract.oracle import Contract
from monitor.core.documented import ContractResult, Exchange
from monitor.core.model import Trigger
from monitor.runner.result import RunResult
from tests.conftest import write_config
from tests.fakes.hostile_upstream import HostileUpstream
from tests.integration.test_hostile_upstream import ENV, KEY, config
from tests.unit.test_contract_document import DOC_30, write


class BrokenContract(Contract):
    """A real contract whose response check raises, quoting the key it should never see."""

    def check(self, exchange: Exchange) -> ContractResult:
        raise RuntimeError(f"validator crashed near Bearer {KEY}")


@pytest.fixture
def upstream() -> Iterator[HostileUpstream]:
    server = HostileUpstream()
    with server.serve():
        yield server


def test_an_exception_while_judging_is_a_recorded_monitor_error_run(
    upstream: HostileUpstream, tmp_path: Path, db_url: str
) -> None:
    loaded = load_config(write_config(tmp_path, config(upstream.base_url, db_url)), ENV)
    real = load_contract(write(tmp_path, DOC_30), now=datetime(2026, 1, 1, tzinfo=UTC))
    broken = BrokenContract(real.document)

    async def probe() -> RunResult | None:
        app = build_app(loaded, env=ENV, contracts={"h": broken})
        try:
            return await app.pipeline.run_once(loaded.config.probes[0], None, Trigger.CHECK)
        finally:
            await app.aclose()

    row = asyncio.run(probe())
    assert row is not None
    assert row.outcome == "fail"
    (finding,) = row.findings
    assert finding.kind == "monitor-error"
    assert finding.severity.value == "breaking"
    assert finding.category is not None
    assert finding.category.value == "unknown_external_behavior"
    assert "RuntimeError: validator crashed near Bearer ***" in finding.message
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            runs = list(conn.execute(sa.text("SELECT state, outcome FROM runs")))
            text = repr(list(conn.execute(sa.text("SELECT * FROM findings"))))
            baselines = conn.execute(sa.text("SELECT count(*) FROM baselines")).scalar()
    finally:
        engine.dispose()
    assert runs == [("completed", "fail")]  # not left claimed for the reaper to re-send
    assert "monitor-error" in text
    assert KEY not in text
    assert baselines == 0
    assert len(upstream.requests) == 1
