"""Storage: the store's roles (``base``: one ``Protocol`` per way the monitor uses the database,
on the typed records of ``records``, ``params`` and ``report_facts``) and their one
implementation, ``sql.SqlStore`` (SQLite and PostgreSQL).

Every write that belongs to one run (run row, evidence, findings, baseline, events,
transitions, outbox rows) happens in one transaction; no transaction is open across an HTTP
call. Calls are synchronous: async callers run them in an executor.

``create_store`` is the factory the composition root calls; it imports the SQL backend (and
SQLAlchemy) only when called, so importing the roles stays cheap.

May import: ``core``, ``config`` and the root's modules. Never alerts, runner, selfcheck,
telemetry, views, report, api, app, service or cli.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from monitor.storage.base import Store
from monitor.storage.records import (
    AlertRouter,
    OutboxItem,
    RecordedRun,
    RunClaim,
    RunCompletion,
)

if TYPE_CHECKING:
    from monitor.storage.sql.store import SqlStore


def create_store(url: str, new_id: Callable[[], str], *, auto_upgrade: bool = False) -> Store:
    """A store for ``url``. The embedded SQLite default migrates itself on start."""
    from monitor.storage.sql.store import create_store as create_sql_store

    return create_sql_store(url, new_id, auto_upgrade=auto_upgrade)


def __getattr__(name: str) -> Any:
    # ``SqlStore`` stays importable from here (tests, benchmarks) without importing it eagerly
    if name == "SqlStore":
        from monitor.storage.sql.store import SqlStore

        return SqlStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AlertRouter",
    "OutboxItem",
    "RecordedRun",
    "RunClaim",
    "RunCompletion",
    "SqlStore",
    "Store",
    "create_store",
]
