"""The monitor watching itself, and what people read about delivery, on every backend through
the store's roles: ``SelfWatchLedger`` (its own events, sinks' health, probes' last runs) and
``AlertStatus`` (outbox rows per sink, deliveries waiting)."""

from __future__ import annotations

from datetime import timedelta

from monitor.storage.base import Store
from monitor.storage.params import SelfObservation
from tests.storage.builders import T0, Recorder, no_usage_body

LEASE = timedelta(seconds=60)
LATER = T0 + timedelta(hours=1)


def _stale(probe: str, *, seen: bool) -> SelfObservation:
    return SelfObservation(
        fingerprint=f"{probe}|health|monitor-stale|",
        probe=probe,
        target="sim",
        kind="monitor-stale",
        message=f"{probe} has no completed run",
        seen=seen,
    )


def _to_slack(_context: object) -> list[str]:
    return ["slack"]


def test_a_self_observation_opens_one_event_and_its_clearing_resolves_it(store: Store) -> None:
    opened = store.observe_self(_stale("chat", seen=True), T0, _to_slack)
    again = store.observe_self(_stale("chat", seen=True), T0 + LEASE, _to_slack)

    (event,) = store.open_self_events()
    (stale,) = store.active_stale_events()

    assert len(opened) == 1  # one alert, to the one routed sink
    assert again == []  # still open: nothing new to say
    assert (event.kind, event.probe, event.target) == ("monitor-stale", "chat", "sim")
    assert event.message == "chat has no completed run"
    assert (stale.probe, stale.target) == ("chat", "sim")
    resolved = store.observe_self(_stale("chat", seen=False), T0 + 2 * LEASE, _to_slack)
    assert len(resolved) == 1
    assert store.open_self_events() == []
    assert store.active_stale_events() == []


def test_last_completed_runs_are_each_probes_newest_run_that_reached_its_target(
    store: Store,
) -> None:
    recorder = Recorder(store)
    recorder.run(T0)
    last = recorder.run(T0 + LEASE)

    finished = store.last_completed_runs(["chat", "silent"])

    assert finished == {"chat": T0 + LEASE + timedelta(milliseconds=20)}  # when it finished
    assert store.get_run(last.run_id) is not None


def test_alert_status_counts_rows_per_sink_and_lists_the_waiting_ones_newest_first(
    store: Store,
) -> None:
    recorder = Recorder(store, sinks=["console", "webhook"])
    for minute in range(2):
        recorder.run(T0 + timedelta(minutes=minute))
    for minute in (2, 3):
        recorder.run(T0 + timedelta(minutes=minute), no_usage_body())
    items = store.claim_outbox(LATER, "replica-a", LEASE)
    console = [i for i in items if i.sink == "console"]
    for item in console:
        store.record_delivery(
            item.id, now=LATER, result="delivered", latency_ms=3.0, worker="replica-a"
        )

    status = {s.sink: s for s in store.alert_status()}
    waiting = store.list_deliveries(states=("pending", "sending"))

    assert set(status) == {"console", "webhook"}
    assert status["console"].delivered == len(console) > 0
    assert status["console"].last_delivered_at == LATER
    assert status["console"].oldest_pending_at is None
    assert status["webhook"].count("sending") == len(items) - len(console)
    assert {w.sink for w in waiting} == {"webhook"}
    assert all((w.probe, w.target, w.reason) == ("chat", "sim", "opened") for w in waiting)


def test_a_sink_whose_last_attempt_failed_or_whose_alerts_wait_too_long_is_unhealthy(
    store: Store,
) -> None:
    store.observe_self(_stale("chat", seen=True), T0, _to_slack)
    fresh = store.sink_health("slack", T0 + LEASE, timedelta(minutes=15))
    waited = store.sink_health("slack", T0 + timedelta(minutes=20), timedelta(minutes=15))
    (item,) = store.claim_outbox(T0 + timedelta(minutes=20), "replica-a", LEASE)
    store.record_delivery(
        item.id,
        now=T0 + timedelta(minutes=20),
        result="failed",
        latency_ms=3.0,
        error="channel_not_found",
        permanent=True,
        worker="replica-a",
    )
    failing = store.sink_health("slack", T0 + timedelta(minutes=21), timedelta(minutes=15))

    assert (fresh.failing, fresh.undelivered) == (False, 1)
    assert waited.failing
    assert "undelivered for more than 20 min" in waited.reason
    assert failing.failing
    assert "channel_not_found" in failing.reason
    assert store.alert_status()[0].last_error is not None
