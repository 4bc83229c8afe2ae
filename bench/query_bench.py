"""Query benchmark for the incident tooling (never part of ``make test``).

Seeds N runs inside the database (a recursive CTE on SQLite, ``generate_series`` on PostgreSQL):
P probes on 5 targets, one run per probe per minute, 95% pass / 3% drift / 2% fail, one finding
per non-passing run, one evidence row per run. Then measures, through the real query layer:

- a one-hour window of one probe (``SqlStore.list_runs``, what ``history``/the API run), p50/p95
  over many random windows, and the same query with indexes disabled as the baseline;
- the 24-hour incident report (``SqlStore.report_facts``) over the last day of data;
- and prints ``EXPLAIN`` for both.

    .venv/bin/python bench/query_bench.py --backend sqlite --runs 1000000
    .venv/bin/python bench/query_bench.py --backend postgres --runs 10000000
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from monitor.storage import create_store
from monitor.storage.queries import RunFilter
from monitor.storage.report_queries import Window
from monitor.storage.sql import SqlStore

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BASE = datetime(2026, 1, 1, tzinfo=UTC)
STEP_S = 60

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
        _seed_children(conn)


def seed_postgres(store: SqlStore, n: int, probes: int) -> None:
    ts = f"(TIMESTAMPTZ '{BASE.isoformat()}' + (i / {probes}) * INTERVAL '{STEP_S} seconds')"
    id_expr = "lpad(to_hex(i / 100000), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0')"
    hexa = "lpad(to_hex(i), 32, '0')"
    with store.engine.begin() as conn:
        select = _run_select("i::bigint", ts, probes, id_expr, hexa).replace("%", "%%")
        conn.exec_driver_sql(
            f"INSERT INTO runs ({RUN_COLUMNS}) "
            f"SELECT {select} FROM generate_series(0, {n - 1}) AS i"
        )
        _seed_children(conn)
        conn.exec_driver_sql("ANALYZE")


def _seed_children(conn: sa.Connection) -> None:
    conn.exec_driver_sql(
        "INSERT INTO evidence (run_id, method, body_size, body_truncated) "
        "SELECT id, 'POST', 600, false FROM runs"
    )
    conn.exec_driver_sql(
        "INSERT INTO findings (run_id, probe, at, kind, path, severity, source, category, "
        "verdict, response_class, message, fingerprint) "
        "SELECT id, probe, started_at, CASE WHEN status_code = 200 THEN 'property-removed' "
        "ELSE 'status-changed' END, CASE WHEN status_code = 200 THEN 'usage' ELSE '' END, "
        "'breaking', 'baseline', category, verdict, 'success', 'seeded', "
        "probe || '|success|seeded' FROM runs WHERE outcome <> 'pass'"
    )


def one_hour_window(store: SqlStore, probes: int, days: float, count: int) -> list[float]:
    rng = random.Random(7)
    out = []
    for _ in range(count):
        start = BASE + timedelta(minutes=rng.randrange(int(days * 1440) - 60))
        flt = RunFilter(
            probes=(f"probe-{rng.randrange(probes)}",),
            since=start,
            until=start + timedelta(hours=1),
            limit=100,
        )
        began = time.perf_counter()
        rows = store.list_runs(flt)
        out.append((time.perf_counter() - began) * 1000)
        assert len(rows) == 60, len(rows)
    return out


def unindexed_window(store: SqlStore, probes: int, count: int) -> list[float]:
    """The same one-hour query with index use switched off: the baseline the index beats."""
    out = []
    start = BASE + timedelta(hours=1)
    params = {"p": "probe-3", "s": start, "u": start + timedelta(hours=1)}
    with store.engine.connect() as conn:
        if store.is_sqlite:
            sql = (
                "SELECT * FROM runs NOT INDEXED "
                "WHERE probe = :p AND started_at >= :s AND started_at < :u"
            )
            params = {**params, "s": _sqlite_ts(start), "u": _sqlite_ts(start + timedelta(hours=1))}
        else:
            conn.exec_driver_sql("SET enable_indexscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            conn.exec_driver_sql("SET enable_indexonlyscan = off")
            sql = "SELECT * FROM runs WHERE probe = :p AND started_at >= :s AND started_at < :u"
        for _ in range(count):
            began = time.perf_counter()
            rows = conn.execute(sa.text(sql), params).fetchall()
            out.append((time.perf_counter() - began) * 1000)
            assert len(rows) == 60, len(rows)
        conn.rollback()
    return out


def _sqlite_ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def report_24h(store: SqlStore, days: float, count: int) -> tuple[list[float], int]:
    end = BASE + timedelta(days=days)
    window = Window(end - timedelta(hours=24), end)
    out = []
    runs = 0
    for _ in range(count):
        began = time.perf_counter()
        facts = store.report_facts(window)
        out.append((time.perf_counter() - began) * 1000)
        runs = facts["totals"]["runs"]
    return out, runs


def explain(store: SqlStore) -> None:
    start = BASE + timedelta(hours=5)
    with store.engine.connect() as conn:
        if store.is_sqlite:
            rows = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM runs WHERE probe = ? AND started_at >= ? "
                "AND started_at < ? AND coalesce(state, '') = 'completed' "
                "ORDER BY started_at DESC, id DESC LIMIT 100",
                ("probe-3", _sqlite_ts(start), _sqlite_ts(start + timedelta(hours=1))),
            ).fetchall()
            print("EXPLAIN one-hour window:", *[r[-1] for r in rows], sep="\n  ")
            rows = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM runs WHERE started_at >= ? "
                "AND started_at < ? AND coalesce(state, '') = 'completed'",
                (_sqlite_ts(start), _sqlite_ts(start + timedelta(hours=24))),
            ).fetchall()
            print("EXPLAIN report window scan:", *[r[-1] for r in rows], sep="\n  ")
        else:
            rows = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM runs WHERE probe = 'probe-3' AND "
                f"started_at >= '{start.isoformat()}' AND started_at < "
                f"'{(start + timedelta(hours=1)).isoformat()}' "
                "AND coalesce(state, '') = 'completed' ORDER BY started_at DESC, id DESC LIMIT 100"
            ).fetchall()
            print("EXPLAIN one-hour window:", *[r[0] for r in rows], sep="\n  ")
            rows = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM runs WHERE "
                f"started_at >= '{start.isoformat()}' AND started_at < "
                f"'{(start + timedelta(hours=24)).isoformat()}' "
                "AND coalesce(state, '') = 'completed'"
            ).fetchall()
            print("EXPLAIN report window scan:", *[r[0] for r in rows], sep="\n  ")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--windows", type=int, default=300, help="one-hour queries to time")
    parser.add_argument("--reports", type=int, default=5, help="24-hour reports to time")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    args = parser.parse_args()
    schema = f"bench_{secrets.token_hex(3)}"
    if args.backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="monitor-bench-"))
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        admin.dispose()
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    store = create_store(url, lambda: secrets.token_hex(8), auto_upgrade=True)
    try:
        began = time.perf_counter()
        (seed_sqlite if store.is_sqlite else seed_postgres)(store, args.runs, args.probes)
        seeded_s = time.perf_counter() - began
        days = args.runs / args.probes * STEP_S / 86400
        print(
            f"backend {args.backend}: seeded {args.runs:,} runs ({days:.1f} days of "
            f"{args.probes} probes at 1/min) in {seeded_s:.0f} s"
        )
        explain(store)
        one_hour_window(store, args.probes, days, 20)  # warm the cache
        window_ms = one_hour_window(store, args.probes, days, args.windows)
        baseline_ms = unindexed_window(store, args.probes, 5)
        cold_ms, _ = report_24h(store, days, 1)
        report_ms, report_runs = report_24h(store, days, args.reports)
        print(
            f"one-hour window, one probe ({args.windows} queries): "
            f"p50 {pct(window_ms, 0.5):.2f} ms, p95 {pct(window_ms, 0.95):.2f} ms"
        )
        print(f"  baseline without indexes (5 queries): p50 {pct(baseline_ms, 0.5):.1f} ms")
        print(
            f"24-hour report over {report_runs:,} runs ({args.reports} reports): "
            f"p50 {pct(report_ms, 0.5):.0f} ms, max {max(report_ms):.0f} ms"
        )
        print(
            f"  first (cold) report {cold_ms[0]:.0f} ms; "
            f"median {statistics.median(report_ms):.0f} ms"
        )
    finally:
        store.close()
        if args.backend == "postgres" and not args.keep:
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()


if __name__ == "__main__":
    main()
