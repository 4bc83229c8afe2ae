"""Query benchmark for the incident tooling (never part of ``make test``).

Seeds N runs inside the database (``query_seed.py``), then measures, through the real query
layer:

- a one-hour window of one probe (``SqlStore.list_runs``, what ``history``/the API run), p50/p95
  over many random windows, and the same query with indexes disabled as the baseline;
- the 24-hour incident report over the last day of data: ``report_facts`` (the queries) plus
  ``build_report`` and ``render_markdown`` (what ``monitor report`` and ``/api/v1/report`` add),
  cold and warm (``query_report.py``). Cold: ``--cold`` times, the database's pages evicted
  (``query_cold.py``), then a NEW process opens a new connection and makes one report. Warm:
  one process, one report to warm up, then ``--reports`` timed reports. Also ``--cli`` runs of
  the whole ``monitor report`` command after an eviction (Python's start and imports included);
- and prints ``EXPLAIN`` for the one-hour query and for every statement a report sends.

The one-hour windows are timed twice over the same random windows: first right after an
eviction (cold), then again (warm: the pages the first pass read are cached).

    .venv/bin/python bench/query_bench.py --backend sqlite --runs 1000000
    .venv/bin/python bench/query_bench.py --backend postgres --runs 10000000 --keep
    .venv/bin/python bench/query_bench.py --backend postgres --reuse SCHEMA   # no seeding
    .venv/bin/python bench/query_bench.py --runs 200000 --evidence-kb 5 --undigested
"""

from __future__ import annotations

import argparse
import random
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from query_cold import evict
from query_report import child, cli_reports, cold_reports, timed_report
from query_seed import STEP_S, seed_postgres, seed_sqlite
from sqlalchemy import event

from monitor.storage import create_store
from monitor.storage.params import RunFilter, Window
from monitor.storage.sql.store import SqlStore

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _bounds(store: SqlStore) -> tuple[datetime, datetime]:
    """First and last start time of the seeded runs (two index lookups: SQLite only optimises
    a lone min() or max())."""
    with store.engine.connect() as conn:
        first, last = (
            conn.execute(sa.text(f"SELECT {fn}(started_at) FROM runs")).scalar_one()
            for fn in ("min", "max")
        )

    def parse(value: Any) -> datetime:
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    return parse(first), parse(last)


def day_window(store: SqlStore) -> Window:
    _, last = _bounds(store)
    end = last + timedelta(seconds=STEP_S)
    return Window(end - timedelta(hours=24), end)


def one_hour_windows(store: SqlStore, probes: int, count: int) -> list[RunFilter]:
    first, last = _bounds(store)
    minutes = int((last - first).total_seconds() // 60)
    rng = random.Random(7)
    out = []
    for _ in range(count):
        start = first + timedelta(minutes=rng.randrange(minutes - 60))
        probe = f"probe-{rng.randrange(probes)}"
        out.append(
            RunFilter(probes=(probe,), since=start, until=start + timedelta(hours=1), limit=100)
        )
    return out


def time_windows(store: SqlStore, windows: list[RunFilter]) -> list[float]:
    out = []
    for flt in windows:
        began = time.perf_counter()
        rows = store.list_runs(flt)
        out.append((time.perf_counter() - began) * 1000)
        assert len(rows) == 60, len(rows)
    return out


def unindexed_window(store: SqlStore, count: int) -> list[float]:
    """The same one-hour query with index use switched off: the baseline the index beats."""
    out = []
    start, _ = _bounds(store)
    start += timedelta(hours=1)
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


def statements_of_one_report(store: SqlStore, window: Window) -> list[tuple[str, Any]]:
    seen: dict[str, Any] = {}

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.setdefault(statement, params)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        store.report_facts(window)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return list(seen.items())


def explain(store: SqlStore, window: Window) -> None:
    start, _ = _bounds(store)
    start += timedelta(hours=5)
    one_hour = (
        "SELECT * FROM runs WHERE probe = 'probe-3' AND started_at >= {s} AND started_at < {u} "
        "AND coalesce(state, '') = 'completed' ORDER BY started_at DESC, id DESC LIMIT 100"
    )
    statements = statements_of_one_report(store, window)
    with store.engine.connect() as conn:
        if store.is_sqlite:
            prefix = "EXPLAIN QUERY PLAN "
            sql = one_hour.format(s="?", u="?")
            hour_params: Any = (_sqlite_ts(start), _sqlite_ts(start + timedelta(hours=1)))
        else:
            prefix = "EXPLAIN (ANALYZE, BUFFERS) "
            sql = one_hour.format(s="%(s)s", u="%(u)s")
            hour_params = {"s": start, "u": start + timedelta(hours=1)}
        for title, statement, params in [
            ("one-hour window", sql, hour_params),
            *[("report statement", s, p) for s, p in statements if s.startswith("SELECT")],
        ]:
            rows = conn.exec_driver_sql(prefix + statement, params).fetchall()
            print(f"EXPLAIN {title}: {' '.join(statement.split())[:160]}")
            print(*[r[-1] if store.is_sqlite else r[0] for r in rows], sep="\n  ", end="\n\n")
        conn.rollback()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def spread(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5):.0f} / p95 {pct(values, 0.95):.0f} / max {max(values):.0f} ms"


