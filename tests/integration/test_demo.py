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
