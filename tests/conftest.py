"""Shared fixtures: the real simulator on 127.0.0.1, real SQLite and PostgreSQL stores,
config files written to tmp_path, and the CLI run in-process through ``main(argv)``."""

from __future__ import annotations

import io
import os
import secrets
import socket
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.cli import main
from monitor.simulator import Simulator
from tests.fakes import otlp_receiver

# schemathesis (a dev dependency) installs jsonschema-rs, and openapi-spec-validator then switches
# its validation backend (other error texts). Installs of the monitor never have it: test those.
os.environ.setdefault("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "jsonschema")

SIM_KEY = "sk-sim-test-0123456789abcdef"
# `monitor run` serves its API on api.listen (8080 by default), which may be taken on a shared
# machine: tests running the service let the OS choose a port.
API_ANY_PORT = 'api: {listen: "127.0.0.1:0"}\n'
PG_BASE_URL = os.environ.get(
    "MONITOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator(api_key=SIM_KEY, slow_seconds=0.3, trickle_interval=0.01)
    with sim.serve(port=0) as base_url:
        yield sim, base_url


@pytest.fixture
def sim(simulator_server: tuple[Simulator, str]) -> Simulator:
    simulator = simulator_server[0]
    simulator.set_scenario("healthy")
    simulator.clear_requests()
    return simulator


@pytest.fixture
def sim_url(simulator_server: tuple[Simulator, str], sim: Simulator) -> str:
    return simulator_server[1]


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli() -> object:
    def run(*argv: str, env: Mapping[str, str] | None = None) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), env=dict(env or {}), stdout=out, stderr=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def write_config(folder: Path, text: str, name: str = "config.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def chat_probe_config(
    base_url: str,
    db_url: str,
    *,
    name: str = "chat-basic",
    learn_runs: int = 2,
    events: str = "{open_after: 2, window: 3, resolve_after: 2}",
    extra: str = "",
) -> str:
    return f"""
environment: test
storage: {{url: "{db_url}"}}
targets:
  sim:
    base_url: "{base_url}"
    api_key_env: SIM_API_KEY
probes:
  - name: {name}
    target: sim
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: "contract_probe redacted"}}]
    params: {{temperature: 0, max_tokens: 32}}
    baseline: {{learn_runs: {learn_runs}}}
    events: {events}
    owner: platform-team
{textwrap.indent(textwrap.dedent(extra).strip(), "    ") if extra else ""}
"""


def stream_probe_config(base_url: str, db_url: str, *, extra: str = "") -> str:
    """``chat_probe_config`` as a ``chat_completion_stream`` probe that asks for the usage chunk."""
    kind = "kind: chat_completion_stream\nslo: {ttft: 5s, latency: 10s}\n"
    text = chat_probe_config(base_url, db_url, extra=kind + textwrap.dedent(extra))
    return text.replace(
        "params: {temperature: 0, max_tokens: 32}",
        "params: {temperature: 0, max_tokens: 32, stream_options: {include_usage: true}}",
    )


@pytest.fixture
def receiver() -> Iterator[otlp_receiver.Receiver]:
    """An OTLP/HTTP collector stand-in on 127.0.0.1."""
    with otlp_receiver.serving() as r:
        yield r


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A private schema in the ``test`` database, migrated once per session."""
    if not _postgres_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true")
        pytest.skip("PostgreSQL TESTS SKIPPED: nothing listens on 127.0.0.1:5432")
    schema = f"t_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_BASE_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_BASE_URL}?options=-csearch_path%3D{schema}"
    from monitor.storage.sql.engine import create_db_engine
    from monitor.storage.sql.migrate import upgrade

    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def pg_url(pg_schema_url: str) -> str:
    """The session's PostgreSQL schema, emptied before each test."""
    engine = sa.create_engine(pg_schema_url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    engine.dispose()
    return pg_schema_url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once per storage backend (the storage contract)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return str(request.getfixturevalue("pg_url"))