def open_store(args: argparse.Namespace) -> tuple[SqlStore, str, bool]:
    """The store, its URL and whether it still needs seeding."""
    if args.backend == "sqlite":
        if args.reuse:
            url = f"sqlite:///{args.reuse}"
        else:
            url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='monitor-bench-')) / 'bench.db'}"
    else:
        schema = args.reuse or f"bench_{secrets.token_hex(3)}"
        if not args.reuse:
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            admin.dispose()
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    migrate = not args.reuse or args.upgrade
    store = create_store(url, lambda: secrets.token_hex(8), auto_upgrade=migrate)
    return store, url, not args.reuse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--windows", type=int, default=300, help="one-hour queries to time")
    parser.add_argument("--reports", type=int, default=20, help="warm 24-hour reports to time")
    parser.add_argument("--cold", type=int, default=10, help="cold reports (new processes)")
    parser.add_argument("--cli", type=int, default=3, help="cold `monitor report` commands")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--reuse", help="an already seeded SQLite file or PostgreSQL schema")
    parser.add_argument("--upgrade", action="store_true", help="migrate a --reuse database")
    parser.add_argument("--evidence-kb", type=int, default=0, help="pad evidence rows (SQLite)")
    parser.add_argument(
        "--undigested", action="store_true", help="runs without ledger_digest (before 0007)"
    )
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    store, url, fresh = open_store(args)
    try:
        if fresh:
            began = time.perf_counter()
            seed = seed_sqlite if store.is_sqlite else seed_postgres
            seed(
                store,
                args.runs,
                args.probes,
                evidence_kb=args.evidence_kb,
                digested=not args.undigested,
            )
            print(f"seeded {args.runs:,} runs in {time.perf_counter() - began:.0f} s: {url}")
        window = day_window(store)
        cold = cold_reports(store, url, window, args.cold)
        cli_ms = cli_reports(store, url, window, args.cli) if args.cli else []
        windows = one_hour_windows(store, args.probes, args.windows)
        evict(store)
        window_cold_ms = time_windows(store, windows)
        window_ms = time_windows(store, windows)
        baseline_ms = unindexed_window(store, 5)
        timed_report(store, window)  # warm-up
        warm = [timed_report(store, window) for _ in range(args.reports)]
        if not args.no_explain:
            explain(store, window)
        print(f"backend {args.backend}, {url}")
        for name, values in (("cold", window_cold_ms), ("warm", window_ms)):
            print(
                f"one-hour window, one probe, {name} ({len(values)} queries): p50 "
                f"{pct(values, 0.5):.2f} ms, p95 {pct(values, 0.95):.2f} ms, max "
                f"{max(values):.2f} ms"
            )
        print(f"  without indexes (5 queries): p50 {pct(baseline_ms, 0.5):.1f} ms")
        print(
            f"24-hour report over {warm[0]['runs']:,} runs, {warm[0]['chars']:,} chars of Markdown"
        )
        for name, rows in (("cold", cold), ("warm", warm)):
            print(
                f"  {name} ({len(rows)}): report {spread([r['report_ms'] for r in rows])}; "
                f"queries only {spread([r['facts_ms'] for r in rows])}"
            )
        if cli_ms:
            print(f"  `monitor report`, whole command after an eviction: {spread(cli_ms)}")
        for r in cold:
            print(
                f"    cold: report {r['report_ms']:.0f} ms (from engine creation "
                f"{r['total_ms']:.0f} ms, whole process {r['wall_ms']:.0f} ms), {r['blocks']} "
                f"blocks, {r['missed']} missed shared buffers, {r['read_mb']:.1f} MB from disk; "
                f"{r['evicted']}"
            )
    finally:
        store.close()
        if args.backend == "postgres" and not args.keep and not args.reuse:
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {url.rsplit('%3D', 1)[1]} CASCADE")
            admin.dispose()


if __name__ == "__main__":
    main()
