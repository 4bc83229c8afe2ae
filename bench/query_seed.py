"""Seeding for ``query_bench.py``, done inside the database (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL).

P probes on 5 targets, one run per probe per minute, 95% pass / 3% drift / 2% fail, one finding
per non-passing run, one evidence row per run.

PostgreSQL is seeded the way a production database looks when an incident report is asked
for: the history (everything but the last day) is loaded, then ``VACUUM (ANALYZE)`` (hint bits
set, visibility map set, statistics), then the last day is loaded and left as autovacuum leaves
it: at 10 M runs the insert threshold (20 % of the table) is two weeks of runs away, so the
day a report covers is neither vacuumed nor all-visible and its statistics are a day old.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from monitor.storage.sql import SqlStore

BASE = datetime(2026, 1, 1, tzinfo=UTC)
STEP_S = 60
DAY_MINUTES = 1440

RUN_COLUMNS = (
    "id, probe, target, kind, trigger, slot_at, state, started_at, finished_at, outcome, "
    "status_code, latency_ms, attempts, trace_id, span_id, category, verdict, baseline_class, "
    "baseline_state, baseline_version, request_hash, config_hash, prompt_tokens, completion_tokens"
)


def _run_select(i: str, ts: str, probes: int, id_expr: str, hexa: str) -> str:
    """The SELECT list of one seeded run; ``i`` is the row number, ``ts`` its start time."""
    r = f"(({i} * 7919) % 100)"
    outcome = f"CASE WHEN {r} < 95 THEN 'pass' WHEN {r} < 98 THEN 'drift' ELSE 'fail' END"
    status = f"CASE WHEN {r} < 98 THEN 200 WHEN {r} = 98 THEN 401 ELSE 429 END"
    category = (
        f"CASE WHEN {r} < 95 THEN NULL WHEN {r} < 98 THEN 'usage_billing_assumption' "
        f"WHEN {r} = 98 THEN 'auth_mismatch' ELSE 'timeout_retry_mismatch' END"
    )
    verdict = (
        f"CASE WHEN {r} < 95 THEN NULL WHEN {r} < 98 THEN 'deployment_drift' "
        f"WHEN {r} = 98 THEN 'client_bug' ELSE 'vendor_question' END"
    )
    tokens = f"CASE WHEN {r} < 98 THEN 12 ELSE NULL END"
    return (
        f"{id_expr}, 'probe-' || ({i} % {probes}), 'target-' || ({i} % 5), "
        f"'chat_completion', 'schedule', {ts}, 'completed', {ts}, {ts}, {outcome}, {status}, "
        f"200.0 + ({i} % 300), 1, {hexa}, substr({hexa}, 1, 16), {category}, {verdict}, "
        f"'success', 'active', 1, 'req', 'cfg', {tokens}, {tokens}"
    )


def seed_sqlite(store: SqlStore, n: int, probes: int) -> None:
    base = int(BASE.timestamp())
    seconds = f"{base} + (i / {probes}) * {STEP_S}"
    ts = f"strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch') || '.000000'"
    id_expr = "printf('%08x-0000-7000-8000-%012x', i / 100000, i)"
    hexa = "printf('%032x', i)"
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO runs ({RUN_COLUMNS}) "
            f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1}) "
            f"SELECT {_run_select('i', ts, probes, id_expr, hexa)} FROM s"
        )
        _seed_children(conn, "")


def seed_postgres(store: SqlStore, n: int, probes: int) -> None:
    ts = f"(TIMESTAMPTZ '{BASE.isoformat()}' + (i / {probes}) * INTERVAL '{STEP_S} seconds')"
    id_expr = "lpad(to_hex(i / 100000), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0')"
    hexa = "lpad(to_hex(i), 32, '0')"
    select = _run_select("i::bigint", ts, probes, id_expr, hexa).replace("%", "%%")
    last_day = max(0, n - probes * DAY_MINUTES)
    last_day -= last_day % probes
    cutoff = f"TIMESTAMPTZ '{BASE.isoformat()}' + {last_day // probes} * INTERVAL '1 minute'"
    for lo, hi, where in ((0, last_day, f"< {cutoff}"), (last_day, n, f">= {cutoff}")):
        if hi <= lo:
            continue
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                f"INSERT INTO runs ({RUN_COLUMNS}) "
                f"SELECT {select} FROM generate_series({lo}, {hi - 1}) AS i"
            )
            _seed_children(conn, f"WHERE started_at {where}")
        if lo == 0:
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # only this schema's tables: the database is shared
                conn.exec_driver_sql("VACUUM (ANALYZE) runs, evidence, findings")


def _seed_children(conn: sa.Connection, where: str) -> None:
    conn.exec_driver_sql(
        "INSERT INTO evidence (run_id, method, body_size, body_truncated) "
        f"SELECT id, 'POST', 600, false FROM runs {where}"
    )
    conn.exec_driver_sql(
        "INSERT INTO findings (run_id, probe, at, kind, path, severity, source, category, "
        "verdict, response_class, message, fingerprint) "
        "SELECT id, probe, started_at, CASE WHEN status_code = 200 THEN 'property-removed' "
        "ELSE 'status-changed' END, CASE WHEN status_code = 200 THEN 'usage' ELSE '' END, "
        "'breaking', 'baseline', category, verdict, 'success', 'seeded', "
        f"probe || '|success|seeded' FROM runs {where} {'AND' if where else 'WHERE'} "
        "outcome <> 'pass'"
    )
