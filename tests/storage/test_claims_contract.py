"""Replica leases on every backend: expired claims are taken over once and noted, live ones
never; released claims are taken over at once; skipped slots never hide a real run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from monitor.ids import new_id
from monitor.storage.base import Store
from monitor.storage.params import RunFilter, SkippedSlot
from tests.storage.builders import T0, Recorder, claim

LEASE = timedelta(seconds=35)


def _skip(slot_offset_s: int, reason: str = "coalesced") -> SkippedSlot:
    slot = T0 + timedelta(seconds=slot_offset_s)
    return SkippedSlot(
        probe="chat",
        target="sim",
        kind="chat_completion",
        slot_at=slot,
        reason=reason,
        run_id=new_id(slot),
        request_hash="req-hash",
        config_hash="cfg-hash",
    )


def test_a_live_claim_is_not_taken_over(store: Store) -> None:
    assert store.claim_run(claim(slot=T0, lease=LEASE))
    assert store.take_over_expired(T0 + LEASE - timedelta(seconds=1), "replica-b", {}) == []


def test_an_expired_claim_is_taken_over_once_and_the_run_says_by_whom_and_why(
    open_store: Callable[[], Store],
) -> None:
    a, b, c = open_store(), open_store(), open_store()
    original = claim(slot=T0, lease=LEASE)
    assert a.claim_run(original)
    later = T0 + LEASE + timedelta(seconds=1)
    (taken,) = b.take_over_expired(later, "replica-b", {"chat": timedelta(seconds=40)})
    assert c.take_over_expired(later, "replica-c", {}) == []
    assert taken.claim.run_id == original.run_id
    assert taken.claim.slot_at == T0
    assert taken.claim.claimed_by == "replica-b"
    assert taken.claim.lease_until == later + timedelta(seconds=40)
    assert taken.previous_owner == "replica-a"
    assert not taken.released
    (row,) = a.list_runs(RunFilter(include_claimed=True))
    assert row["claimed_by"] == "replica-b"
    assert row["started_at"] == later
    assert "replica-a claimed it but did not complete it" in row["note"]
    assert "owner presumed dead" in row["note"]


def test_concurrent_reapers_take_over_each_expired_claim_exactly_once(
    open_store: Callable[[], Store],
) -> None:
    owner = open_store()
    for minute in range(12):
        assert owner.claim_run(claim(slot=T0 + timedelta(minutes=minute), lease=LEASE))
    reapers = [open_store() for _ in range(4)]
    barrier = threading.Barrier(len(reapers))
    taken: list[str] = []
    lock = threading.Lock()
    later = T0 + timedelta(hours=1)

    def reap(i: int, s: Store) -> None:
        barrier.wait()
        while True:
            got = s.take_over_expired(later, f"reaper-{i}", {}, limit=3)
            if not got:
                return
            with lock:
                taken.extend(t.claim.run_id for t in got)

    threads = [threading.Thread(target=reap, args=(i, s)) for i, s in enumerate(reapers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(taken) == 12
    assert len(set(taken)) == 12


def test_released_claims_are_taken_over_at_once_and_noted_as_released(store: Store) -> None:
    assert store.claim_run(claim(slot=T0, lease=LEASE))
    assert store.claim_run(claim(slot=T0, probe="other", worker="replica-z", lease=LEASE))
    shutdown = T0 + timedelta(seconds=2)
    assert store.release_claims("replica-a", shutdown) == 1
    assert store.claimed_count("replica-a") == 0
    (taken,) = store.take_over_expired(shutdown + timedelta(milliseconds=1), "replica-b", {})
    assert taken.released
    assert taken.previous_owner == "replica-a"
    assert "replica-a released it at shutdown" in taken.note


def test_the_previous_owner_of_a_released_run_can_no_longer_complete_it(
    store: Store,
) -> None:
    import pytest

    from monitor.errors import ClaimLost

    mine = claim(slot=T0, lease=LEASE)
    assert store.claim_run(mine)
    store.release_claims("replica-a", T0)
    with pytest.raises(ClaimLost):
        Recorder(store).record(mine)


def test_skipped_slots_are_recorded_only_where_the_slot_has_no_row(store: Store) -> None:
    Recorder(store).run(T0, slot=T0)
    slots = [_skip(0), _skip(1), _skip(2)]
    recorded = store.record_skipped_slots(slots, "replica-a", T0 + timedelta(minutes=1))
    assert recorded == {slots[1].run_id, slots[2].run_id}
    assert store.record_skipped_slots(slots, "replica-b", T0 + timedelta(minutes=2)) == set()
    rows = store.list_runs(RunFilter(limit=10))
    assert sorted((r["slot_at"], r["outcome"]) for r in rows) == [
        (T0, "pass"),
        (T0 + timedelta(seconds=1), "skipped"),
        (T0 + timedelta(seconds=2), "skipped"),
    ]
    skipped = [r for r in rows if r["outcome"] == "skipped"]
    assert {r["note"] for r in skipped} == {"coalesced"}
    assert {r["state"] for r in skipped} == {"completed"}


def test_a_skip_record_wins_the_slot_so_a_late_claim_does_not_run_it(store: Store) -> None:
    store.record_skipped_slots([_skip(0)], "replica-a", T0 + timedelta(minutes=1))
    assert not store.claim_run(claim(slot=T0, worker="replica-b"))


def test_latest_slots_are_each_probes_newest_slot_with_a_row_of_any_kind(store: Store) -> None:
    """What a restarted ``monitor run`` seeds its slot ledger with: claims and skips count, an
    on-demand run (no slot) started later does not, a probe without a slot is left out."""
    assert store.claim_run(claim(slot=T0, lease=LEASE))
    store.record_skipped_slots([_skip(60)], "replica-a", T0 + timedelta(minutes=2))
    assert store.claim_run(claim(probe="other", slot=T0 + timedelta(seconds=5)))
    later = T0 + timedelta(hours=1)
    assert store.claim_run(claim(slot=None, started=later, trigger="check"))
    assert store.claim_run(claim(probe="on-demand-only", slot=None, started=later, trigger="check"))
    assert store.latest_slots(["chat", "other", "on-demand-only", "unknown"]) == {
        "chat": T0 + timedelta(seconds=60),
        "other": T0 + timedelta(seconds=5),
    }
