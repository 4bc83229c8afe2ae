"""Making a report "cold" for ``query_bench.py``, and checking that it was.

Cold means: a new process with a new connection, and the benchmark database's pages in neither
the server's buffers nor the operating system's page cache.

- SQLite: ``posix_fadvise(DONTNEED)`` on the database file (and its WAL) drops its clean pages
  from the page cache; any user may do this to a file it can open.
- PostgreSQL, without restarting the (shared) server: first an index scan over the oldest runs
  reads several times ``shared_buffers`` worth of other pages through the normal buffer strategy,
  which pushes the report's pages out of shared buffers (a sequential scan would not: it uses a
  small ring buffer); then ``CHECKPOINT``, so no page of the benchmark's relations is dirty;
  then ``fsync`` + ``posix_fadvise(DONTNEED)`` on every file of the schema's relations. The last
  step needs read access to the data directory (root or the postgres user); without it the
  pages stay in the OS cache and the script says so.

The child reports what it actually read, so the figures say how cold the call was: blocks that
missed shared buffers (``pg_stat_get_xact_blocks_fetched - _hit`` in the report's transaction)
and bytes the reading process fetched from the block device (``read_bytes`` in
``/proc/<pid>/io``: this process for SQLite, the PostgreSQL backend for PostgreSQL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.storage.sql.store import SqlStore

CHURN_FACTOR = 6  # passes over shared_buffers: a page's usage count goes up to 5


def evict(store: SqlStore) -> str:
    """Evicts the benchmark database's pages; returns what was done, for the output."""
    if store.is_sqlite:
        database = store.engine.url.database or ""
        dropped = _drop_page_cache([Path(database), Path(database + "-wal")])
        return f"fadvise DONTNEED on {dropped} file(s)"
    churned_mb = _churn_shared_buffers(store)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CHECKPOINT")
        data_dir = Path(str(conn.exec_driver_sql("SHOW data_directory").scalar()))
        rel_paths = list(conn.exec_driver_sql(_RELATION_FILES).scalars())
    try:
        dropped = _drop_page_cache(_segments(data_dir, rel_paths))
    except PermissionError:
        return f"shared buffers churned ({churned_mb} MB read); OS cache NOT dropped (no access)"
    return f"shared buffers churned ({churned_mb} MB read), CHECKPOINT, {dropped} files fadvised"


_RELATION_FILES = """
SELECT pg_relation_filepath(c.oid) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 't')
UNION
SELECT pg_relation_filepath(t.oid) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class t ON t.oid = c.reltoastrelid
WHERE n.nspname = current_schema()
"""


def _segments(data_dir: Path, rel_paths: list[str]) -> Iterator[Path]:
    for rel in rel_paths:
        base = data_dir / rel
        for fork in ("", "_fsm", "_vm"):
            segment = 0
            while True:
                path = Path(f"{base}{fork}" + (f".{segment}" if segment else ""))
                if not path.exists():
                    break
                yield path
                segment += 1


def _drop_page_cache(paths: Any) -> int:
    dropped = 0
    for path in paths:
        if not Path(path).exists():
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)  # DONTNEED leaves dirty pages in the cache
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        dropped += 1
    return dropped


def _churn_shared_buffers(store: SqlStore) -> int:
    """Reads the oldest runs through ``ix_runs_started_at`` until CHURN_FACTOR x
    shared_buffers of heap pages went through the buffer pool; returns the MB read."""
    with store.engine.connect() as conn:
        buffers = int(
            conn.exec_driver_sql(
                "SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers'"
            ).scalar_one()
        )
        pages, tuples = conn.exec_driver_sql(
            "SELECT relpages, reltuples FROM pg_class WHERE oid = 'runs'::regclass"
        ).one()
        rows = int(CHURN_FACTOR * buffers * (tuples / max(pages, 1)))
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        conn.exec_driver_sql("SET LOCAL enable_indexonlyscan = off")
        conn.execute(
            sa.text(
                "SELECT sum(latency_ms) FROM (SELECT latency_ms FROM runs "
                "ORDER BY started_at LIMIT :rows) AS oldest"
            ),
            {"rows": rows},
        )
        conn.rollback()
    return CHURN_FACTOR * buffers * 8192 // 2**20


def read_bytes(pid: int) -> int:
    """Bytes ``pid`` fetched from the block device so far (0 when /proc says nothing)."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("read_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


_BLOCKS = """
SELECT coalesce(sum(pg_stat_get_xact_blocks_fetched(c.oid)), 0),
       coalesce(sum(pg_stat_get_xact_blocks_hit(c.oid)), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')
"""


def buffer_misses(conn: sa.Connection) -> tuple[int, int]:
    """(blocks read, blocks that missed shared buffers) in the current transaction."""
    fetched, hit = conn.exec_driver_sql(_BLOCKS).one()
    return int(fetched), int(fetched) - int(hit)
