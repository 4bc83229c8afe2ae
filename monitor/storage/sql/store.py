"""``SqlStore``: every store role (``storage.base``) implemented on SQLite or PostgreSQL.

A facade grouped by concern, one class per part, each in its own module: ``StoreBase`` (engine,
transactions, schema), ``RunStore`` (runs, spend, replicas, retention), ``ReadStore`` (queries),
``PeopleStore`` (holds, heartbeats, baselines, events), ``AlertStore`` (outbox, self-watch).
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.storage.sql.engine import create_db_engine
from monitor.storage.sql.store_alerts import AlertStore
from monitor.storage.sql.store_base import unavailable_is_retryable
from monitor.storage.sql.store_people import PeopleStore
from monitor.storage.sql.store_reads import ReadStore
from monitor.storage.sql.store_runs import RunStore


class SqlStore(RunStore, ReadStore, PeopleStore, AlertStore):
    """Every store operation, each in its own transaction (see ``storage.store_base``)."""


def create_store(url: str, new_id: Callable[[], str], *, auto_upgrade: bool = False) -> SqlStore:
    """A store for ``url``. The embedded SQLite default migrates itself on start."""
    store = SqlStore(create_db_engine(url), new_id)
    if auto_upgrade:
        store.upgrade()
    return store


__all__ = ["SqlStore", "create_store", "unavailable_is_retryable"]
