"""Read queries: run history with filters and keyset pagination, a run's findings and evidence,
baselines, events, probe status. One layer under the CLI, the HTTP API and ``/metrics``.

Pages are keyset pages on ``(started_at, id)`` (newest first): a cursor names the last row seen,
so a page costs the same at any depth and rows inserted meanwhile never shift a page.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.params import Cursor, RunFilter
from monitor.storage.sql.tables import baselines_table as baselines
from monitor.storage.sql.tables import events_table as events_t
from monitor.storage.sql.tables import evidence_table as evidence_t
from monitor.storage.sql.tables import findings_table as findings_t
from monitor.storage.sql.tables import runs_table as runs
from monitor.storage.status_records import Baseline, ProbeStatus

SUCCESS_OUTCOMES = ("pass", "drift")  # the endpoint gave a valid answer
# ``state`` has one dominant value, so an index on it never helps these reads; without ANALYZE
# statistics SQLite nevertheless picks ``ix_runs_state_lease_until`` (the reaper's index) and
# scans every run. Wrapping the column keeps the planner on the time indexes (see BENCHMARKS.md).
COMPLETED = sa.func.coalesce(runs.c.state, "") == "completed"


def list_runs(conn: Connection, flt: RunFilter) -> list[dict[str, Any]]:
    query = sa.select(runs)
    conditions: list[sa.ColumnElement[bool]] = []
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
        conditions.append(COMPLETED)
    if flt.cursor is not None:
        conditions.append(
            sa.or_(
                runs.c.started_at < flt.cursor.at,
                sa.and_(runs.c.started_at == flt.cursor.at, runs.c.id < flt.cursor.id),
            )
        )
    if conditions:
        query = query.where(*conditions)
    query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(flt.limit)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    ids = [r["id"] for r in rows]
    by_run = findings_for(conn, ids)
    ledgers = ledgers_for(conn, ids)
    for row in rows:
        row["findings"] = by_run.get(row["id"], [])
        row["ledger"] = ledgers.get(row["id"], [])
    return rows


def ledgers_for(conn: Connection, run_ids: list[str]) -> dict[str, list[Any]]:
    """The assumption ledger of each run (``runview`` shows it in every run listing)."""
    if not run_ids:
        return {}
    query = sa.select(evidence_t.c.run_id, evidence_t.c.ledger).where(
        evidence_t.c.run_id.in_(run_ids), evidence_t.c.ledger.is_not(None)
    )
    return {row.run_id: list(row.ledger or []) for row in conn.execute(query)}


def get_run(conn: Connection, run_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out["findings"] = findings_for(conn, [run_id]).get(run_id, [])
    # the assumption ledger and the contract used (contract engine); run_view shows the ledger
    evidence = evidence_t
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


def list_baselines(conn: Connection, probe: str) -> list[Baseline]:
    query = (
        sa.select(baselines)
        .where(baselines.c.probe == probe)
        .order_by(baselines.c.response_class, baselines.c.version)
    )
    return [Baseline(**r) for r in conn.execute(query).mappings()]


def list_runs_page(conn: Connection, flt: RunFilter) -> tuple[list[dict[str, Any]], str | None]:
    """One page and the cursor of the next (None on the last page)."""
    rows = list_runs(conn, RunFilter(**{**flt.__dict__, "limit": flt.limit + 1}))
    if len(rows) <= flt.limit:
        return rows, None
    rows = rows[: flt.limit]
    return rows, Cursor(rows[-1]["started_at"], rows[-1]["id"]).encode()


def get_evidence(conn: Connection, run_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(evidence_t).where(evidence_t.c.run_id == run_id)).mappings()
    first = row.first()
    return dict(first) if first else None


def last_run(
    conn: Connection,
    probe: str,
    *,
    outcomes: tuple[str, ...] = (),
    before: datetime | None = None,
    with_findings: bool = True,
) -> dict[str, Any] | None:
    """The newest completed run of ``probe`` (with one of ``outcomes``, before ``before``)."""
    query = sa.select(runs).where(runs.c.probe == probe, COMPLETED)
    if outcomes:
        query = query.where(runs.c.outcome.in_(outcomes))
    if before is not None:
        query = query.where(runs.c.started_at < before)
    query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(1)
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    out = dict(row)
    if with_findings:
        out["findings"] = findings_for(conn, [out["id"]]).get(out["id"], [])
    return out


def probe_status(conn: Connection, probes: list[str]) -> list[ProbeStatus]:
    """Per probe: the latest answered-or-failed run and the latest success (index-only probes of
    ``(probe, started_at)``; one short backward scan each)."""
    out = []
    for probe in probes:
        latest = last_run(conn, probe, outcomes=("pass", "drift", "fail"), with_findings=False)
        success = last_run(conn, probe, outcomes=SUCCESS_OUTCOMES, with_findings=False)
        out.append(
            ProbeStatus(
                probe=probe,
                target=latest["target"] if latest else None,
                last_outcome=latest["outcome"] if latest else None,
                last_run_at=latest["started_at"] if latest else None,
                last_success_at=success["started_at"] if success else None,
            )
        )
    return out


def latest_slots(conn: Connection, probes: list[str]) -> dict[str, datetime]:
    """Per probe, its latest scheduled slot with a row (run, claim or skip); probes without one
    are left out. ``max(slot_at)`` per probe is read from the end of the ``UNIQUE(probe,
    slot_at)`` index on SQLite and PostgreSQL alike (a GROUP BY would read every row)."""
    out = {}
    for probe in probes:
        query = sa.select(sa.func.max(runs.c.slot_at)).where(runs.c.probe == probe)
        slot = conn.execute(query).scalar_one()
        if slot is not None:
            out[probe] = slot
    return out


def open_event_counts(conn: Connection) -> dict[str, int]:
    query = (
        sa.select(events_t.c.severity, sa.func.count())
        .where(events_t.c.state == "open")
        .group_by(events_t.c.severity)
    )
    return {str(sev): int(n) for sev, n in conn.execute(query)}


def outcome_counts(conn: Connection, probe: str, after: datetime) -> dict[str, int]:
    """How the probe's completed runs started after ``after`` ended, by outcome."""
    query = (
        sa.select(runs.c.outcome, sa.func.count())
        .where(runs.c.probe == probe, COMPLETED, runs.c.started_at > after)
        .group_by(runs.c.outcome)
    )
    return {str(outcome): int(n) for outcome, n in conn.execute(query)}
