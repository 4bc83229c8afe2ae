"""The incident report's facts over one window (``started_at`` in ``[since, until)``,
optionally one target): totals, timeline, baselines and runs per ledger digest in one
streamed pass on SQLite (``report_scan``) or as server-side aggregates on PostgreSQL
(``report_sql``), the ledgers and contract notes they count (``report_ledgers``), and
selective SQL for the rare rows (failures, findings, 402/429 answers).

A 24-hour window on a busy monitor holds ~10^5 runs and the report must answer within a
second; rows are never loaded into a list, and sample run ids are capped per group
(``SAMPLE_IDS``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.params import Window
from monitor.storage.report_facts import ReportFacts
from monitor.storage.sql.report_ledgers import add_undigested, ledger_facts
from monitor.storage.sql.report_scan import scan_window
from monitor.storage.sql.report_sql import scan_in_server
from monitor.storage.sql.report_window import SAMPLE_IDS, run_filters, runs_where
from monitor.storage.sql.tables import findings_table as findings_t
from monitor.storage.sql.tables import runs_table as runs

OPEN_QUESTION_CATEGORY = "unknown_external_behavior"
OPEN_QUESTION_VERDICT = "vendor_question"
ACCOUNT_STATUSES = (402, 429)
ACCOUNT_CATEGORY = "usage_billing_assumption"


def _sampled(conn: Connection, inner: Any, keys: list[str]) -> list[dict[str, Any]]:
    """Groups of ``inner`` (a subquery with ``keys``, ``id``, ``started_at``): count, first and
    last time, and the first ``SAMPLE_IDS`` run ids of each group, in one scan."""
    part = [inner.c[k] for k in keys]
    ranked = sa.select(
        *part,
        inner.c.id,
        inner.c.started_at,
        sa.func.row_number()
        .over(partition_by=part, order_by=(inner.c.started_at, inner.c.id))
        .label("rn"),
        sa.func.count().over(partition_by=part).label("n"),
        sa.func.min(inner.c.started_at).over(partition_by=part).label("first_at"),
        sa.func.max(inner.c.started_at).over(partition_by=part).label("last_at"),
    ).subquery()
    query = (
        sa.select(ranked)
        .where(ranked.c.rn <= SAMPLE_IDS)
        .order_by(sa.desc(ranked.c.n), *[ranked.c[k] for k in keys], ranked.c.rn)
    )
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        key = tuple(row[k] for k in keys)
        group = groups.setdefault(
            key,
            {
                **{k: row[k] for k in keys},
                "count": int(row["n"]),
                "first_at": row["first_at"],
                "last_at": row["last_at"],
                "run_ids": [],
            },
        )
        group["run_ids"].append(row["id"])
    return list(groups.values())


def failure_groups(conn: Connection, w: Window) -> list[dict[str, Any]]:
    inner = (
        sa.select(runs.c.outcome, runs.c.category, runs.c.verdict, runs.c.id, runs.c.started_at)
        .where(*runs_where(w), runs.c.outcome.in_(("fail", "drift")))
        .subquery()
    )
    return _sampled(conn, inner, ["outcome", "category", "verdict"])


BRIEF = (
    runs.c.id,
    runs.c.probe,
    runs.c.started_at,
    runs.c.outcome,
    runs.c.status_code,
    runs.c.category,
    runs.c.verdict,
    runs.c.trace_id,
)


def first_and_recovery(conn: Connection, w: Window) -> list[dict[str, Any]]:
    """Per probe with a failure: the first and last non-passing run and the first pass after
    the last one, in ONE statement (it was 1 + 3 per failing probe: 300 round trips when 100
    probes fail). Non-passing runs are numbered from both ends per probe; the first pass after
    the last one is a correlated ``LIMIT 1`` on ``ix_runs_probe_started_at``."""
    bad = runs.c.outcome.in_(("fail", "drift"))
    numbered = sa.select(
        *BRIEF,
        sa.func.row_number()
        .over(partition_by=runs.c.probe, order_by=(runs.c.started_at, runs.c.id))
        .label("first_rn"),
        sa.func.row_number()
        .over(partition_by=runs.c.probe, order_by=(runs.c.started_at.desc(), runs.c.id.desc()))
        .label("last_rn"),
    ).where(*runs_where(w), bad)
    ranked = numbered.subquery("ranked")
    after = runs.alias("after")
    recovered_id = (
        sa.select(after.c.id)
        .where(
            *runs_where(w, after),
            after.c.probe == ranked.c.probe,
            # wrapped so that no planner walks ix_runs_outcome_started_at (every probe's
            # passes) instead of this probe's runs in ix_runs_probe_started_at
            sa.func.coalesce(after.c.outcome, "") == "pass",
            after.c.started_at > ranked.c.started_at,
        )
        .order_by(after.c.started_at, after.c.id)
        .limit(1)
        .scalar_subquery()
    )
    marked = (
        sa.select(ranked, sa.case((ranked.c.last_rn == 1, recovered_id)).label("recovered_id"))
        .where(sa.or_(ranked.c.first_rn == 1, ranked.c.last_rn == 1))
        .subquery("marked")
    )
    rec = runs.alias("recovered")
    rec_columns = [rec.c[c.name].label(f"rec_{c.name}") for c in BRIEF]
    query = sa.select(marked, *rec_columns).select_from(
        marked.outerjoin(rec, rec.c.id == marked.c.recovered_id)
    )
    names = [c.name for c in BRIEF]
    by_probe: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        episode = by_probe.setdefault(row["probe"], {"probe": row["probe"]})
        brief = {k: row[k] for k in names}
        if row["first_rn"] == 1:
            episode["first"] = brief
        if row["last_rn"] == 1:
            episode["last"] = brief
            episode["recovered"] = (
                {k: row[f"rec_{k}"] for k in names} if row["rec_id"] is not None else None
            )
    return [by_probe[probe] for probe in sorted(by_probe)]


def finding_groups(conn: Connection, w: Window, condition: Any) -> list[dict[str, Any]]:
    """Findings matching ``condition`` grouped by kind, path, category and verdict.

    A finding's ``at`` is its run's ``started_at`` (``runs.py`` writes both from the claim),
    so the window is applied to the findings alone and the join starts from the window's few
    findings (``ix_findings_at``, then run ids). With the window on ``runs`` too, PostgreSQL,
    whose statistics rarely cover the last day, hash-joined every run of the window."""
    inner = (
        sa.select(
            findings_t.c.kind,
            findings_t.c.path,
            findings_t.c.category,
            findings_t.c.verdict,
            runs.c.id,
            runs.c.started_at,
        )
        .select_from(findings_t.join(runs, runs.c.id == findings_t.c.run_id))
        .where(findings_t.c.at >= w.since, findings_t.c.at < w.until, *run_filters(w), condition)
        .subquery()
    )
    return _sampled(conn, inner, ["kind", "path", "category", "verdict"])


def _open_question() -> Any:
    return sa.or_(
        findings_t.c.category == OPEN_QUESTION_CATEGORY,
        findings_t.c.verdict == OPEN_QUESTION_VERDICT,
    )


def open_questions(conn: Connection, w: Window) -> list[dict[str, Any]]:
    """Unknown behaviour and vendor questions, except 402/429 answers (account questions)."""
    return finding_groups(
        conn,
        w,
        sa.and_(
            _open_question(),
            sa.or_(runs.c.status_code.is_(None), runs.c.status_code.not_in(ACCOUNT_STATUSES)),
        ),
    )


def account_questions(conn: Connection, w: Window) -> dict[str, Any]:
    """The runs ``open_questions`` leaves out: 402/429 answers with a vendor question or unknown
    behaviour (the account's to confirm), counted once per run, and the first few of them."""
    inner = (
        sa.select(runs.c.id, runs.c.started_at)
        .distinct()
        .select_from(findings_t.join(runs, runs.c.id == findings_t.c.run_id))
        .where(
            findings_t.c.at >= w.since,
            findings_t.c.at < w.until,
            # the window on runs too: without it SQLite walks every 402/429 run ever stored
            # in ix_runs_status_code_started_at (1.2 s cold on 1 M runs)
            *runs_where(w),
            _open_question(),
            runs.c.status_code.in_(ACCOUNT_STATUSES),
        )
        .subquery()
    )
    first = conn.execute(
        sa.select(inner.c.id, sa.func.count().over().label("n"))
        .order_by(inner.c.started_at, inner.c.id)
        .limit(SAMPLE_IDS)
    ).all()
    return {"count": int(first[0].n) if first else 0, "run_ids": [row.id for row in first]}


def account_observations(conn: Connection, w: Window) -> dict[str, list[dict[str, Any]]]:
    """Rate-limit and billing signals: 402/429 answers and usage/billing findings."""
    inner = (
        sa.select(runs.c.status_code, runs.c.id, runs.c.started_at)
        .where(*runs_where(w), runs.c.status_code.in_(ACCOUNT_STATUSES))
        .subquery()
    )
    return {
        "statuses": _sampled(conn, inner, ["status_code"]),
        "findings": finding_groups(conn, w, findings_t.c.category == ACCOUNT_CATEGORY),
    }


def report_facts(conn: Connection, w: Window) -> ReportFacts:
    if conn.dialect.name == "postgresql":
        scanned = scan_in_server(conn, w)
    else:
        scanned = scan_window(conn, runs_where(w))
    groups = scanned.pop("digest_groups")
    if scanned.pop("undigested"):
        add_undigested(conn, runs_where(w), groups)
    facts = {
        **scanned,
        "failures": failure_groups(conn, w),
        "episodes": first_and_recovery(conn, w),
        "open_questions": open_questions(conn, w),
        "account_questions": account_questions(conn, w),
        "account": account_observations(conn, w),
        "ledgers": ledger_facts(conn, groups),
    }
    return ReportFacts.from_dict(facts)
