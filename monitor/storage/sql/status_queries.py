"""What the status pages draw, read cheaply over hundreds of probes: run points (five columns of
a run, never its findings or evidence), outcome counts per slice of a window (grouped in the
database), recent latencies and each probe's newest run. Every query walks the
``(probe, started_at)`` index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.sql.queries import COMPLETED
from monitor.storage.sql.tables import runs_table as runs
from monitor.storage.status_records import OutcomeBucket, RunPoint

# A run point's columns: never findings, evidence or bodies.
_POINT_COLUMNS = (
    runs.c.id,
    runs.c.started_at,
    runs.c.outcome,
    runs.c.latency_ms,
    runs.c.baseline_state,
)


def run_points(
    conn: Connection, probes: list[str], since: datetime, until: datetime | None, limit: int
) -> dict[str, list[RunPoint]]:
    """Each probe's completed runs in the window, newest first: one range scan of
    ``ix_runs_probe_started_at`` per probe, five columns, so a status page over hundreds of
    probes never reads findings or bodies."""
    out: dict[str, list[RunPoint]] = {}
    for probe in probes:
        query = sa.select(*_POINT_COLUMNS).where(runs.c.probe == probe, runs.c.started_at >= since)
        if until is not None:
            query = query.where(runs.c.started_at < until)
        query = query.where(COMPLETED).order_by(runs.c.started_at.desc()).limit(limit)
        out[probe] = [
            RunPoint(probe, r.id, r.started_at, r.outcome, r.latency_ms, r.baseline_state)
            for r in conn.execute(query)
        ]
    return out


def outcome_buckets(
    conn: Connection,
    probes: list[str],
    since: datetime,
    bucket_s: int,
    until: datetime | None = None,
) -> list[OutcomeBucket]:
    """One grouped scan of the window for every probe (the database counts; Python never sees
    the runs): the status page's strips over hundreds of probes and a day of runs."""
    start = sa.bindparam("since", since, type_=runs.c.started_at.type)
    if conn.dialect.name == "sqlite":
        # whole seconds as integers: julianday's floating point put a run that starts exactly
        # on a slice's edge into the slice before it
        def seconds(value: Any) -> Any:
            return sa.cast(sa.func.strftime("%s", value), sa.Integer)

        index = ((seconds(runs.c.started_at) - seconds(start)) // bucket_s).label("i")
    else:
        offset = sa.extract("epoch", runs.c.started_at - start)
        index = sa.cast(sa.func.floor(offset / bucket_s), sa.Integer).label("i")
    query = (
        sa.select(runs.c.probe, index, runs.c.outcome, sa.func.count(), sa.func.max(runs.c.id))
        .where(runs.c.probe.in_(probes), runs.c.started_at >= start, COMPLETED)
        .group_by(runs.c.probe, index, runs.c.outcome)
    )
    if until is not None:
        query = query.where(runs.c.started_at < until)
    return [
        OutcomeBucket(p, int(i), o, int(n), str(newest))
        for p, i, o, n, newest in conn.execute(query)
    ]


def recent_latencies(conn: Connection, probes: list[str], limit: int) -> dict[str, list[float]]:
    """The newest ``limit`` latencies of each probe (one short index scan each)."""
    out: dict[str, list[float]] = {}
    for probe in probes:
        query = (
            sa.select(runs.c.latency_ms)
            .where(runs.c.probe == probe, COMPLETED, runs.c.latency_ms.is_not(None))
            .order_by(runs.c.started_at.desc())
            .limit(limit)
        )
        out[probe] = [float(v) for (v,) in conn.execute(query)]
    return out


def latest_points(conn: Connection, probes: list[str]) -> dict[str, RunPoint]:
    """Each probe's newest completed run (one index lookup each)."""
    out: dict[str, RunPoint] = {}
    for probe in probes:
        query = (
            sa.select(*_POINT_COLUMNS)
            .where(runs.c.probe == probe, COMPLETED)
            .order_by(runs.c.started_at.desc())
            .limit(1)
        )
        row = conn.execute(query).first()
        if row is not None:
            out[probe] = RunPoint(
                probe, row.id, row.started_at, row.outcome, row.latency_ms, row.baseline_state
            )
    return out
