"""Engines for SQLite (embedded default) and PostgreSQL (production, several replicas).

SQLite: WAL journal, a busy timeout, foreign keys on, and every transaction ``BEGIN IMMEDIATE``
so that ``monitor run`` and CLI commands writing side by side queue up instead of failing with
"database is locked" halfway through a transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from monitor.config.dburl import normalize_database_url
from monitor.errors import UsageError
from monitor.storage.private import private_file

POSTGRES_DRIVER_MISSING = (
    "a postgresql+psycopg:// URL needs the PostgreSQL driver psycopg, which is not installed: "
    "pip install 'contract-monitor[postgres]' (or pipx inject contract-monitor 'psycopg[binary]')"
)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_db_engine(url: str) -> Engine:
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    try:
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except ModuleNotFoundError as exc:
        # psycopg comes with the default install; an install made without dependencies (or a
        # platform without its binary wheel) gets the fix, not a traceback
        if (exc.name or "").split(".")[0] in ("psycopg", "psycopg_binary", "psycopg_c"):
            raise UsageError(POSTGRES_DRIVER_MISSING) from None
        raise


def _sqlite_engine(url: str) -> Engine:
    database = sa.engine.make_url(url).database
    if database and database != ":memory:":
        path = Path(database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        private_file(path)  # evidence is not for every local user (umask 022 gives 0644)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
