"""The storage contract suite: every test here runs on SQLite AND PostgreSQL (``db_url``),
through the store's role Protocols (``monitor.storage.base``), as apscheduler's datastore suite
runs one suite over every data store. A test that must look under the interface (statement
counts, rows the roles never expose) asks for ``sql_store`` instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from monitor.ids import new_id
from monitor.storage import SqlStore, create_store
from monitor.storage.base import Store
from tests.storage.builders import T0


@pytest.fixture
def open_store(db_url: str) -> Iterator[Callable[[], Store]]:
    """Opens stores on the test's database (several stand for several replicas)."""
    opened: list[Store] = []

    def make() -> Store:
        store = create_store(
            db_url, lambda: new_id(T0), auto_upgrade=db_url.startswith("sqlite") and not opened
        )
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], Store]) -> Store:
    return open_store()


@pytest.fixture
def sql_store(store: Store) -> SqlStore:
    """The same store, as the SQL class, for tests that read under the interface."""
    assert isinstance(store, SqlStore)
    return store
