"""The event gate: suspected -> open -> resolved, driven by the probe's `events` settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.core.events import EventGate, EventRecord, advance
from monitor.core.model import EventState

T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
FP = "chat|success|property-removed|usage"


def _run(record: EventRecord | None, seen: bool, minute: int, gate: EventGate) -> tuple:
    return advance(record, seen=seen, now=T0 + timedelta(minutes=minute), gate=gate, fingerprint=FP)


def test_a_one_off_odd_response_stays_suspected_and_expires_quietly() -> None:
    gate = EventGate(open_after=2, window=3, resolve_after=2)
    record, moves = _run(None, True, 0, gate)
    assert record.state is EventState.SUSPECTED
    assert [m.reason for m in moves] == ["suspected"]
    reasons = []
    for minute in (1, 2, 3):
        record, moves = _run(record, False, minute, gate)
        reasons += [m.reason for m in moves]
    assert record.state is EventState.RESOLVED
    assert reasons == ["expired"]
    assert not any(m.notify for m in moves)


def test_a_change_seen_in_two_of_three_runs_opens_and_notifies() -> None:
    gate = EventGate(open_after=2, window=3, resolve_after=2)
    record, _ = _run(None, True, 0, gate)
    record, _ = _run(record, False, 1, gate)
    record, moves = _run(record, True, 2, gate)
    assert record.state is EventState.OPEN
    assert [(m.reason, m.notify) for m in moves] == [("opened", True)]
    assert record.opened_at == T0 + timedelta(minutes=2)


def test_an_open_event_resolves_after_consecutive_clean_runs_only() -> None:
    gate = EventGate(open_after=1, window=3, resolve_after=2)
    record, moves = _run(None, True, 0, gate)
    assert [m.reason for m in moves] == ["suspected", "opened"]
    record, moves = _run(record, False, 1, gate)
    assert moves == []
    assert record.state is EventState.OPEN
    record, moves = _run(record, True, 2, gate)  # seen again: the streak restarts
    record, moves = _run(record, False, 3, gate)
    assert record.state is EventState.OPEN
    record, moves = _run(record, False, 4, gate)
    assert record.state is EventState.RESOLVED
    assert [(m.reason, m.notify) for m in moves] == [("resolved", True)]


def test_reminders_follow_remind_every_while_still_seen() -> None:
    gate = EventGate(open_after=1, window=3, resolve_after=2, remind_every=timedelta(minutes=30))
    record, _ = _run(None, True, 0, gate)
    record, moves = _run(record, True, 10, gate)
    assert moves == []
    record, moves = _run(record, True, 31, gate)
    assert [m.reason for m in moves] == ["reminder"]
    record, moves = _run(record, True, 40, gate)
    assert moves == []


def test_a_resolved_fingerprint_seen_again_starts_a_new_event() -> None:
    gate = EventGate(open_after=1, window=1, resolve_after=1)
    record, _ = _run(None, True, 0, gate)
    record, _ = _run(record, False, 1, gate)
    assert record.state is EventState.RESOLVED
    again, moves = _run(record, True, 2, gate)
    assert again.first_seen == T0 + timedelta(minutes=2)
    assert [m.reason for m in moves] == ["suspected", "opened"]
