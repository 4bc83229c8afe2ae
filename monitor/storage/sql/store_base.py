"""``StoreBase``: what every part of the ``SqlStore`` facade shares: the engine, the id source,
one transaction per call (``_begin``) and the schema.

Each facade part (``store_runs``, ``store_reads``, ``store_people``, ``store_alerts``) is a
subclass that only opens a transaction and calls the module that does the work; ``SqlStore``
(``storage.sql``) joins them. No method keeps a connection beyond its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from monitor.errors import StorageError
from monitor.storage.sql.engine import is_sqlite
from monitor.storage.sql.migrate import current_revision, head_revision, is_at_head, upgrade


@contextmanager
def unavailable_is_retryable() -> Iterator[None]:
    """Losing the database (refused, dropped, locked too long) is a retryable StorageError;
    data it refuses (a value out of range) is a StorageError that retrying cannot help."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        raise StorageError(
            f"the database is unavailable: {type(exc.orig).__name__}: {str(exc.orig)[:200]}",
            retryable=True,
        ) from exc
    except (sa_exc.DataError, sa_exc.IntegrityError) as exc:
        raise StorageError(
            f"the database refused the data: {type(exc.orig).__name__}: {str(exc.orig)[:200]}",
            retryable=False,
        ) from exc


class StoreBase:
    def __init__(self, engine: Engine, new_id: Callable[[], str]) -> None:
        self.engine = engine
        self.new_id = new_id

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction; losing the database becomes ``StorageError(retryable=True)``."""
        with unavailable_is_retryable(), self.engine.begin() as conn:
            yield conn

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    # schema
    def upgrade(self) -> None:
        with unavailable_is_retryable():
            upgrade(self.engine)

    def current_revision(self) -> str | None:
        with unavailable_is_retryable():
            return current_revision(self.engine)

    def head_revision(self) -> str:
        return head_revision()

    def is_at_head(self) -> bool:
        with unavailable_is_retryable():
            return is_at_head(self.engine)

    def ping(self) -> None:
        """Raises ``StorageError(retryable=True)`` when the database does not answer."""
        with unavailable_is_retryable(), self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()
