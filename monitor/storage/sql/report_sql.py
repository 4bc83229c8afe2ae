"""The report's window-wide facts computed inside PostgreSQL (GROUP BY and window functions):
the server aggregates 10^5 rows faster than a client can receive them, so on PostgreSQL this
replaces ``report_scan`` (which wins on SQLite, where window functions are slow). Both return
the same shapes; the report tests run on both backends.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.params import Window
from monitor.storage.sql.report_ledgers import CHUNK, Groups
from monitor.storage.sql.report_window import SAMPLE_IDS, run_filters, runs_where
from monitor.storage.sql.tables import runs_table as runs


def totals_and_baselines(
    conn: Connection, w: Window
) -> tuple[dict[str, int], list[Any], Groups, int]:
    """Counters per (probe, baseline, ledger digest) in ONE grouped scan; the totals are their
    sums. Also the digest groups (their first and last run's ids still to be looked up) and
    the number of sent runs without a digest."""
    ok2xx = sa.and_(runs.c.status_code >= 200, runs.c.status_code < 300)
    sent = runs.c.outcome != "skipped"

    def count_if(cond: Any) -> Any:
        return sa.func.sum(sa.case((cond, 1), else_=0))

    keys = (
        runs.c.probe,
        runs.c.baseline_class,
        runs.c.baseline_version,
        runs.c.baseline_state,
        runs.c.ledger_digest,
    )
    query = (
        sa.select(
            *keys,
            sa.func.count().label("runs"),
            count_if(runs.c.outcome == "pass").label("pass"),
            count_if(runs.c.outcome == "drift").label("drift"),
            count_if(runs.c.outcome == "fail").label("fail"),
            count_if(runs.c.outcome == "skipped").label("skipped"),
            count_if(sent).label("requests"),
            sa.func.sum(sa.case((sent, runs.c.attempts), else_=0)).label("attempts"),
            count_if(ok2xx).label("ok2xx"),
            count_if(sa.and_(ok2xx, runs.c.prompt_tokens.is_not(None))).label("usage_present"),
            sa.func.sum(runs.c.prompt_tokens).label("prompt_tokens"),
            sa.func.sum(runs.c.completion_tokens).label("completion_tokens"),
            sa.func.min(runs.c.id).label("first_id"),
            sa.func.min(runs.c.started_at).label("first_at"),
            sa.func.max(runs.c.started_at).label("last_at"),
        )
        .where(*runs_where(w))
        .group_by(*keys)
    )
    counters = (
        "runs", "pass", "drift", "fail", "skipped", "requests", "attempts", "ok2xx",
        "usage_present", "prompt_tokens", "completion_tokens",
    )  # fmt: skip
    totals = dict.fromkeys((*counters, "probes"), 0)
    probes: set[str] = set()
    baselines: dict[tuple[Any, ...], dict[str, Any]] = {}
    groups: Groups = {}
    undigested = 0
    for row in conn.execute(query).mappings():
        probes.add(row["probe"])
        for key in counters:
            totals[key] += int(row[key] or 0)
        if row["baseline_version"] is not None:
            baseline = baselines.setdefault(
                tuple(row[k.name] for k in keys[:4]),
                {
                    "probe": row["probe"],
                    "baseline_class": row["baseline_class"],
                    "baseline_version": row["baseline_version"],
                    "baseline_state": row["baseline_state"],
                    "count": 0,
                    "first_id": row["first_id"],
                },
            )
            baseline["count"] += int(row["runs"])
            baseline["first_id"] = min(baseline["first_id"], row["first_id"])
        digest = row["ledger_digest"]
        if digest is None:
            undigested += int(row["requests"] or 0)
            continue
        group = groups.setdefault(
            (row["probe"], digest),
            {"probe": row["probe"], "digest": digest, "count": 0, "first_at": row["first_at"]},
        )
        group["count"] += int(row["runs"])
        group["first_at"] = min(group["first_at"], row["first_at"])
        group["last_at"] = max(group.get("last_at", row["last_at"]), row["last_at"])
    totals["probes"] = len(probes)
    ordered = sorted(baselines.values(), key=_baseline_order)
    return totals, ordered, groups, undigested


def _baseline_order(b: dict[str, Any]) -> tuple[Any, ...]:
    return (b["probe"], b["baseline_class"] or "", b["baseline_version"])


def name_group_ends(conn: Connection, w: Window, groups: Groups) -> None:
    """Each digest group's first and last run: the run of that probe and digest at the
    group's first (last) start time, the smallest (largest) id among ties, as the SQLite scan
    orders them. Index lookups on ``ix_runs_probe_started_at``, two per group."""
    wanted = sorted(
        {(g["probe"], g["first_at"]) for g in groups.values()}
        | {(g["probe"], g["last_at"]) for g in groups.values()}
    )
    at: dict[tuple[str, str, Any], list[str]] = {}
    for start in range(0, len(wanted), CHUNK):
        query = sa.select(runs.c.probe, runs.c.ledger_digest, runs.c.started_at, runs.c.id).where(
            sa.tuple_(runs.c.probe, runs.c.started_at).in_(wanted[start : start + CHUNK]),
            *run_filters(w),
        )
        for probe, digest, started, run_id in conn.execute(query):
            at.setdefault((probe, digest, started), []).append(run_id)
    for key, g in list(groups.items()):
        first = at.get((g["probe"], g["digest"], g["first_at"]), [])
        last = at.get((g["probe"], g["digest"], g["last_at"]), [])
        if not first and not last:  # retention deleted them since the grouped scan
            del groups[key]
            continue
        if not first:
            first, g["first_at"] = last, g["last_at"]
        if not last:
            last, g["last_at"] = first, g["first_at"]
        g["first_id"], g["last_id"] = min(first), max(last)


def status_timeline(conn: Connection, w: Window) -> list[dict[str, Any]]:
    """Per probe, maximal stretches of consecutive runs with one status (gaps and islands).

    One window pass numbers each probe's runs and compares each run's status with its
    neighbours'; only the first and last run of a stretch leave the server (a few hundred rows
    for a day) and a stretch's size is the difference of their numbers. (The first version
    grouped all rows by a running sum of changes: a second window pass, a second sort and an
    aggregate over every row of the day; BENCHMARKS.md.) A stretch names its first and last
    run in time order, as ``report_scan`` does on SQLite."""

    def over(fn: sa.FunctionElement[Any]) -> sa.Over[Any]:
        return fn.over(partition_by=runs.c.probe, order_by=(runs.c.started_at, runs.c.id))

    status = runs.c.status_code
    edge = -1  # no HTTP status is negative: the neighbour of a probe's first and last run
    numbered = (
        sa.select(
            runs.c.probe,
            runs.c.id,
            runs.c.started_at,
            status,
            over(sa.func.row_number()).label("rn"),
            over(sa.func.lag(status, 1, edge)).is_distinct_from(status).label("starts"),
            over(sa.func.lead(status, 1, edge)).is_distinct_from(status).label("ends"),
        )
        .where(*runs_where(w), runs.c.outcome != "skipped")
        .subquery()
    )
    query = (
        sa.select(numbered)
        .where(sa.or_(numbered.c.starts, numbered.c.ends))
        .order_by(numbered.c.probe, numbered.c.rn)
    )
    segments: list[dict[str, Any]] = []
    first: dict[str, Any] = {}
    grp = 0  # the stretch's number within its probe, as the first version's running sum
    for row in conn.execute(query).mappings():
        if row["starts"]:
            first = dict(row)
            grp = 1 if row["rn"] == 1 else grp + 1
        if row["ends"]:
            segments.append(
                {
                    "probe": row["probe"],
                    "grp": grp,
                    "status_code": row["status_code"],
                    "count": row["rn"] - first["rn"] + 1,
                    "first_at": first["started_at"],
                    "last_at": row["started_at"],
                    "first_id": first["id"],
                    "last_id": row["id"],
                }
            )
    return segments


def usage_absent(conn: Connection, w: Window) -> list[str]:
    query = (
        sa.select(runs.c.id)
        .where(
            *runs_where(w),
            runs.c.status_code >= 200,
            runs.c.status_code < 300,
            runs.c.prompt_tokens.is_(None),
        )
        .order_by(runs.c.started_at, runs.c.id)
        .limit(SAMPLE_IDS)
    )
    return list(conn.execute(query).scalars())


def scan_in_server(conn: Connection, w: Window) -> dict[str, Any]:
    totals, baselines, groups, undigested = totals_and_baselines(conn, w)
    name_group_ends(conn, w, groups)
    complete = totals["usage_present"] == totals["ok2xx"]
    return {
        "totals": totals,
        "timeline": status_timeline(conn, w),
        "baselines": baselines,
        "usage_absent_ids": [] if complete else usage_absent(conn, w),
        "digest_groups": groups,
        "undigested": undigested,
    }
