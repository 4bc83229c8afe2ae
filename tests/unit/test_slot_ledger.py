"""The slot ledger: slots the scheduler never started become pending skips, recorded only
after the grace, with the reason; the real APScheduler feeds it coalesced and dropped slots;
resumed from the latest stored slot, it also counts the slots missed while no replica ran."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.schema import ProbeConfig
from monitor.runner.scheduler import ProbeScheduler, slot_time, start_offset, trigger_for
from monitor.runner.slots import (
    COALESCED,
    IN_FLIGHT,
    MAX_GAP,
    MISSED,
    SlotLedger,
    skip_summaries,
)

T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
GRACE = timedelta(seconds=35)


def _probe(every: str = "1s", name: str = "chat", cron: str | None = None) -> ProbeConfig:
    schedule = {"cron": cron} if cron else {"every": every}
    return ProbeConfig.model_validate(
        {"name": name, "target": "t", "model": "m", "messages": [{"role": "user"}], **schedule}
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
    # a gap falls due as a whole, after the grace of its last slot (one log line per gap)
    assert ledger.due(s[2] + GRACE - timedelta(milliseconds=1)) == []
    assert [m.slot for m in ledger.due(s[2] + GRACE)] == [s[1], s[2]]
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


def test_after_a_restart_slots_since_the_stored_one_are_missed_until_the_start() -> None:
    """Every replica was stopped after s[0]; this process read s[0] from the database at
    ``started`` (just after s[5]) and its first slot is s[7]: s[1..5] were missed while nothing
    ran, s[6] came after the start and this replica's scheduler skipped it."""
    probe = _probe()
    s = _slots(probe, T0, 10)
    ledger = SlotLedger({"chat": GRACE})
    started = s[5] + timedelta(milliseconds=300)
    ledger.resume("chat", s[0], started)
    missed = ledger.saw("chat", s[7], _Trigger(probe))
    assert [(m.slot, m.reason) for m in missed] == [(t, MISSED) for t in s[1:6]] + [
        (s[6], COALESCED)
    ]
    assert [m.slot for m in ledger.due(s[7] + GRACE)] == s[1:7]  # recorded after the grace
    # only the first slot after the restart looks back at the stored one
    missed = ledger.saw("chat", s[9], _Trigger(probe))
    assert [(m.slot, m.reason) for m in missed] == [(s[8], COALESCED)]


def test_a_replica_joining_a_running_fleet_enumerates_only_slots_the_fleet_already_ran() -> None:
    """The stored slot is the one the fleet is running now: the slot this process starts next
    (or the same one, lost to the fleet's claim) leaves nothing to record."""
    probe = _probe()
    s = _slots(probe, T0, 3)
    ledger = SlotLedger({"chat": GRACE})
    ledger.resume("chat", s[1], s[1] + timedelta(milliseconds=10))
    assert ledger.saw("chat", s[1], _Trigger(probe)) == []
    assert ledger.saw("chat", s[2], _Trigger(probe)) == []
    assert ledger.pending == 0


def test_a_stored_slot_off_the_current_schedule_enumerates_no_gap() -> None:
    """The probe ran every 1s, then restarted with every 3s (its offset moved too): the old
    slot says nothing about when the old schedule stopped, so nothing is counted missed."""
    old = _slots(_probe("1s"), T0, 1)[0]
    probe = _probe("3s")
    s = _slots(probe, T0 + timedelta(seconds=30), 3)
    assert (s[0] - old) % timedelta(seconds=3) != timedelta(0)  # really off the new schedule
    ledger = SlotLedger({"chat": GRACE})
    ledger.resume("chat", old, s[0])
    assert ledger.saw("chat", s[0], _Trigger(probe)) == []
    # from then on the ledger follows the new schedule as usual
    assert [m.slot for m in ledger.saw("chat", s[2], _Trigger(probe))] == [s[1]]


def test_a_cron_probe_resumes_on_its_fire_times() -> None:
    probe = _probe(cron="*/5 * * * *")
    shift = start_offset("chat", timedelta(minutes=1))  # cron probes are spread in the minute
    ledger = SlotLedger({"chat": GRACE})
    ledger.resume("chat", T0 + shift, T0 + timedelta(minutes=17))
    missed = ledger.saw("chat", T0 + timedelta(minutes=20) + shift, _Trigger(probe))
    assert [(m.slot, m.reason) for m in missed] == [
        (slot_time(T0 + timedelta(minutes=n) + shift), MISSED) for n in (5, 10, 15)
    ]


def test_a_gap_longer_than_max_gap_records_the_first_slots_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    probe = _probe()
    s = _slots(probe, T0, 1)
    ledger = SlotLedger({"chat": GRACE})
    first_after_restart = s[0] + timedelta(hours=2)  # 7199 slots of 1 s in between
    ledger.resume("chat", s[0], first_after_restart)
    with caplog.at_level(logging.WARNING, logger="monitor.runner.slots"):
        missed = ledger.saw("chat", first_after_restart, _Trigger(probe))
    assert len(missed) == MAX_GAP
    assert missed[0].slot == s[0] + timedelta(seconds=1)
    assert {m.reason for m in missed} == {MISSED}
    assert f"more than {MAX_GAP} slots missed" in caplog.text


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


def test_a_restart_after_minutes_down_logs_one_line_per_probe_per_gap() -> None:
    start = datetime(2026, 5, 8, 19, 24, 52, tzinfo=UTC)
    gap = [
        (name, start + timedelta(seconds=5 * i), MISSED) for i in range(28) for name in ("b", "a")
    ]
    lines = skip_summaries([*gap, ("a", start, IN_FLIGHT)])
    assert lines == [
        "a: 28 slots missed 19:24:52–19:27:07: no replica of the monitor was running",
        "a: 1 slot skipped 19:24:52: the previous run of this probe was still in flight on "
        "this replica",
        "b: 28 slots missed 19:24:52–19:27:07: no replica of the monitor was running",
    ]
