"""What a probe costs the monitor, beside a bare httpx request in the same run.

For a JSON (``chat_completion``) and an SSE (``chat_completion_stream``) probe against the
simulator (in its own process, so this process's CPU time is the client's alone):

- bare httpx: POST, read, ``json.loads`` (SSE: iterate lines, ``json.loads`` each ``data:``);
- monitor without persistence: ``prepare`` + ``HttpTransport.send`` (deadline, caps, SSE
  parser, timing) + ``judge`` (shape, baseline diff, stream findings, classification) + the
  kind's checks — everything but the database;
- monitor with persistence: ``Pipeline.run_once`` through ``build_app`` on SQLite (claim, one
  transaction with evidence, findings, baseline and events), measured separately.

The clients take turns in rounds (``--rounds``), and each ratio is the median of the rounds'
own ratios: a baseline measured a minute before its monitor row is not "the same run" on a
shared VM.

Run: ``make bench`` or ``.venv/bin/python bench/probe_overhead.py [--runs 300] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any

import httpx

from monitor.app import build_app
from monitor.config.loader import load_config
from monitor.core.judge import ProbeState, judge
from monitor.core.model import Trigger
from monitor.probes import context_for, kind_for
from monitor.probes.spec import probe_spec
from monitor.probes.transport import HttpTransport

KEY = "sk-bench-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "contract_probe redacted"}]
SIMULATOR = (
    "from monitor.simulator import Simulator\n"
    "from monitor.simulator.server import serve_forever\n"
    f"serve_forever(Simulator(api_key={KEY!r}, seed=7, stream_interval=0.0), port=0)\n"
)


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-c", SIMULATOR], stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    line = process.stderr.readline()
    if "listening on " not in line:
        process.terminate()
        raise RuntimeError(f"simulator did not start: {line}")
    return process, line.split("listening on ", 1)[1].split()[0]


def config_text(base_url: str, db_url: str) -> str:
    return f"""
storage: {{url: "{db_url}"}}
targets:
  sim: {{base_url: "{base_url}", api_key_env: BENCH_KEY, circuit_breaker: {{after_failures: null}}}}
probes:
  - name: json
    target: sim
    every: 60s
    model: gpt-4o-mini
    messages: {json.dumps(MESSAGES)}
    params: {{temperature: 0, max_tokens: 32}}
    baseline: {{learn_runs: 5}}
  - name: sse
    target: sim
    kind: chat_completion_stream
    every: 60s
    model: gpt-4o-mini
    messages: {json.dumps(MESSAGES)}
    params: {{temperature: 0, max_tokens: 32, stream_options: {{include_usage: true}}}}
    baseline: {{learn_runs: 5}}
"""


async def measure(runs: int, once: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """(CPU ms per run, wall ms per run); the caller warms up."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(runs):
        await once()
    return (
        (time.process_time() - cpu) * 1000 / runs,
        (time.perf_counter() - wall) * 1000 / runs,
    )


async def bare(client: httpx.AsyncClient, url: str, stream: bool) -> None:
    body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES, "max_tokens": 32}
    headers = {"authorization": f"Bearer {KEY}"}
    if not stream:
        response = await client.post(url, json=body, headers=headers)
        response.json()
        return
    body |= {"stream": True, "stream_options": {"include_usage": True}}
    async with client.stream("POST", url, json=body, headers=headers) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])


Once = Callable[[], Awaitable[None]]
CLIENTS = ("bare httpx", "monitor, no persistence", "monitor + SQLite")


