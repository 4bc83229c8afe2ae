"""A re-run is a run: the reaper asks the circuit breaker and the budgets before re-running a
dead owner's slot, so a target out of budget (or hard down) is not probed once per slot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from monitor.app import build_app
from monitor.config.loader import parse_config
from monitor.core.model import Trigger
from monitor.simulator import Simulator
from monitor.storage.params import RunFilter
from tests.conftest import SIM_KEY, chat_probe_config
from tests.integration.test_reaper import ENV, SettableClock, _dead_claim, _reaper


def test_the_reaper_skips_a_re_run_the_budget_refuses(
    sim: Simulator, sim_url: str, sqlite_url: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = SettableClock(now)
    text = chat_probe_config(sim_url, sqlite_url, extra="timeout: 5s").replace(
        "api_key_env: SIM_API_KEY", "api_key_env: SIM_API_KEY\n    budget: {requests_per_minute: 1}"
    )
    loaded = parse_config(text, "config.yaml", {"SIM_API_KEY": SIM_KEY})

    async def main() -> None:
        app = build_app(loaded, env=ENV, clock=clock, worker_id="replica-b")
        try:
            probe = app.config.probes[0]
            first = await app.pipeline.run_once(probe, None, Trigger.CHECK)
            assert first is not None
            assert first.outcome == "pass"
            dead = _dead_claim(app, now - timedelta(seconds=10))
            assert app.store.claim_run(dead)
            clock.value = now + timedelta(seconds=30)  # the dead claim's lease (15 s) is over
            reaper = _reaper(app)
            assert (await reaper.tick()).taken_over == 1
            await asyncio.gather(*reaper.in_flight)
            runs = {r["id"]: r for r in app.store.list_runs(RunFilter(include_claimed=True))}
            rerun = runs[dead.run_id]
            assert rerun["state"] == "completed"
            assert rerun["outcome"] == "skipped"
            assert "requests_per_minute" in rerun["note"]
        finally:
            await app.aclose()

    asyncio.run(main())
    assert len(sim.requests) == 1  # only the first run reached the target
