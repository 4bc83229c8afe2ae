"""Seeding for ``query_bench.py``, done inside the database (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL).

P probes on 5 targets, one run per probe per minute, 95% pass / 3% drift / 2% fail, one finding
per non-passing run, one evidence row per run with an assumption ledger (``status 200``:
supported on a 200, unsupported on the 401s and 429s) and a contract reference, and each run's
``ledger_digest`` (left NULL with ``digested=False``: runs recorded before migration 0007).
``evidence_kb`` (SQLite only) pads each evidence row to about that size with random bytes in
``body`` and ``shape``, as a real run's evidence (~5 kB) is; by default the rows hold ~0.4 kB.

PostgreSQL is seeded the way a production database looks when an incident report is asked
for: the history (everything but the last day) is loaded, then ``VACUUM (ANALYZE)`` (hint bits
set, visibility map set, statistics), then the last day is loaded and left as autovacuum leaves
it: at 10 M runs the insert threshold (20 % of the table) is two weeks of runs away, so the
day a report covers is neither vacuumed nor all-visible and its statistics are a day old.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from monitor.storage.sql.store import SqlStore

BASE = datetime(2026, 1, 1, tzinfo=UTC)
STEP_S = 60
DAY_MINUTES = 1440

RUN_COLUMNS = (
    "id, probe, target, kind, trigger, slot_at, state, started_at, finished_at, outcome, "
    "status_code, latency_ms, attempts, trace_id, span_id, category, verdict, baseline_class, "
    "baseline_state, baseline_version, request_hash, config_hash, prompt_tokens, "
    "completion_tokens, ledger_digest"
)
CONTRACT = {
    "source": "config/contracts/openai-chat-completions.yaml",
    "sha256": "5eed" * 16,
    "fetched_at": "2026-01-01T00:00:00Z",
    "title": "OpenAI chat completions",
    "version": "2.3.0",
    "openapi": "3.1.0",
}


def _ledger(status: int) -> list[dict[str, str]]:
    mark = "supported" if status == 200 else "unsupported"
    return [{"kind": "status", "subject": "200", "mark": mark, "reason": f"HTTP {status}"}]


def _by_status(values: dict[int, str]) -> str:
    """A CASE on the run's status code (200, 401 or 429) giving SQL string literals."""
    whens = " ".join(f"WHEN {status} THEN '{value}'" for status, value in values.items())
    return f"CASE status_code {whens} END"


def _digests(digested: bool) -> str:
    if not digested:
        return "NULL"
    from monitor.storage.sql.digest import ledger_digest  # main's code, benched --reuse, has none

    digests = {status: ledger_digest(_ledger(status), CONTRACT) for status in (200, 401, 429)}
    return _by_status(digests).replace("status_code", "{status}")


def _run_select(i: str, ts: str, probes: int, id_expr: str, hexa: str, digest: str) -> str:
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
    digest = digest.format(status=f"({status})")
    return (
        f"{id_expr}, 'probe-' || ({i} % {probes}), 'target-' || ({i} % 5), "
        f"'chat_completion', 'schedule', {ts}, 'completed', {ts}, {ts}, {outcome}, {status}, "
        f"200.0 + ({i} % 300), 1, {hexa}, substr({hexa}, 1, 16), {category}, {verdict}, "
        f"'success', 'active', 1, 'req', 'cfg', {tokens}, {tokens}, {digest}"
    )


def seed_sqlite(
    store: SqlStore, n: int, probes: int, *, evidence_kb: int = 0, digested: bool = True
) -> None:
    base = int(BASE.timestamp())
    seconds = f"{base} + (i / {probes}) * {STEP_S}"
    ts = f"strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch') || '.000000'"
    id_expr = "printf('%08x-0000-7000-8000-%012x', i / 100000, i)"
    hexa = "printf('%032x', i)"
    select = _run_select("i", ts, probes, id_expr, hexa, _digests(digested))
    pad = max(0, evidence_kb * 1024 - 900) // 2
    padding = (
        {"body": "randomblob(900)", "shape": f"""'{{"pad":"' || hex(randomblob({pad})) || '"}}'"""}
        if evidence_kb
        else {}
    )
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO runs ({RUN_COLUMNS}) "
            f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1}) "
            f"SELECT {select} FROM s"
        )
        _seed_children(conn, "", "", padding)


def seed_postgres(
    store: SqlStore, n: int, probes: int, *, evidence_kb: int = 0, digested: bool = True
) -> None:
    if evidence_kb:
        raise SystemExit("--evidence-kb is for SQLite (PostgreSQL compresses and TOASTs values)")
    ts = f"(TIMESTAMPTZ '{BASE.isoformat()}' + (i / {probes}) * INTERVAL '{STEP_S} seconds')"
    id_expr = "lpad(to_hex(i / 100000), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0')"
    hexa = "lpad(to_hex(i), 32, '0')"
    select = _run_select("i::bigint", ts, probes, id_expr, hexa, _digests(digested))
    select = select.replace("%", "%%")
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
            _seed_children(conn, f"WHERE started_at {where}", "::jsonb", {})
        if lo == 0:
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # only this schema's tables: the database is shared
                conn.exec_driver_sql("VACUUM (ANALYZE) runs, evidence, findings")


def _seed_children(conn: sa.Connection, where: str, cast: str, padding: dict[str, Any]) -> None:
    ledgers = {status: json.dumps(_ledger(status)) for status in (200, 401, 429)}
    ledger = f"CAST({_by_status(ledgers)} AS {'jsonb' if cast else 'TEXT'})"
    columns = ", ".join(padding)
    conn.exec_driver_sql(
        f"INSERT INTO evidence (run_id, method, body_size, body_truncated, ledger, contract"
        f"{', ' + columns if padding else ''}) "
        f"SELECT id, 'POST', 600, false, {ledger}, '{json.dumps(CONTRACT)}'{cast}"
        f"{', ' + ', '.join(padding.values()) if padding else ''} FROM runs {where}"
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
