"""The report's window (``params.Window``: completed runs with ``started_at`` in
``[since, until)``, optionally of one target) as SQL conditions shared by the client-side scan
(``report_queries``) and the server-side aggregates (``report_sql``); and how many sample run
ids a group keeps.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from monitor.storage.params import Window
from monitor.storage.sql.queries import COMPLETED
from monitor.storage.sql.tables import runs_table as runs

SAMPLE_IDS = 5


def runs_where(w: Window, table: Any = runs) -> list[Any]:
    """The window's completed runs; ``table`` is ``runs`` or an alias of it."""
    times = [table.c.started_at >= w.since, table.c.started_at < w.until]
    return [*times, *run_filters(w, table)]


def run_filters(w: Window, table: Any = runs) -> list[Any]:
    """Completed runs (of the target), whatever their time."""
    cond = [COMPLETED if table is runs else sa.func.coalesce(table.c.state, "") == "completed"]
    if w.target:
        cond.append(table.c.target == w.target)
    return cond
