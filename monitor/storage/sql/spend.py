"""What the monitor itself spent on a target: requests (attempts) and reported tokens.

Feeds the budgets (``admission``) and reports. In-flight runs (``claimed``) are not counted
here: the process that claimed them counts its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.core.policy.budget import Spend
from monitor.storage.sql.tables import runs_table as runs


def spent(conn: Connection, target: str, since: datetime, until: datetime) -> tuple[int, int]:
    """(requests sent, tokens reported) by completed runs of ``target`` started in the range."""
    attempts = sa.case((runs.c.attempts > 0, runs.c.attempts), else_=1)
    tokens = sa.func.coalesce(runs.c.prompt_tokens, 0) + sa.func.coalesce(
        runs.c.completion_tokens, 0
    )
    row = conn.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(attempts), 0), sa.func.coalesce(sa.func.sum(tokens), 0)
        ).where(
            runs.c.target == target,
            runs.c.state == "completed",
            runs.c.outcome != "skipped",
            runs.c.started_at >= since,
            runs.c.started_at < until,
        )
    ).one()
    return int(row[0]), int(row[1])


def recent_spend(conn: Connection, target: str, now: datetime) -> Spend:
    later = now + timedelta(seconds=1)
    requests, _ = spent(conn, target, now - timedelta(minutes=1), later)
    _, tokens = spent(conn, target, now - timedelta(days=1), later)
    return Spend(requests_last_minute=requests, tokens_last_day=tokens)
