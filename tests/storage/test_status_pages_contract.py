"""What the web pages draw, on every backend through the ``StatusPages`` role: runs as points,
outcome counts per slice of a window (counted by the database), newest runs and latencies."""

from __future__ import annotations

from datetime import timedelta

from monitor.storage.base import Store
from tests.storage.builders import T0, Recorder

MINUTE = timedelta(minutes=1)
FAIL = {"error": {"message": "no"}}


def _history(store: Store) -> dict[str, list[str]]:
    """chat: pass, pass, fail, pass at minutes 0-3; other: one pass at minute 10."""
    chat, other = Recorder(store), Recorder(store, probe="other")
    ids = [chat.run(T0 + m * MINUTE).run_id for m in (0, 1)]
    ids.append(chat.run(T0 + 2 * MINUTE, FAIL, status=500).run_id)
    ids.append(chat.run(T0 + 3 * MINUTE).run_id)
    return {"chat": ids, "other": [other.run(T0 + 10 * MINUTE).run_id]}


def test_run_points_are_each_probes_completed_runs_in_the_window_newest_first(
    store: Store,
) -> None:
    ids = _history(store)

    points = store.run_points(["chat", "other", "silent"], T0 + MINUTE, T0 + 3 * MINUTE)
    capped = store.run_points(["chat"], T0, limit=2)

    assert [p.run_id for p in points["chat"]] == [ids["chat"][2], ids["chat"][1]]
    assert [p.outcome for p in points["chat"]] == ["fail", "pass"]
    assert points["other"] == []
    assert points["silent"] == []
    assert [p.run_id for p in capped["chat"]] == [ids["chat"][3], ids["chat"][2]]
    assert all(p.latency_ms is not None for p in capped["chat"])


def test_outcome_buckets_count_each_slice_of_the_window_by_outcome(store: Store) -> None:
    ids = _history(store)

    # 140 s slices: no run starts on a slice's edge (edges: the next test)
    buckets = store.outcome_buckets(["chat", "other"], T0, T0 + 15 * MINUTE, bucket_s=140)
    counted = {(b.probe, b.index, b.outcome): (b.runs, b.newest_run_id) for b in buckets}

    assert counted == {
        ("chat", 0, "pass"): (2, ids["chat"][1]),
        ("chat", 0, "fail"): (1, ids["chat"][2]),
        ("chat", 1, "pass"): (1, ids["chat"][3]),
        ("other", 4, "pass"): (1, ids["other"][0]),
    }
    (first_minute,) = store.outcome_buckets(["chat"], T0, T0 + MINUTE, bucket_s=60)
    assert (first_minute.index, first_minute.outcome, first_minute.runs) == (0, "pass", 1)


def test_a_run_starting_exactly_on_a_slice_edge_counts_in_the_slice_it_opens(
    store: Store,
) -> None:
    ids = _history(store)  # chat runs at minutes 0, 1, 2 and 3: each on an edge of 60 s slices

    buckets = store.outcome_buckets(["chat"], T0, T0 + 15 * MINUTE, bucket_s=60)

    assert sorted((b.index, b.outcome, b.newest_run_id) for b in buckets) == [
        (0, "pass", ids["chat"][0]),
        (1, "pass", ids["chat"][1]),
        (2, "fail", ids["chat"][2]),
        (3, "pass", ids["chat"][3]),
    ]


def test_the_status_page_reads_buckets_newest_runs_and_latencies_in_one_go(store: Store) -> None:
    ids = _history(store)

    buckets, latest, latencies = store.status_page(["chat", "silent"], T0, 120, latencies=3)

    assert {b.probe for b in buckets} == {"chat"}
    assert latest["chat"].run_id == ids["chat"][3]
    assert "silent" not in latest
    assert len(latencies["chat"]) == 3
    assert latencies["silent"] == []
