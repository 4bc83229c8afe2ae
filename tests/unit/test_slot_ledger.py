"""The slot ledger: slots the scheduler never started become pending skips, recorded only
after the grace, with the reason; the real APScheduler feeds it coalesced and dropped slots."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from monitor.config.schema import ProbeConfig
from monitor.scheduler import ProbeScheduler, slot_time, trigger_for
from monitor.slots import COALESCED, IN_FLIGHT, SlotLedger

T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
GRACE = timedelta(seconds=35)


def _probe(every: str = "1s", name: str = "chat") -> ProbeConfig:
    return ProbeConfig.model_validate(
        {"name": name, "target": "t", "model": "m", "messages": [{"role": "user"}], "every": every}
    )


def _slots(probe: ProbeConfig, first: datetime, n: int) -> list[datetime]:
    trigger = trigger_for(probe)
    fire = trigger.get_next_fire_time(None, first)
    out = []
    while len(out) < n:
        assert fire is not None
        out.append(slot_time(fire))
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return out


class _Trigger:
    def __init__(self, probe: ProbeConfig) -> None:
        self.trigger = trigger_for(probe)

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        fire = self.trigger.get_next_fire_time(previous, now)
        return slot_time(fire) if fire else None


def test_slots_between_two_started_slots_are_pending_skips_until_the_grace_passes() -> None:
    probe = _probe()
    s = _slots(probe, T0, 5)
    ledger = SlotLedger({"chat": GRACE})
    assert ledger.saw("chat", s[0], _Trigger(probe)) == []
    missed = ledger.saw("chat", s[3], _Trigger(probe))
    assert [m.slot for m in missed] == [s[1], s[2]]
    assert {m.reason for m in missed} == {COALESCED}
    assert ledger.due(s[1] + GRACE - timedelta(milliseconds=1)) == []
    assert [m.slot for m in ledger.due(s[1] + GRACE)] == [s[1]]
    assert [m.slot for m in ledger.due(s[3] + GRACE)] == [s[2]]
    assert ledger.pending == 0


def test_a_slot_dropped_while_the_previous_run_was_in_flight_keeps_that_reason() -> None:
    probe = _probe()
    s = _slots(probe, T0, 4)
    ledger = SlotLedger({"chat": GRACE})
    ledger.saw("chat", s[0], _Trigger(probe))
    ledger.dropped("chat", [s[1]])
    missed = ledger.saw("chat", s[3], _Trigger(probe))
    assert [(m.slot, m.reason) for m in missed] == [(s[1], IN_FLIGHT), (s[2], COALESCED)]


def test_a_repeated_or_older_slot_reports_nothing() -> None:
    probe = _probe()
    s = _slots(probe, T0, 3)
    ledger = SlotLedger({"chat": GRACE})
    ledger.saw("chat", s[2], _Trigger(probe))
    assert ledger.saw("chat", s[2], _Trigger(probe)) == []
    assert ledger.saw("chat", s[0], _Trigger(probe)) == []
    assert ledger.pending == 0


def test_slot_times_are_whole_milliseconds_whatever_the_float_arithmetic() -> None:
    odd = datetime(2026, 5, 8, 14, 0, 0, 123499, tzinfo=UTC)
    assert slot_time(odd).microsecond == 123000
    assert slot_time(odd + timedelta(microseconds=2)).microsecond == 124000


def test_the_real_scheduler_accounts_for_every_slot_while_a_run_overruns() -> None:
    """A probe every 100 ms whose first run takes 600 ms: APScheduler drops the slots in
    between (max_instances=1); every fire time is either started or pending as skipped."""
    probe = _probe("100ms")
    ledger = SlotLedger({"chat": GRACE})
    started: list[datetime] = []
    enough = asyncio.Event()

    async def job(p: ProbeConfig, slot: datetime) -> None:
        started.append(slot)
        if len(started) == 1:
            await asyncio.sleep(0.6)  # a slow provider, not a way to let time pass
        if len(started) >= 4:
            enough.set()

    async def main() -> None:
        scheduler = ProbeScheduler([probe], job, ledger)
        scheduler.start()
        await enough.wait()
        scheduler.shutdown()

    asyncio.run(asyncio.wait_for(main(), 30))
    pending = ledger.due(max(started) + GRACE)
    everything = sorted(started + [m.slot for m in pending])
    expected = _slots(probe, started[0] - timedelta(microseconds=1), len(everything))
    assert everything == expected
    assert any(m.reason == IN_FLIGHT for m in pending)
