"""Opening the configured database: where it is (``MONITOR_DATABASE_URL`` over ``storage.url``,
a relative SQLite path read against the config file's directory) and the store, migrated
(SQLite) or checked to be at the latest migration (PostgreSQL).

Apart from the composition root (``monitor.app``, which uses it too) so that the commands that
only read or edit the database (``history``, ``show``, ``events``, ``prune``, ...) start
without importing the whole application: HTTP clients, sinks, tracing, contracts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from monitor.clock import Clock
from monitor.config.dburl import DatabaseLocation, locate_database
from monitor.config.loader import LoadedConfig
from monitor.config.schema import Config
from monitor.errors import StorageError, UsageError
from monitor.ids import new_id
from monitor.storage import create_store
from monitor.storage.base import Store

log = logging.getLogger("monitor.app")  # the logger this warning had when it lived in app.py


def database_url(config: Config, env: Mapping[str, str]) -> str:
    """``MONITOR_DATABASE_URL`` over ``storage.url`` (already checked with the config)."""
    return database_location(config, env).url


def database_location(source: LoadedConfig | Config, env: Mapping[str, str]) -> DatabaseLocation:
    """Which database, and where its URL came from; a relative SQLite path in the config file
    is read against that file's directory (only a bare ``Config`` has none: the working one)."""
    config, path = (
        (source.config, source.path) if isinstance(source, LoadedConfig) else (source, None)
    )
    try:
        return locate_database(config.storage.url, path, env, Path.cwd())
    except ValueError as exc:
        raise UsageError(f"MONITOR_DATABASE_URL: {exc}") from None


def open_store(
    source: LoadedConfig | Config,
    env: Mapping[str, str],
    clock: Clock,
    *,
    must_exist: bool = False,
) -> Store:
    """Open the database; SQLite migrates itself, PostgreSQL must be at the migration head.

    ``must_exist``: commands that only read never create a SQLite file; a missing one is a
    UsageError naming the path and where the URL came from (an empty new database would
    answer "no runs" and look like an answer).
    """
    where = database_location(source, env)
    _point_out_moved_database(where)
    if must_exist and where.path is not None and not where.path.exists():
        raise UsageError(
            f"no database at {where.path} (from {where.origin}): nothing has been recorded "
            "there yet; run `monitor check` or `monitor run`, or point the URL at the database"
        )
    url = where.url
    store = create_store(url, lambda: new_id(clock.now()), auto_upgrade=url.startswith("sqlite"))
    if not store.is_sqlite and not store.is_at_head():
        store.close()
        raise StorageError(
            "the database schema is not at the latest migration: run `monitor db upgrade`",
            retryable=False,
        )
    return store


def _point_out_moved_database(where: DatabaseLocation) -> None:
    """A relative ``storage.url`` used to be read against the working directory: when a
    database sits there and none at the config-relative path, say so (each command opens
    its store once, so this is said once)."""
    old, new = where.cwd_path, where.path
    if old is not None and new is not None and old.exists() and not new.exists():
        log.warning(
            "the relative SQLite path of %s is now read against the config file's directory: "
            "%s does not exist, but a database exists at the old place %s (the working "
            "directory); move it, or write an absolute path",
            where.origin,
            new,
            old,
        )
