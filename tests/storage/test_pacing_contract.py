"""Pacing is shared through the database: replicas sending to one Slack channel get
successive one-second slots, and a 429's pause holds every replica back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from monitor.storage.base import Store
from tests.storage.builders import T0

SECOND = timedelta(seconds=1)


def test_one_key_gets_successive_slots_and_other_keys_are_free(store: Store) -> None:
    assert store.reserve_pace("slack:C1", T0, SECOND) == T0
    assert store.reserve_pace("slack:C1", T0, SECOND) == T0 + SECOND
    assert store.reserve_pace("slack:C2", T0, SECOND) == T0  # another channel
    later = T0 + timedelta(seconds=10)
    assert store.reserve_pace("slack:C1", later, SECOND) == later  # an idle channel is free


def test_a_pause_holds_the_key_until_it_ends(store: Store) -> None:
    store.pause_pace("slack:C1", T0 + timedelta(seconds=30))
    assert store.reserve_pace("slack:C1", T0, SECOND) == T0 + timedelta(seconds=30)
    store.pause_pace("slack:C1", T0 + timedelta(seconds=5))  # an earlier pause does not shorten it
    assert store.reserve_pace("slack:C1", T0, SECOND) == T0 + timedelta(seconds=31)


def test_replicas_reserving_at_once_get_distinct_slots(
    open_store: Callable[[], Store],
) -> None:
    stores = [open_store() for _ in range(5)]
    barrier = threading.Barrier(len(stores))
    slots = []
    lock = threading.Lock()

    def reserve(s: Store) -> None:
        barrier.wait()
        slot = s.reserve_pace("slack:C1", T0, SECOND)
        with lock:
            slots.append(slot)

    threads = [threading.Thread(target=reserve, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for s in stores:
        s.close()
    assert sorted(slots) == [T0 + i * SECOND for i in range(5)]


def test_a_slot_too_far_off_is_not_booked_and_an_unused_one_is_given_back(
    store: Store,
) -> None:
    assert store.reserve_pace("slack:C1", T0, SECOND) == T0
    # a sender that will not wait 30 s looks, but does not push everyone else back
    store.pause_pace("slack:C1", T0 + timedelta(seconds=30))
    far = store.reserve_pace("slack:C1", T0, SECOND, max_wait=timedelta(seconds=5))
    assert far == T0 + timedelta(seconds=30)
    assert store.reserve_pace("slack:C1", T0, SECOND) == T0 + timedelta(seconds=30)
    # that booking was not used (the sender's lease ran short): the slot is free again
    store.release_pace("slack:C1", T0 + timedelta(seconds=30), SECOND)
    assert store.reserve_pace("slack:C1", T0, SECOND) == T0 + timedelta(seconds=30)
    # a release after someone else booked later changes nothing
    store.reserve_pace("slack:C1", T0, SECOND)  # books T0+31
    store.release_pace("slack:C1", T0 + timedelta(seconds=30), SECOND)
    assert store.reserve_pace("slack:C1", T0, SECOND) == T0 + timedelta(seconds=32)
