"""``monitor run`` as a real process: it serves the API next to the scheduler, beats its
heartbeat, counts runs in ``/metrics``, logs JSON lines with trace ids, and stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import SIM_KEY, chat_probe_config, write_config

TOKEN = "run-token-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, timeout_s: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _runs_total(text: str) -> float:
    for family in text_string_to_metric_families(text):
        if family.name == "monitor_runs":
            return sum(s.value for s in family.samples if s.name == "monitor_runs_total")
    return 0.0


def test_monitor_run_serves_the_api_health_and_metrics(
    tmp_path: Path, sim_url: str, sqlite_url: str
) -> None:
    port = _free_port()
    text = chat_probe_config(sim_url, sqlite_url).replace("every: 60s", "every: 1s")
    text += f'api: {{listen: "127.0.0.1:{port}"}}\n'
    config = write_config(tmp_path, text)
    env = {**os.environ, "SIM_API_KEY": SIM_KEY, "MONITOR_API_TOKEN": TOKEN}
    base = f"http://127.0.0.1:{port}"
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            "--log-level",
            "info",
            "--log-format",
            "json",
            "run",
            "--config",
            str(config),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert _wait_for(f"{base}/healthz").status_code == 200
            assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
            deadline = time.monotonic() + 30
            while _runs_total(httpx.get(f"{base}/metrics", timeout=5).text) < 2:
                assert time.monotonic() < deadline, "no runs counted within 30 s"
                time.sleep(0.3)
            assert httpx.get(f"{base}/api/v1/runs", timeout=5).status_code == 401
            page = httpx.get(
                f"{base}/api/v1/runs", headers={"authorization": f"Bearer {TOKEN}"}, timeout=5
            ).json()
            assert len(page["items"]) >= 2
            check = subprocess.run(
                [sys.executable, "-m", "monitor", "healthcheck", "--config", str(config)],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert check.returncode == 0, check.stdout + check.stderr
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    run_lines = [line for line in lines if line["logger"] == "monitor.runs"]
    assert run_lines, err
    assert {line["trace_id"] for line in run_lines} >= {item["trace_id"] for item in page["items"]}
    assert SIM_KEY not in err
