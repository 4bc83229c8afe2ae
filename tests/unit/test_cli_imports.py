"""The CLI starts fast because commands import what they need only when they run.

Each check runs in a fresh interpreter (this process has long imported everything) and reads
``sys.modules`` there: ``--help``, ``--version`` and every ``COMMAND --help`` must not load the
database, HTTP, web, configuration-schema, tracing or OpenAPI libraries; ``monitor healthcheck``
may read the configuration (pydantic, yaml) and make one GET with the standard library, and
nothing more.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import chat_probe_config, write_config
from tests.fakes.http_fake import FakeServer, Recorded, Reply

# Third-party packages and our heavy modules that building the parser must not import.
NOT_FOR_HELP = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "httpx",
    "httpcore",
    "starlette",
    "uvicorn",
    "anyio",
    "pydantic",
    "yaml",
    "apscheduler",
    "opentelemetry",
    "openapi_spec_validator",
    "openapi_schema_validator",
    "jsonschema",
    "prometheus_client",
    "slack_sdk",
    "jinja2",
    "monitor.app",
    "monitor.storage",
    "monitor.contract",
    "monitor.config.schema",
)
# What reading the configuration legitimately needs: the schema (pydantic), the YAML reader,
# and APScheduler's crontab parser (the loader checks every probe's `cron`).
CONFIG_READING = ("pydantic", "yaml", "apscheduler", "monitor.config.schema")
NOT_FOR_HEALTHCHECK = tuple(m for m in NOT_FOR_HELP if m not in CONFIG_READING)

# Runs in the child: every command's --help, one after the other, noting after each which
# forbidden modules appeared (so a failure names the command that pulled them in).
_HELP_CHILD = """
import contextlib, io, json, sys
forbidden = tuple(sys.argv[1].split(","))

def loaded():
    return sorted(m for m in sys.modules
                  if m in forbidden or any(m.startswith(f + ".") for f in forbidden))

from monitor.cli import build_parser, main

def walk(parser, prefix):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield [*prefix, name]
                yield from walk(sub, [*prefix, name])

report = {"(build_parser)": loaded()}
for argv in [["--help"], ["--version"], *([*c, "--help"] for c in walk(build_parser(), []))]:
    sink = io.StringIO()
    code = main(argv, env={}, stdout=sink, stderr=sink)
    report[" ".join(argv)] = {"code": code, "out": sink.getvalue()[:80], "loaded": loaded()}
print(json.dumps(report))
"""

# Runs in the child: one command (argv from the command line), then what it had imported.
_COMMAND_CHILD = """
import io, json, sys
from monitor.cli import main
out = io.StringIO()
code = main(sys.argv[1:], env={}, stdout=out, stderr=out)
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _child(script: str, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _heavy(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted({f for m in modules for f in forbidden if m == f or m.startswith(f + ".")})


def test_help_version_and_every_command_help_import_no_heavy_library() -> None:
    report = _child(_HELP_CHILD, ",".join(NOT_FOR_HELP))
    assert report.pop("(build_parser)") == []
    assert len(report) > 30  # --help, --version and every command and sub-command
    for argv, result in report.items():
        assert result["code"] == 0, (argv, result["out"])
        assert result["loaded"] == [], f"`monitor {argv}` imported {result['loaded']}"
    assert report["--version"]["out"].startswith("monitor ")
    assert report["history --help"]["out"].startswith("usage: monitor history")


class HealthEndpoint(FakeServer):
    """A running monitor's ``/healthz``, as far as ``monitor healthcheck`` can tell."""

    def respond(self, request: Recorded) -> Reply:
        if request.path == "/healthz":
            return Reply(200, {"status": "ok", "heartbeat_age_s": 1.0})
        return Reply(404, {"error": "not found"})


def test_healthcheck_reads_the_config_and_gets_healthz_without_store_http_client_or_openapi(
    tmp_path: Path,
) -> None:
    endpoint = HealthEndpoint()
    with endpoint.serve() as base_url:
        port = base_url.rsplit(":", 1)[1]
        text = chat_probe_config("http://127.0.0.1:9/v1", f"sqlite:///{tmp_path}/monitor.db")
        config = write_config(tmp_path, text + f'api: {{listen: "127.0.0.1:{port}"}}\n')
        result = _child(_COMMAND_CHILD, "healthcheck", "--config", str(config))
    assert result["code"] == 0, result["out"]
    assert result["out"].startswith(f"healthy: {base_url}/healthz answered 200")
    assert [r.path for r in endpoint.requests] == ["/healthz"]
    assert "monitor.config.loader" in result["modules"]  # it did read the configuration
    assert _heavy(result["modules"], NOT_FOR_HEALTHCHECK) == []
    assert not (tmp_path / "monitor.db").exists()  # and never opened the database


def test_history_reads_the_store_without_the_application_http_clients_or_openapi(
    tmp_path: Path,
) -> None:
    text = chat_probe_config("http://127.0.0.1:9/v1", f"sqlite:///{tmp_path}/monitor.db")
    config = write_config(tmp_path, text)
    upgraded = _child(_COMMAND_CHILD, "db", "upgrade", "--config", str(config))
    assert upgraded["code"] == 0, upgraded["out"]  # history reads a database, never creates one
    result = _child(_COMMAND_CHILD, "history", "--json", "--config", str(config))
    assert (result["code"], result["out"]) == (0, "")  # an empty database: no runs
    assert "monitor.storage.sql.store" in result["modules"]
    application = ("monitor.app", "monitor.probes", "monitor.alerts", "monitor.runner.pipeline")
    # Of the heavy libraries only the database's: SQLAlchemy, SQLModel's tables, and alembic
    # (a SQLite database migrates itself when opened).
    assert _heavy(result["modules"], NOT_FOR_HEALTHCHECK + application) == [
        "alembic",
        "monitor.storage",
        "sqlalchemy",
        "sqlmodel",
    ]
