"""Throughput on PostgreSQL: how many probes per minute one and three `monitor run` replicas
sustain against the simulator, with the p99 schedule lateness.

    .venv/bin/python bench/replica_throughput.py [--seconds 30] [--loads 25 50 75 100 150]

For each replica count, N probes every second run for --seconds; the first 8 s (start-up) and
the last 6 s (a lease and a reaper pass) are left out. A load is *sustained* when every slot of
the window has a completed run, none was skipped, and the p99 lateness (run start minus slot
time) stays under one period (1 s). Loads are tried in order until one is not sustained.
One replica is the baseline measured in the same run. The simulator runs in its own process
(healthy scenario, answers at once); PostgreSQL is the local server.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from monitor.config.schema import ProbeConfig
from monitor.runner.scheduler import slot_time, trigger_for
from monitor.storage.sql.engine import create_db_engine
from monitor.storage.sql.migrate import upgrade

KEY = "sk-sim-bench-0123456789"
PG = os.environ.get("MONITOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WARMUP = timedelta(seconds=8)
TAIL = timedelta(seconds=6)  # timeout 2s + lease margin 2s + a reaper pass
PROBE = (
    "  - {{name: b{i:04d}, target: sim, every: 1s, timeout: 2s, model: gpt-4o-mini, "
    'messages: [{{role: user, content: "contract_probe"}}], params: {{max_tokens: 8}}, '
    "retries: {{attempts: 1}}, baseline: {{learn_runs: 2}}}}\n"
)


@dataclass
class Result:
    replicas: int
    probes: int
    expected: int
    executed: int
    skipped: int
    missing: int
    p50_ms: float
    p99_ms: float
    seconds: float

    @property
    def per_minute(self) -> float:
        return self.executed / self.seconds * 60

    @property
    def sustained(self) -> bool:
        return self.missing == 0 and self.skipped == 0 and self.p99_ms < 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _expected(names: list[str], start: datetime, end: datetime) -> set[tuple[str, datetime]]:
    out = set()
    for name in names:
        probe = ProbeConfig.model_validate(
            {"name": name, "target": "sim", "model": "m", "messages": [{}], "every": "1s"}
        )
        trigger = trigger_for(probe)
        fire = trigger.get_next_fire_time(None, start)
        while fire is not None and fire < end:
            out.add((name, slot_time(fire)))
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return out


def run_load(url: str, replicas: int, probes: int, seconds: float, workdir: Path) -> Result:
    schema = f"bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    db_url = f"{PG}?options=-csearch_path%3D{schema}"
    engine = create_db_engine(db_url)
    upgrade(engine)
    config = workdir / f"bench-{replicas}-{probes}.yaml"
    config.write_text(
        "environment: bench\nstorage: {lease_margin: 2s}\n"
        f'targets:\n  sim: {{base_url: "{url}", api_key_env: BENCH_KEY, max_connections: 50}}\n'
        "alerts: {console: {stream: stderr}}\nprobes:\n"
        + "".join(PROBE.format(i=i) for i in range(probes))
    )
    env = {**os.environ, "BENCH_KEY": KEY, "MONITOR_DATABASE_URL": db_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(replicas)
    ]
    began = datetime.now(UTC)
    try:
        time.sleep(seconds)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    start, end = began + WARMUP, began + timedelta(seconds=seconds) - TAIL
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT probe, slot_at, started_at, outcome FROM runs "
                "WHERE slot_at >= :a AND slot_at < :b AND state = 'completed'"
            ),
            {"a": start, "b": end},
        ).all()
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()
    expected = _expected([f"b{i:04d}" for i in range(probes)], start, end)
    seen = {(r.probe, r.slot_at) for r in rows}
    executed = [r for r in rows if r.outcome != "skipped"]
    lateness = sorted((r.started_at - r.slot_at).total_seconds() * 1000 for r in executed)
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))] if lateness else 0.0
    return Result(
        replicas=replicas,
        probes=probes,
        expected=len(expected),
        executed=len(executed),
        skipped=len(rows) - len(executed),
        missing=len(expected - seen),
        p50_ms=statistics.median(lateness) if lateness else 0.0,
        p99_ms=p99,
        seconds=(end - start).total_seconds(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--loads", type=int, nargs="+", default=[25, 50, 75, 100, 150], help="probes per second"
    )
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    port = _free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "monitor", "simulate", "--port", str(port), "--api-key", KEY],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    results: list[Result] = []
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/_simulator/scenario", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            for replicas in args.replicas:
                for probes in args.loads:
                    result = run_load(url, replicas, probes, args.seconds, Path(tmp))
                    results.append(result)
                    print(_row(result), flush=True)
                    if not result.sustained:
                        break
    finally:
        sim.terminate()
        sim.wait(10)
    print(
        f"# machine: {os.cpu_count()} cores, {_cpu_model()}, Python {platform.python_version()}; "
        f"{args.seconds:.0f} s per load"
    )
    for replicas in args.replicas:
        ok = [r for r in results if r.replicas == replicas and r.sustained]
        best = max(ok, key=lambda r: r.per_minute) if ok else None
        shown = (
            f"{best.per_minute:.0f} probes/min (p99 lateness {best.p99_ms:.0f} ms)"
            if best
            else "none"
        )
        print(f"# {replicas} replica(s) sustain: {shown}")


def _row(r: Result) -> str:
    return (
        f"replicas={r.replicas} probes={r.probes} executed/min={r.per_minute:.0f} "
        f"expected={r.expected} executed={r.executed} skipped={r.skipped} missing={r.missing} "
        f"p50={r.p50_ms:.0f}ms p99={r.p99_ms:.0f}ms sustained={r.sustained}"
    )


if __name__ == "__main__":
    main()
