"""`monitor demo` runs the real service and narrates baseline -> drift -> resolution."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

from monitor.cli import main
from monitor.cli.demo_story import run_demo


def test_demo_shows_baseline_drift_alert_and_resolution_in_under_a_minute(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    began = time.monotonic()
    code = asyncio.run(run_demo(out, err, workdir=tmp_path))
    elapsed = time.monotonic() - began
    text = out.getvalue()
    assert code == 0
    assert elapsed < 60
    assert "baseline v1 active" in text
    assert "event OPEN: breaking property-removed `usage`" in text
    assert "event OPEN: warning enum-value-added `choices[].finish_reason`" in text
    assert "all drift events resolved" in text
    # The printed command works as printed, from any directory (absolute config path).
    (line,) = [ln for ln in text.splitlines() if " history --config " in ln]
    assignment, _, rest = line.strip().partition(" ")
    argv = rest.split()[1:]  # drop the program name
    config = Path(argv[argv.index("--config") + 1])
    assert config.is_absolute()
    assert config.exists()
    again = io.StringIO()
    env = {"MONITOR_DATABASE_URL": assignment.removeprefix("MONITOR_DATABASE_URL=")}
    assert main(argv, env=env, stdout=again, stderr=io.StringIO()) == 0
    assert "chat-basic" in again.getvalue()
    alerts = err.getvalue()
    assert "[DRIFT OPEN] 2 events of probe chat-basic on target simulator" in alerts  # one run
    assert "[RESOLVED] chat-basic @ simulator" in alerts
    assert (tmp_path / "demo.db").exists()


def test_demo_serve_tells_the_story_then_serves_the_status_page_until_ctrl_c(
    tmp_path: Path,
) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path / "demo.out"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "demo", "--serve", "--listen", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "MONITOR_API_TOKEN": ""},
        )
        try:
            deadline = time.monotonic() + 90
            while "look at it:" not in log.read_text():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
            page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
            assert page.status_code == 200
            assert 'data-probe="chat-basic"' in page.text
            proc.send_signal(signal.SIGINT)
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert "all drift events resolved" in log.read_text()
