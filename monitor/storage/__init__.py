"""Storage: the plain records the store is handed and returns (``records``) and the one
backend (``sql/``): ``SqlStore`` on SQLite (embedded) and PostgreSQL (replicas).

Every write that belongs to one run (run row, evidence, findings, baseline, events,
transitions, outbox rows) happens in one transaction; no transaction is open across an HTTP
call. Calls are synchronous: async callers run them in an executor.

May import: ``core``, ``config`` and the root's modules. Never alerts, runner, selfcheck,
telemetry, views, report, api, app, service or cli.
"""

from monitor.storage.records import (
    AlertRouter,
    OutboxItem,
    RecordedRun,
    RunClaim,
    RunCompletion,
)
from monitor.storage.sql.store import SqlStore, create_store

__all__ = [
    "AlertRouter",
    "OutboxItem",
    "RecordedRun",
    "RunClaim",
    "RunCompletion",
    "SqlStore",
    "create_store",
]
