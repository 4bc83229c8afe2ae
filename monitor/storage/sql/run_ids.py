"""A run named by its id or a unique prefix of it, as ``events show`` reads event ids."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.errors import UsageError
from monitor.storage.sql.tables import runs_table as runs

MIN_RUN_PREFIX = 6
MAX_CANDIDATES = 10


def resolve_run_id(conn: Connection, ref: str) -> str:
    """The id of the run ``ref`` names: the full id or a unique prefix of 6+ characters, as
    ``events show`` reads event ids. UsageError (exit 2) listing the candidates otherwise."""
    ref = ref.strip()
    if conn.execute(sa.select(runs.c.id).where(runs.c.id == ref)).scalar_one_or_none():
        return ref
    if len(ref) < MIN_RUN_PREFIX:
        raise UsageError(f"no run {ref!r} (give the id or at least {MIN_RUN_PREFIX} characters)")
    matches = conn.execute(
        sa.select(runs.c.id, runs.c.probe, runs.c.started_at, runs.c.outcome)
        .where(runs.c.id.like(f"{ref}%"))
        .order_by(runs.c.id)
        .limit(MAX_CANDIDATES + 1)
    ).all()
    if not matches:
        raise UsageError(f"no run {ref!r}: see `monitor history` for run ids")
    if len(matches) > 1:
        shown = "\n".join(
            f"  {m.id}  {m.probe}  {m.outcome or '-'}  {m.started_at:%Y-%m-%d %H:%M:%S}"
            for m in matches[:MAX_CANDIDATES]
        )
        more = "\n  …" if len(matches) > MAX_CANDIDATES else ""
        raise UsageError(f"run prefix {ref!r} is ambiguous; it matches:\n{shown}{more}")
    return str(matches[0].id)
