"""Server time of the web overview (``GET /``) with many probes and a large history, beside the
JSON API's ``GET /api/v1/runs`` for the same day in the same run.

Seeds P probes and N runs with ``query_seed`` (one run per probe per minute, inside the
database), then serves the real ASGI app in process (``httpx.ASGITransport``: no socket, so the
figure is the server's time) and times R requests of each, interleaved. Prints a Markdown table.

    .venv/bin/python bench/web_overview.py --backend sqlite --probes 200 --runs 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from query_bench import PG_URL, _bounds
from query_seed import seed_postgres, seed_sqlite

from monitor.api.routes import ApiDeps, build_api
from monitor.config.loader import parse_config
from monitor.selfcheck.health import Health
from monitor.storage import create_store
from monitor.telemetry.metrics import MonitorMetrics


class FixedClock:
    def __init__(self, now: object) -> None:
        self._now = now

    def now(self) -> object:
        return self._now

    def monotonic(self) -> float:
        return time.monotonic()


def config_text(probes: int, url: str) -> str:
    lines = [f'storage: {{url: "{url}"}}', "targets:"]
    lines += [f"  target-{t}: {{base_url: 'http://127.0.0.1:9'}}" for t in range(5)]
    lines.append("probes:")
    for i in range(probes):
        lines.append(
            f"  - {{name: probe-{i}, target: target-{i % 5}, every: 60s, model: m, "
            "messages: [{role: user, content: x}], params: {max_tokens: 8}}"
        )
    return "\n".join(lines) + "\n"


async def timed(client: httpx.AsyncClient, path: str) -> float:
    began = time.perf_counter()
    response = await client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return (time.perf_counter() - began) * 1000


async def measure(app: object, rounds: int) -> dict[str, list[float]]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    out: dict[str, list[float]] = {"/": [], "/api/v1/runs?since=24h&limit=500": []}
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for path in out:  # warm-up: templates compiled, pages of the database cached
            await timed(client, path)
        for _ in range(rounds):
            for path in out:
                out[path].append(await timed(client, path))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if args.backend == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='monitor-web-bench-')) / 'bench.db'}"
    else:
        schema = f"bench_{secrets.token_hex(3)}"
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    store = create_store(url, lambda: secrets.token_hex(8), auto_upgrade=True)
    began = time.perf_counter()
    (seed_sqlite if args.backend == "sqlite" else seed_postgres)(store, args.runs, args.probes)
    print(f"seeded {args.runs} runs of {args.probes} probes in {time.perf_counter() - began:.0f} s")
    _, last = _bounds(store)
    clock = FixedClock(last + timedelta(seconds=1))
    config = parse_config(config_text(args.probes, url), "bench.yaml", {}).config
    deps = ApiDeps(store, config, clock, Health(store, clock), MonitorMetrics(), None)  # type: ignore[arg-type]
    results = asyncio.run(measure(build_api(deps), args.rounds))
    print(f"\n{args.backend}, {args.probes} probes, {args.runs} runs, {args.rounds} rounds (ms)\n")
    print("| request | median | min | max |")
    print("|---|---:|---:|---:|")
    for path, values in results.items():
        median, low, high = statistics.median(values), min(values), max(values)
        print(f"| `GET {path}` | {median:.1f} | {low:.1f} | {high:.1f} |")
    store.close()


if __name__ == "__main__":
    main()
