"""What people do through the CLI and the API, on every backend, through the store's roles:
``Holds``, ``Heartbeats``, ``EventAdmin``, ``BaselineAdmin`` and ``Admin``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.errors import UsageError
from monitor.storage.base import Store
from monitor.storage.params import EventFilter
from tests.storage.builders import T0, Recorder, no_usage_body

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def _drift_opened(store: Store) -> Recorder:
    """Two healthy runs learn the baseline; the same drift twice opens its events."""
    recorder = Recorder(store)
    for minute in range(2):
        recorder.run(T0 + minute * MINUTE)
    for minute in (2, 3):
        recorder.run(T0 + minute * MINUTE, no_usage_body())
    return recorder


def test_a_hold_counts_its_runs_freezes_its_window_and_lets_go_when_released(
    store: Store,
) -> None:
    recorder = Recorder(store)
    recorder.run(T0)
    recorder.run(T0 + 2 * HOUR)  # outside the hold

    hold = store.create_hold(T0, T0 + HOUR, "  INC-7 ", T0)

    assert (hold.since, hold.until, hold.reason, hold.runs) == (T0, T0 + HOUR, "INC-7", 1)
    assert hold.released_at is None
    assert store.is_held(T0 + 59 * MINUTE)
    assert not store.is_held(T0 + HOUR)  # until is exclusive
    assert [h.id for h in store.list_holds()] == [hold.id]
    assert store.release_hold(hold.id, T0 + 3 * HOUR)
    assert not store.release_hold(hold.id, T0 + 3 * HOUR)  # released once
    assert not store.is_held(T0)
    assert store.list_holds() == []
    (released,) = store.list_holds(include_released=True)
    assert released.released_at == T0 + 3 * HOUR


def test_a_hold_needs_a_window_and_a_reason(store: Store) -> None:
    with pytest.raises(ValueError, match="--until must be after --since"):
        store.create_hold(T0, T0, "INC-7", T0)
    with pytest.raises(ValueError, match="needs a --reason"):
        store.create_hold(T0, T0 + HOUR, "  ", T0)


def test_heartbeats_keep_one_row_per_replica_newest_first_until_forgotten(store: Store) -> None:
    store.beat("replica-a", "scheduler", T0, T0, "1.0")
    store.beat("replica-b", "api", T0 + MINUTE, T0, "1.0")
    store.beat("replica-a", "scheduler", T0 + 2 * MINUTE, T0, "1.1")  # the same row, updated

    everyone = store.list_beats()
    (scheduler,) = store.list_beats("scheduler")

    assert [b.replica for b in everyone] == ["replica-a", "replica-b"]
    assert (scheduler.beat_at, scheduler.started_at, scheduler.version) == (
        T0 + 2 * MINUTE,
        T0,
        "1.1",
    )
    store.forget_beat("replica-a")
    assert [b.replica for b in store.list_beats()] == ["replica-b"]


def test_an_event_is_found_by_prefix_shown_with_its_transitions_and_deliveries(
    store: Store,
) -> None:
    _drift_opened(store)
    (event, *_) = store.query_events(EventFilter(probes=("chat",), states=("open",)))

    detail = store.event_detail(event.id[:12])

    assert detail.event == event
    assert [t.to_state for t in detail.transitions] == ["suspected", "open"]
    assert detail.transitions[-1].notify
    assert [(d.sink, d.state, d.reason) for d in detail.deliveries] == [
        ("console", "pending", "opened")
    ]
    with pytest.raises(UsageError, match="no event"):
        store.event_detail("zzzzzzzzzzzz")
    with pytest.raises(UsageError, match="at least"):
        store.event_detail("0")


def test_acknowledging_and_muting_change_the_event_and_unmuting_clears_the_reason(
    store: Store,
) -> None:
    _drift_opened(store)
    (event, *_) = store.query_events(EventFilter(states=("open",)))

    acked = store.ack_event(event.id, by="ops@example.com", now=T0 + HOUR)
    muted = store.mute_event(event.id, until=T0 + 2 * HOUR, reason="vendor incident")
    unmuted = store.mute_event(event.id, until=None, reason="ignored without a mute")

    assert (acked.acked_at, acked.acked_by) == (T0 + HOUR, "ops@example.com")
    assert (muted.muted_until, muted.mute_reason) == (T0 + 2 * HOUR, "vendor incident")
    assert (unmuted.muted_until, unmuted.mute_reason) == (None, None)
    assert unmuted.state == event.state  # what is recorded does not change, only what is sent


def test_events_are_filtered_by_state_severity_and_last_sighting(store: Store) -> None:
    _drift_opened(store)
    every = store.query_events(EventFilter())

    opened = store.query_events(EventFilter(states=("open",)))
    severe = store.query_events(EventFilter(severities=(every[0].severity,)))
    later = store.query_events(EventFilter(since=T0 + HOUR))

    assert opened
    assert all(e.state == "open" for e in opened)
    assert all(e.severity == every[0].severity for e in severe)
    assert later == []


def test_baselines_are_listed_exported_imported_and_reset(store: Store) -> None:
    recorder = Recorder(store)
    for minute in range(2):
        recorder.run(T0 + minute * MINUTE)

    (learned,) = store.list_baselines("chat")
    document = store.export_baselines("chat", T0 + HOUR)
    (imported,) = store.import_baselines("chat", document, "req-hash", T0 + HOUR)
    versions = store.list_baselines("chat")

    assert (learned.response_class, learned.version, learned.state) == ("success", 1, "active")
    assert learned.shape["paths"]
    assert (imported.response_class, imported.version, imported.source) == (
        "success",
        2,
        "imported",
    )
    assert [(b.version, b.state) for b in versions] == [(1, "superseded"), (2, "active")]
    assert store.reset_baselines("chat", T0 + 2 * HOUR) == 1
    assert {b.state for b in store.list_baselines("chat")} == {"superseded"}


def test_accepting_the_latest_shape_resolves_the_drift_it_explains(store: Store) -> None:
    recorder = _drift_opened(store)

    accepted = store.accept_baseline("chat", T0 + HOUR, router=recorder.route)

    assert accepted is not None
    assert (accepted.baseline.version, accepted.baseline.source) == (2, "accepted")
    assert accepted.resolved_events
    assert accepted.outbox_ids  # the resolutions go out in the events' threads
    assert store.query_events(EventFilter(states=("open", "suspected"))) == []
    assert store.accept_baseline("never-ran", T0 + HOUR) is None


def test_the_schema_is_at_the_migration_head_and_the_database_answers(store: Store) -> None:
    store.ping()
    assert store.is_at_head()
    assert store.current_revision() == store.head_revision()
