"""Start-up time of the ``monitor`` command, beside a bare ``python -c pass``.

Every command runs ``--runs`` times, each time in a fresh process. The variants take turns: one
run of each per round, the order rotated every round, so the load of a shared machine falls on
all of them alike. The table gives each command's CPU time (user + system, from the child's
rusage: what the command costs, and less disturbed by other processes than the wall time), its
median, range (fastest-slowest) and median as a multiple of bare Python's; then the median wall
time and its multiple, all from the same run.

    .venv/bin/python bench/cli_start.py --runs 30
    # and the code of another checkout beside it (the "before" figure):
    git worktree add /tmp/cli-before 852d07e
    .venv/bin/python bench/cli_start.py --runs 30 --before /tmp/cli-before

Both checkouts run with this interpreter and its packages; ``PYTHONPATH`` picks the code
(checked before measuring). ``history`` reads an empty SQLite database (migrated once before
the rounds); ``healthcheck`` reads the config and GETs ``/healthz`` from a stand-in answering
200 in this process.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("--version",),
    ("history", "--help"),
    ("history",),
    ("healthcheck",),
)
# With --floors: what `history` cannot avoid, imported alone with the code measured last.
FLOORS = (
    "sqlalchemy",
    "sqlmodel",
    "monitor.storage.sql.tables",  # SQLModel and the table definitions
    "monitor.storage",  # the whole SQL store, alembic included
    "monitor.config.loader",
)
CONFIG = """\
storage: {{url: "sqlite:///{db}"}}
api: {{listen: "127.0.0.1:{port}"}}
targets:
  sim: {{base_url: "http://127.0.0.1:9/v1", api_key_env: SIM_API_KEY}}
probes:
  - name: chat
    target: sim
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: hi}}]
    params: {{max_tokens: 32}}
"""


# Children run in an empty folder: `python -m` puts the working directory first on sys.path,
# which would pick the code of whatever checkout the bench was started from.
NEUTRAL_CWD = tempfile.mkdtemp(prefix="cli-start-")


class Variant:
    def __init__(self, label: str, argv: list[str], env: dict[str, str]) -> None:
        self.label, self.argv, self.env = label, argv, env
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(
            self.argv, env=self.env, cwd=NEUTRAL_CWD, capture_output=True, check=False
        )
        self.wall.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{self.label} exited {done.returncode}: {done.stderr.decode()}")


def child_env() -> dict[str, str]:
    """Our environment, minus the monitor's variables and PYTHONDONTWRITEBYTECODE: an installed
    package has its bytecode compiled (pip does it, so does the image), and without the cache
    every start would compile our modules again and measure the compiler."""
    drop = ("PYTHONDONTWRITEBYTECODE",)
    return {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_") and k not in drop}


@contextmanager
def health_endpoint() -> Iterator[int]:
    """A running monitor's ``/healthz`` as ``monitor healthcheck`` sees it; yields the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"status": "ok"}'
            self.send_response(200 if self.path == "/healthz" else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def code_env(checkout: Path) -> dict[str, str]:
    env = child_env()
    env["PYTHONPATH"] = str(checkout)
    env["SIM_API_KEY"] = "sk-bench"
    found = subprocess.run(
        [sys.executable, "-c", "import monitor; print(monitor.__file__)"],
        env=env,
        cwd=NEUTRAL_CWD,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(checkout.resolve()):
        raise SystemExit(f"PYTHONPATH={checkout} imports monitor from {found}")
    return env


def variants(checkouts: dict[str, Path], config: Path, *, floors: bool) -> list[Variant]:
    bare = Variant("`python -c pass`", [sys.executable, "-c", "pass"], child_env())
    found = [bare]
    for name, checkout in checkouts.items():
        env = code_env(checkout)
        for command in COMMANDS:
            takes_config = command[0] in ("history", "healthcheck") and "--help" not in command
            argv = [sys.executable, "-m", "monitor", *command]
            argv += ["--config", str(config)] if takes_config else []
            label = f"{name}: `monitor {' '.join(command)}`"
            found.append(Variant(label, argv, env))
    for module in FLOORS if floors else ():
        argv = [sys.executable, "-c", f"import {module}"]
        found.append(Variant(f"floor: `import {module}`", argv, env))
    return found


def measure(found: list[Variant], runs: int) -> None:
    for variant in found:  # warm-up: bytecode caches written, exit codes checked
        variant.run()
        variant.wall.clear()
        variant.cpu.clear()
    for round_no in range(runs):
        shift = round_no % len(found)
        for variant in found[shift:] + found[:shift]:
            variant.run()


def table(found: list[Variant]) -> str:
    bare_cpu, bare_wall = statistics.median(found[0].cpu), statistics.median(found[0].wall)
    lines = [
        "| command | CPU ms, median | CPU ms, range | × bare | wall ms, median | × bare |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for v in found:
        cpu, wall = statistics.median(v.cpu), statistics.median(v.wall)
        low, high = min(v.cpu) * 1000, max(v.cpu) * 1000
        lines.append(
            f"| {v.label} | {cpu * 1000:.0f} | {low:.0f}–{high:.0f} | {cpu / bare_cpu:.1f}× "
            f"| {wall * 1000:.0f} | {wall / bare_wall:.1f}× |"
        )
    return "\n".join(lines)


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()}, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="runs per command (default: 30)")
    parser.add_argument("--before", type=Path, help="another checkout, measured beside this one")
    parser.add_argument("--floors", action="store_true", help="also time the store's imports")
    args = parser.parse_args()
    checkouts = {"before": args.before, "after": ROOT} if args.before else {"this": ROOT}
    with tempfile.TemporaryDirectory() as tmp, health_endpoint() as port:
        config = Path(tmp) / "config.yaml"
        config.write_text(CONFIG.format(db=Path(tmp) / "monitor.db", port=port))
        upgrade = [sys.executable, "-m", "monitor", "db", "upgrade", "--config", str(config)]
        subprocess.run(
            upgrade, env=code_env(ROOT), cwd=NEUTRAL_CWD, capture_output=True, check=True
        )
        found = variants(checkouts, config, floors=args.floors)
        measure(found, args.runs)
    print(f"{machine()}; {args.runs} runs of each, interleaved\n")
    print(table(found))


if __name__ == "__main__":
    main()
