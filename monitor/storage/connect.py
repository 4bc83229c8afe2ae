"""Opening the configured database: its URL (``MONITOR_DATABASE_URL`` over ``storage.url``) and
the store, migrated (SQLite) or checked to be at the latest migration (PostgreSQL).

Apart from the composition root (``monitor.app``, which uses it too) so that the commands that
only read or edit the database (``history``, ``show``, ``events``, ``prune``, ...) start
without importing the whole application: HTTP clients, sinks, tracing, contracts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from monitor.clock import Clock
from monitor.config.dburl import normalize_database_url
from monitor.errors import StorageError, UsageError
from monitor.ids import new_id
from monitor.storage import create_store
from monitor.storage.base import Store

if TYPE_CHECKING:
    from monitor.config.schema import Config


def database_url(config: Config, env: Mapping[str, str]) -> str:
    """``MONITOR_DATABASE_URL`` over ``storage.url`` (already checked with the config)."""
    from_env = env.get("MONITOR_DATABASE_URL")
    if not from_env:
        return config.storage.url
    try:
        return normalize_database_url(from_env)
    except ValueError as exc:
        raise UsageError(f"MONITOR_DATABASE_URL: {exc}") from None


def open_store(config: Config, env: Mapping[str, str], clock: Clock) -> Store:
    """Open the database; SQLite migrates itself, PostgreSQL must be at the migration head."""
    url = database_url(config, env)
    store = create_store(url, lambda: new_id(clock.now()), auto_upgrade=url.startswith("sqlite"))
    if not store.is_sqlite and not store.is_at_head():
        store.close()
        raise StorageError(
            "the database schema is not at the latest migration: run `monitor db upgrade`",
            retryable=False,
        )
    return store
