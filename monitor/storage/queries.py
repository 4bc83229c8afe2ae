"""Read queries: run history with filters, a run's findings, baselines. One layer under the CLI
and (later) the HTTP API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.tables import BaselineRow, Evidence, FindingRow, Run

runs = Run.__table__  # type: ignore[attr-defined]
findings_t = FindingRow.__table__  # type: ignore[attr-defined]
baselines = BaselineRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RunFilter:
    probes: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()
    status_codes: tuple[int, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    include_claimed: bool = False


def list_runs(conn: Connection, flt: RunFilter) -> list[dict[str, Any]]:
    query = sa.select(runs)
    conditions = []
    for column, values in (
        (runs.c.probe, flt.probes),
        (runs.c.target, flt.targets),
        (runs.c.outcome, flt.outcomes),
        (runs.c.category, flt.categories),
        (runs.c.verdict, flt.verdicts),
        (runs.c.status_code, flt.status_codes),
    ):
        if values:
            conditions.append(column.in_(values))
    if flt.since is not None:
        conditions.append(runs.c.started_at >= flt.since)
    if flt.until is not None:
        conditions.append(runs.c.started_at < flt.until)
    if not flt.include_claimed:
        conditions.append(runs.c.state == "completed")
    if conditions:
        query = query.where(*conditions)
    query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(flt.limit)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    by_run = findings_for(conn, [r["id"] for r in rows])
    for row in rows:
        row["findings"] = by_run.get(row["id"], [])
    return rows


def get_run(conn: Connection, run_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out["findings"] = findings_for(conn, [run_id]).get(run_id, [])
    # the assumption ledger and the contract used (contract engine); run_view shows the ledger
    evidence = Evidence.__table__  # type: ignore[attr-defined]
    extra = conn.execute(
        sa.select(evidence.c.ledger, evidence.c.contract).where(evidence.c.run_id == run_id)
    ).first()
    out["ledger"] = list(extra.ledger or []) if extra is not None else []
    out["contract"] = extra.contract if extra is not None else None
    return out


def findings_for(conn: Connection, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not run_ids:
        return out
    query = sa.select(findings_t).where(findings_t.c.run_id.in_(run_ids)).order_by(findings_t.c.id)
    for row in conn.execute(query).mappings():
        out[row["run_id"]].append(dict(row))
    return out


def list_baselines(conn: Connection, probe: str) -> list[dict[str, Any]]:
    query = (
        sa.select(baselines)
        .where(baselines.c.probe == probe)
        .order_by(baselines.c.response_class, baselines.c.version)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def list_events(
    conn: Connection,
    *,
    probes: tuple[str, ...] = (),
    states: tuple[str, ...] = (),
    limit: int = 100,
) -> list[dict[str, Any]]:
    from monitor.storage.tables import EventRow

    events = EventRow.__table__  # type: ignore[attr-defined]
    query = sa.select(events)
    if probes:
        query = query.where(events.c.probe.in_(probes))
    if states:
        query = query.where(events.c.state.in_(states))
    query = query.order_by(events.c.last_seen.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]
