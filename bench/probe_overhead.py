"""CPU per probe: the full monitor path vs bare httpx, against the simulator in another process.

    .venv/bin/python bench/probe_overhead.py [--n 300]

Rows, measured in the same run (the machine is noisy, so only same-run ratios mean anything):
  bare httpx     POST + json.loads with one pooled AsyncClient
  probe, no db   PreparedRequest -> HttpTransport -> judge() against an in-memory baseline
  probe + sqlite Pipeline.run_once: claim, probe, judge, one transaction (SQLite file)
CPU is this process's (user+sys) time; the simulator runs in a subprocess so it is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from monitor.app import build_app
from monitor.config.loader import parse_config
from monitor.core.judge import ProbeState, judge
from monitor.core.model import ResponseClass, Trigger
from monitor.pipeline import probe_spec
from monitor.probes import kind_for
from monitor.transport import HttpTransport

KEY = "sk-sim-bench-0123456789"
CONFIG = """
environment: bench
storage: {{url: "sqlite:///{db}"}}
targets:
  sim: {{base_url: "{url}", api_key_env: BENCH_KEY}}
probes:
  - name: chat
    target: sim
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: "contract_probe redacted"}}]
    params: {{temperature: 0, max_tokens: 32}}
    baseline: {{learn_runs: 5}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


async def bare(url: str, n: int) -> float:
    async with httpx.AsyncClient() as client:
        body = {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "x"}],
            "max_tokens": 32,
        }
        await client.post(
            f"{url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {KEY}"}
        )
        start = _cpu()
        for _ in range(n):
            response = await client.post(
                f"{url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {KEY}"}
            )
            json.loads(response.content)
        return (_cpu() - start) / n


async def probe_no_db(loaded: object, n: int) -> float:
    from monitor.config.loader import LoadedConfig

    assert isinstance(loaded, LoadedConfig)
    probe = loaded.config.probes[0]
    target = loaded.config.targets["sim"]
    kind = kind_for(probe.kind)
    spec = probe_spec(probe, kind.expected_status(probe))
    transport = HttpTransport()
    request = kind.prepare(probe, target, KEY)
    state = ProbeState()
    from datetime import UTC, datetime

    for _ in range(6):  # learn an active baseline first
        obs = await transport.send(
            request, probe="chat", target="sim", started_at=datetime.now(UTC)
        )
        verdict = judge(obs, spec, state, datetime.now(UTC))
        assert verdict.baseline is not None
        state = ProbeState(baselines={ResponseClass.SUCCESS: verdict.baseline})
    start = _cpu()
    for _ in range(n):
        now = datetime.now(UTC)
        obs = await transport.send(request, probe="chat", target="sim", started_at=now)
        verdict = judge(obs, spec, state, now)
        assert verdict.outcome.value == "pass", verdict.findings
    cpu = (_cpu() - start) / n
    await transport.aclose()
    return cpu


async def probe_sqlite(loaded: object, n: int, env: dict[str, str]) -> float:
    from monitor.config.loader import LoadedConfig

    assert isinstance(loaded, LoadedConfig)
    app = build_app(loaded, env=env)
    probe = loaded.config.probes[0]
    try:
        for _ in range(6):
            await app.pipeline.run_once(probe, None, Trigger.CHECK)
        start = _cpu()
        for _ in range(n):
            row = await app.pipeline.run_once(probe, None, Trigger.CHECK)
            assert row is not None
            assert row["outcome"] == "pass"
        return (_cpu() - start) / n
    finally:
        await app.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    port = _free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "monitor", "simulate", "--port", str(port), "--api-key", KEY],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/_simulator/scenario", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            env = {"BENCH_KEY": KEY}
            loaded = parse_config(CONFIG.format(db=Path(tmp) / "b.db", url=url), "bench.yaml", env)
            base = asyncio.run(bare(url, args.n))
            no_db = asyncio.run(probe_no_db(loaded, args.n))
            with_db = asyncio.run(probe_sqlite(loaded, args.n, env))
    finally:
        sim.terminate()
        sim.wait(10)
    cpu_model = _cpu_model()
    print(
        f"# {args.n} probes each; machine: {os.cpu_count()} cores, {cpu_model}, "
        f"Python {platform.python_version()}"
    )
    print(f"{'path':<16}{'CPU ms/probe':>14}{'x bare':>9}")
    for name, value in (("bare httpx", base), ("probe, no db", no_db), ("probe + sqlite", with_db)):
        print(f"{name:<16}{value * 1000:>14.2f}{value / base:>9.2f}")


if __name__ == "__main__":
    main()
