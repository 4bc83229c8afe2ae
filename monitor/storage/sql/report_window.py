"""The report's window: completed runs with ``started_at`` in ``[since, until)``, optionally of
one target, as SQL conditions shared by the client-side scan (``report_queries``) and the
server-side aggregates (``report_sql``); and how many sample run ids a group keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.storage.sql.queries import COMPLETED
from monitor.storage.sql.tables import Run

runs = Run.__table__  # type: ignore[attr-defined]
SAMPLE_IDS = 5


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    target: str | None = None

    def runs_where(self, table: Any = runs) -> list[Any]:
        """The window's completed runs; ``table`` is ``runs`` or an alias of it."""
        times = [table.c.started_at >= self.since, table.c.started_at < self.until]
        return [*times, *self.run_filters(table)]

    def run_filters(self, table: Any = runs) -> list[Any]:
        """Completed runs (of the target), whatever their time."""
        cond = [COMPLETED if table is runs else sa.func.coalesce(table.c.state, "") == "completed"]
        if self.target:
            cond.append(table.c.target == self.target)
        return cond
