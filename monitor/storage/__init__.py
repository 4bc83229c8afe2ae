"""Storage: the ``ResultStore`` role and its SQL implementation (SQLite and PostgreSQL).

Every write that belongs to one run (run row, evidence, findings, baseline, events,
transitions, outbox rows) happens in one transaction; no transaction is open across an HTTP
call. Calls are synchronous: async callers run them in an executor.
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
