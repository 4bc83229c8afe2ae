"""The reaper against the real simulator and database: a dead owner's slot is re-run once and
says so; a slot nobody started is recorded ``skipped``; a released claim is re-run at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from monitor.app import App, build_app
from monitor.config.loader import parse_config
from monitor.core.model import Trigger
from monitor.ids import new_id
from monitor.runner.reaper import Reaper
from monitor.runner.slots import SlotLedger
from monitor.storage.params import RunFilter
from monitor.storage.records import RunClaim
from tests.conftest import SIM_KEY, chat_probe_config

ENV = {"SIM_API_KEY": SIM_KEY}


class SettableClock:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value

    def monotonic(self) -> float:
        return self.value.timestamp()


@asynccontextmanager
async def running_app(
    sim_url: str, db_url: str, clock: SettableClock, worker: str = "replica-b"
) -> AsyncIterator[App]:
    """One replica's app (one chat probe against the simulator), closed however the test ends."""
    text = chat_probe_config(sim_url, db_url, extra="timeout: 5s")
    loaded = parse_config(text, "config.yaml", ENV)
    app = build_app(loaded, env=ENV, clock=clock, worker_id=worker)
    try:
        yield app
    finally:
        await app.aclose()


def _reaper(app: App, ledger: SlotLedger | None = None) -> Reaper:
    return Reaper(
        store=app.store,
        db=app.db,
        clock=app.clock,
        pipeline=app.pipeline,
        probes=list(app.config.probes),
        ledger=ledger or SlotLedger({}),
        worker_id=app.pipeline.deps.worker_id,
        config_hash=app.loaded.config_hash,
    )


def _dead_claim(
    app: App, started: datetime, worker: str = "host-a:41:beef", *, on_demand: bool = False
) -> RunClaim:
    """A claim of the app's probe by ``worker``, which never completes it (a scheduled slot, or
    an on-demand ``check`` run that has no slot)."""
    probe = app.config.probes[0]
    return RunClaim(
        run_id=new_id(started),
        probe=probe.name,
        target=probe.target,
        kind=probe.kind,
        trigger="check" if on_demand else "schedule",
        slot_at=None if on_demand else started,
        started_at=started,
        claimed_by=worker,
        lease_until=started + app.pipeline.lease(probe),
        request_hash="x",
        config_hash="y",
    )


def test_a_slot_whose_owner_died_is_re_run_once_by_another_replica_and_noted(
    sim_url: str, db_url: str
) -> None:
    slot = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    clock = SettableClock(slot)

    async def main() -> None:
        async with (
            running_app(sim_url, db_url, clock) as app,
            running_app(sim_url, db_url, clock, worker="replica-c") as other,
        ):
            dead = _dead_claim(app, slot)
            assert app.store.claim_run(dead)
            reaper, rival = _reaper(app), _reaper(other)
            clock.value = slot + app.pipeline.lease(app.config.probes[0]) - timedelta(seconds=1)
            assert (await reaper.tick()).taken_over == 0  # the lease still holds
            clock.value += timedelta(seconds=2)
            first, second = await asyncio.gather(reaper.tick(), rival.tick())
            assert first.taken_over + second.taken_over == 1
            await asyncio.gather(*reaper.in_flight, *rival.in_flight)
            (run,) = app.store.list_runs(RunFilter(include_claimed=True))
            assert run["id"] == dead.run_id
            assert run["state"] == "completed"
            assert run["outcome"] == "pass"
            assert run["slot_at"] == slot
            assert run["claimed_by"] in ("replica-b", "replica-c")
            assert "host-a:41:beef claimed it but did not complete it" in run["note"]

    asyncio.run(main())


def test_slots_nobody_started_are_recorded_skipped_after_the_grace_but_never_over_a_run(
    sim_url: str, db_url: str
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    clock = SettableClock(start)

    async def main() -> None:
        async with running_app(sim_url, db_url, clock) as app:
            probe = app.config.probes[0]
            lease = app.pipeline.lease(probe)
            ledger = SlotLedger({probe.name: lease})
            slots = [start + timedelta(minutes=i) for i in range(4)]
            await app.pipeline.run_once(probe, slots[1], Trigger.SCHEDULE)  # another replica
            ledger.dropped(probe.name, slots[:3], "coalesced: the scheduler ran late")
            reaper = _reaper(app, ledger)
            clock.value = slots[0] + lease
            assert (await reaper.tick()).skipped_recorded == 1
            clock.value = slots[3] + lease
            assert (await reaper.tick()).skipped_recorded == 1  # slots[1] has its run
            runs = app.store.list_runs(RunFilter(limit=10))
            assert sorted((r["slot_at"], r["outcome"]) for r in runs) == [
                (slots[0], "skipped"),
                (slots[1], "pass"),
                (slots[2], "skipped"),
            ]
            assert {r["note"] for r in runs if r["outcome"] == "skipped"} == {
                "coalesced: the scheduler ran late"
            }

    asyncio.run(main())


def test_a_released_claim_is_re_run_at_once_and_noted_as_released(
    sim_url: str, db_url: str
) -> None:
    slot = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    clock = SettableClock(slot)

    async def main() -> None:
        async with running_app(sim_url, db_url, clock) as app:
            dead = _dead_claim(app, slot, worker="replica-a")
            assert app.store.claim_run(dead)
            assert app.store.release_claims("replica-a", slot + timedelta(seconds=1)) == 1
            clock.value = slot + timedelta(seconds=2)
            reaper = _reaper(app)
            assert (await reaper.tick()).taken_over == 1
            await asyncio.gather(*reaper.in_flight)
            run = app.store.get_run(dead.run_id)
            assert run is not None
            assert run["outcome"] == "pass"
            assert "replica-a released it at shutdown" in run["note"]

    asyncio.run(main())


def test_an_abandoned_on_demand_run_is_closed_as_skipped_not_re_run(
    sim_url: str, db_url: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = SettableClock(now)

    async def main() -> None:
        async with running_app(sim_url, db_url, clock) as app:
            probe = app.config.probes[0]
            lease = app.pipeline.lease(probe)
            crashed = _dead_claim(app, now, "laptop:77:aaaa", on_demand=True)
            assert app.store.claim_run(crashed)
            clock.value = now + lease + timedelta(seconds=1)
            reaper = _reaper(app)
            assert (await reaper.tick()).taken_over == 1
            await asyncio.gather(*reaper.in_flight)
            run = app.store.get_run(crashed.run_id)
            assert run is not None
            assert (run["state"], run["outcome"]) == ("completed", "skipped")
            assert (
                run["note"] == "not re-run: the on-demand run's process ended before completing it"
            )

    asyncio.run(main())
