"""Slot offsets: fixed per probe name, inside the interval, stable across processes."""

from __future__ import annotations

from datetime import timedelta

from monitor.config.schema import ProbeConfig
from monitor.runner.scheduler import EPOCH, fires_per_day, start_offset, trigger_for


def _probe(**kw: object) -> ProbeConfig:
    base = {"name": "chat", "target": "t", "model": "m", "messages": [{"role": "user"}]}
    return ProbeConfig.model_validate({**base, **kw})


def test_offsets_are_deterministic_and_inside_the_interval() -> None:
    every = timedelta(seconds=60)
    first = start_offset("chat-basic", every)
    assert first == start_offset("chat-basic", every)
    assert timedelta(0) <= first < every
    offsets = {start_offset(f"probe-{i}", every) for i in range(50)}
    assert len(offsets) > 40  # probes spread over the minute


def test_interval_slots_sit_on_epoch_plus_offset() -> None:
    probe = _probe(every="60s")
    trigger = trigger_for(probe)
    fire = trigger.get_next_fire_time(None, EPOCH + timedelta(days=3, seconds=7))
    assert fire is not None
    offset = start_offset("chat", timedelta(seconds=60))
    assert (fire - EPOCH - offset).total_seconds() % 60 == 0


def test_fires_per_day_counts_intervals_and_cron() -> None:
    assert fires_per_day(_probe(every="60s")) == 1440
    assert fires_per_day(_probe(cron="*/5 * * * *")) == 288
    assert fires_per_day(_probe(kind="auth_rejection")) == 24  # negative probes default hourly


def test_cron_probes_get_their_own_offset_inside_the_minute() -> None:
    now = EPOCH + timedelta(days=3, seconds=7)
    fires = {}
    for name in ("chat-a", "chat-b", "stream-c"):
        trigger = trigger_for(_probe(name=name, cron="*/5 * * * *"))
        first = trigger.get_next_fire_time(None, now)
        assert first is not None
        offset = start_offset(name, timedelta(minutes=1))
        assert (first - offset).minute % 5 == 0
        assert (first - offset).second == 0
        # the next fire is exactly one cron step later, offset kept
        second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1))
        assert second == first + timedelta(minutes=5)
        fires[name] = first
    assert len(set(fires.values())) == 3  # no longer all at the same instant
