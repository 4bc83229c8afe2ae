"""Real ``monitor run`` processes for the tests where signals and crashes matter."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy as sa


class MonitorProcess:
    """``python -m monitor run`` with stderr in a file (a full pipe would stall the process)."""

    def __init__(
        self,
        config: Path,
        env: Mapping[str, str],
        log: Path,
        *extra: str,
        cwd: Path | None = None,
        program: tuple[str, ...] = (sys.executable, "-m", "monitor"),
    ) -> None:
        self.log = log
        self._file = log.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [*program, "run", "--config", str(config), *extra],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=self._file,
            cwd=cwd,
        )

    @property
    def worker_pattern(self) -> str:
        """A SQL LIKE pattern matching this process's worker id (``host:pid:rand``)."""
        return f"%:{self.proc.pid}:%"

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._file.close()

    def stop(self) -> None:
        """Make sure the process is gone (test cleanup)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._file.close()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


def scalar(engine: sa.Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())
