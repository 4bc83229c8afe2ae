"""The storage contract suite: every test here runs on SQLite AND PostgreSQL (``db_url``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from monitor.ids import new_id
from monitor.storage import SqlStore, create_store
from tests.storage.builders import T0


@pytest.fixture
def open_store(db_url: str) -> Iterator[Callable[[], SqlStore]]:
    """Opens stores on the test's database (several stand for several replicas)."""
    opened: list[SqlStore] = []

    def make() -> SqlStore:
        store = create_store(
            db_url, lambda: new_id(T0), auto_upgrade=db_url.startswith("sqlite") and not opened
        )
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], SqlStore]) -> SqlStore:
    return open_store()