async def run(
    runs: int, rounds: int, base_url: str, folder: Path
) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """Per (probe, client), one (CPU ms, wall ms) per round. The clients take turns within each
    round (bare, then monitor, then monitor + SQLite, ``runs // rounds`` probes each), so a
    slow minute on this shared VM weighs on a round's baseline and its monitor rows alike."""
    db_url = f"sqlite:///{folder / 'bench.db'}"
    path = folder / "bench.yaml"
    path.write_text(config_text(base_url, db_url), encoding="utf-8")
    env = {"BENCH_KEY": KEY}
    loaded = load_config(path, env)
    url = base_url + "/v1/chat/completions"
    onces: dict[tuple[str, str], Once] = {}
    async with httpx.AsyncClient() as client:
        transport = HttpTransport()
        app = build_app(loaded, env=env)
        try:
            for probe in loaded.config.probes:
                stream = probe.name == "sse"
                onces[(probe.name, CLIENTS[0])] = partial(bare, client, url, stream)
                onces[(probe.name, CLIENTS[1])] = unstored(transport, loaded, probe)
                onces[(probe.name, CLIENTS[2])] = partial(stored, app, probe)
            for once in onces.values():  # warm-up: connections, imports, the baselines
                for _ in range(max(runs // 10, 5)):
                    await once()
            per_round = max(runs // rounds, 1)
            results: dict[tuple[str, str], list[tuple[float, float]]] = {k: [] for k in onces}
            for _ in range(rounds):
                for key, once in onces.items():
                    results[key].append(await measure(per_round, once))
            return results
        finally:
            await app.aclose()
            await transport.aclose()


def unstored(transport: HttpTransport, loaded: Any, probe: Any) -> Once:
    """Everything a probe does but the database: prepare, send, judge against a baseline."""
    kind = kind_for(probe.kind)
    target = loaded.config.targets[probe.target]
    context = context_for(probe, loaded.config)
    spec = probe_spec(probe, kind.expected_status(probe))
    state = ProbeState()

    async def once() -> None:
        nonlocal state
        request = kind.prepare(probe, target, KEY, context)
        now = datetime.now(UTC)
        observation = await transport.send(
            request, probe=probe.name, target=probe.target, started_at=now
        )
        verdict = judge(
            observation,
            spec,
            state,
            now,
            kind_checks=lambda doc: kind.check(probe, observation, doc, context),
        )
        assert verdict.outcome.value == "pass", verdict.findings
        if verdict.baseline is not None and verdict.baseline_changed:
            state = ProbeState(baselines={verdict.baseline.response_class: verdict.baseline})

    return once


async def stored(app: Any, probe: Any) -> None:
    row = await app.pipeline.run_once(probe, None, Trigger.CHECK)
    assert row is not None
    assert row.outcome == "pass", row


def machine() -> str:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (ln.split(":", 1)[1].strip() for ln in out.splitlines() if "Model name" in ln), ""
        )
    except OSError:
        pass
    cpu = model or platform.processor()
    return f"nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", "--n", type=int, default=300, help="probes per row")
    parser.add_argument(
        "--rounds", type=int, default=5, help="turns the clients take (the runs are split)"
    )
    args = parser.parse_args()
    process, base_url = start_simulator()
    try:
        with tempfile.TemporaryDirectory() as folder:
            results = asyncio.run(run(args.runs, args.rounds, base_url, Path(folder)))
    finally:
        process.terminate()
        process.wait(10)
    print(
        f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}; {args.runs} runs per "
        f"row in {args.rounds} interleaved rounds, after a warm-up\n"
    )
    print("| probe | client | CPU ms/probe (median round) | wall ms/probe | CPU vs bare (median) |")
    print("|---|---|---:|---:|---:|")
    for (name, client), samples in results.items():
        bare_cpu = [cpu for cpu, _ in results[(name, CLIENTS[0])]]
        ratios = [cpu / base for (cpu, _), base in zip(samples, bare_cpu, strict=True)]
        cpu = median(c for c, _ in samples)
        wall = median(w for _, w in samples)
        spread = f" ({min(ratios):.2f}–{max(ratios):.2f})" if client != CLIENTS[0] else ""
        print(f"| {name} | {client} | {cpu:.2f} | {wall:.2f} | {median(ratios):.2f}×{spread} |")


if __name__ == "__main__":
    main()
