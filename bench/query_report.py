"""Timing the 24-hour report for ``query_bench.py``: warm in the benchmark's process, cold in a
new process after ``query_cold.evict``, and the whole ``monitor report`` command.

A cold report is timed from the new process's engine creation (so the connection is new)
to the Markdown text; the process's whole wall time, with Python's start and the imports, is
reported beside it. ``monitor report`` runs the real command against a generated config.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from query_cold import buffer_misses, evict, read_bytes

from monitor.report.build import ReportInput, build_report
from monitor.report.markdown import render_markdown
from monitor.storage import create_store
from monitor.storage.params import Window
from monitor.storage.sql.report_queries import report_facts
from monitor.storage.sql.store import SqlStore

CONFIG = """
environment: bench
storage: {{url: "{url}"}}
targets:
  bench: {{base_url: "http://127.0.0.1:9", api_key_env: BENCH_API_KEY}}
probes:
  - {{name: probe-0, target: bench, every: 60s, model: m,
     messages: [{{role: user, content: hi}}], params: {{max_tokens: 16}}}}
"""


def timed_report(store: SqlStore, window: Window) -> dict[str, Any]:
    """One report as ``monitor report`` makes it (``report_facts``, ``build_report``, Markdown),
    timed; on PostgreSQL also the blocks it read and how many missed shared buffers."""
    began = time.perf_counter()
    with store.engine.begin() as conn:  # what SqlStore.report_facts does, so we can count blocks
        facts = report_facts(conn, window)
        facts_ms = (time.perf_counter() - began) * 1000
        blocks = buffer_misses(conn) if not store.is_sqlite else (0, 0)
        backend = (
            os.getpid()
            if store.is_sqlite
            else int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        )
    text = render_markdown(build_report(ReportInput(facts, window.since, window.until)))
    return {
        "facts_ms": facts_ms,
        "report_ms": (time.perf_counter() - began) * 1000,
        "runs": facts.totals["runs"],
        "blocks": blocks[0],
        "missed": blocks[1],
        "backend": backend,
        "chars": len(text),
    }


def child(url: str, since: str, until: str) -> None:
    """One cold report in this (new) process: a new engine, so a new connection."""
    window = Window(datetime.fromisoformat(since), datetime.fromisoformat(until))
    began = time.perf_counter()
    store = create_store(url, lambda: secrets.token_hex(8))
    try:
        io_before = read_bytes(os.getpid())
        result = timed_report(store, window)
        result["total_ms"] = (time.perf_counter() - began) * 1000
        if store.is_sqlite:
            result["read_mb"] = (read_bytes(os.getpid()) - io_before) / 2**20
        else:  # a new backend: all it read, before it exits
            result["read_mb"] = read_bytes(result["backend"]) / 2**20
    finally:
        store.close()
    print(json.dumps(result))


def cold_reports(store: SqlStore, url: str, window: Window, count: int) -> list[dict[str, Any]]:
    out = []
    script = str(Path(__file__).with_name("query_bench.py"))
    for _ in range(count):
        how = evict(store)
        argv = [sys.executable, script, "--child", url, window.since.isoformat()]
        argv.append(window.until.isoformat())
        began = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
        wall_ms = (time.perf_counter() - began) * 1000  # with Python's start and the imports
        out.append({**json.loads(done.stdout.splitlines()[-1]), "evicted": how, "wall_ms": wall_ms})
    return out


def cli_reports(store: SqlStore, url: str, window: Window, count: int) -> list[float]:
    """Wall times of the real ``monitor report`` command, each after an eviction."""
    monitor = Path(sys.executable).with_name("monitor")
    out = []
    with tempfile.TemporaryDirectory(prefix="monitor-bench-cli-") as folder:
        config = Path(folder) / "monitor.yaml"
        config.write_text(CONFIG.format(url=url))
        argv = [str(monitor), "report", "--config", str(config), "--since"]
        argv += [window.since.isoformat(), "--until", window.until.isoformat()]
        for _ in range(count):
            evict(store)
            began = time.perf_counter()
            done = subprocess.run(
                argv, capture_output=True, text=True, env={**os.environ, "BENCH_API_KEY": "x"}
            )
            out.append((time.perf_counter() - began) * 1000)
            assert done.returncode == 0, done.stderr
            assert "synthetic probes only" in done.stdout
    return out
