"""A planted canary key must appear in no output channel: database rows of every table, logs,
spans, alerts, ``check --json`` and ``history`` output — whatever the target echoes back."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlmodel import SQLModel

from monitor.app import build_app
from monitor.config.loader import load_config
from monitor.core.model import Trigger
from monitor.runner.result import RunResult
from monitor.simulator import Simulator
from monitor.storage.sql import tables  # noqa: F401  (registers every table on the metadata)
from tests.conftest import write_config

# Not shaped like an OpenAI key on purpose: masking must come from knowing the key, not from
# recognising ``sk-...`` patterns.
CANARY = "cmk-canary-7f3a9c41d2b84e6f0a1b2c3d4e5f6071"
# The canary itself, and the middle of it in case something masks only its ends badly.
# A gateway credential passed through configured headers: one header named like a credential,
# one whose only clue is that its value comes from the environment.
GATEWAY = "gwc-canary-0b1c2d3e4f5a6b7c8d9e"
# Credentials an ``http`` probe's body and path and a target's ``base_url`` take from the
# environment: scrubbed like the key, since nothing else marks them.
IN_BODY = "bdy-canary-5e6f7a8b9c0d1e2f"
IN_PATH = "pth-canary-3c4d5e6f7a8b9c0d"
IN_URL = "url-canary-1a2b3c4d5e6f7a8b"
NEEDLES = (CANARY, CANARY[10:-6], GATEWAY, IN_BODY, IN_PATH, IN_URL)
SCENARIOS = (
    "healthy",
    "drop-usage",
    "echo-key",
    "echo-key-200",
    "echo-key-redirect",
    "error-in-200",
    "flaky",
)
ENV = {
    "CANARY_KEY": CANARY,
    "GATEWAY_SECRET": GATEWAY,
    "BODY_SECRET": IN_BODY,
    "PATH_SECRET": IN_PATH,
    "URL_SECRET": IN_URL,
}


def config_text(base_url: str, db_url: str) -> str:
    probe = """
    target: sim
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: "contract_probe redacted"}}]
    params: {{max_tokens: 16{extra}}}
    baseline: {{learn_runs: 1}}
    events: {{open_after: 1, window: 1, resolve_after: 1}}
    retries: {{attempts: 2, backoff: 10ms, max_backoff: 20ms}}"""
    chat = probe.format(extra="")
    stream = probe.format(extra=", stream_options: {include_usage: true}")
    return f"""
environment: test
storage: {{url: "{db_url}"}}
targets:
  sim:
    base_url: "{base_url}"
    api_key_env: CANARY_KEY
    headers:
      helicone-auth: "Bearer ${{GATEWAY_SECRET}}"
      x-portkey-config: "${{GATEWAY_SECRET}}"
  leaky:
    base_url: "{base_url}/?key=${{CANARY_KEY}}"
    api_key_env: CANARY_KEY
  gw:  # an account token in the gateway's path, as some gateways have it
    base_url: "{base_url}/gw/${{URL_SECRET}}"
    api_key_env: CANARY_KEY
probes:
  - name: chat{chat}
  - name: stream
    kind: chat_completion_stream{stream}
  - name: models
    target: sim
    kind: models
    every: 1h
  - name: auth
    target: sim
    kind: auth_rejection
  - name: raw
    target: sim
    kind: http
    every: 1h
    method: POST
    path: /v1/chat/completions?sig=${{PATH_SECRET}}
    headers: {{x-debug-key: "${{CANARY_KEY}}"}}
    body:
      model: gpt-4o-mini
      messages: [{{role: user, content: hi}}]
      max_tokens: 4
      metadata: {{session: "${{BODY_SECRET}}"}}
  - name: viagw
    target: gw
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: hi}}]
    params: {{max_tokens: 4}}
  - name: leaky
    target: leaky
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: hi}}]
    params: {{max_tokens: 4}}
alerts:
  console: {{}}
"""


@pytest.fixture
def canary_sim() -> Any:
    sim = Simulator(api_key=CANARY, slow_seconds=0.1, trickle_interval=0.01)
    with sim.serve(port=0) as url:
        yield sim, url


def scan(channel: str, text: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"the canary key leaked into {channel}"


def database_text(db_url: str, at_least: int = 30) -> str:
    engine = sa.create_engine(db_url)
    out = []
    try:
        with engine.connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                for row in conn.execute(sa.select(table)).mappings():
                    out.append(
                        repr(
                            {
                                k: bytes(v).decode("utf-8", "replace")
                                if isinstance(v, bytes | memoryview)
                                else v
                                for k, v in row.items()
                            }
                        )
                    )
    finally:
        engine.dispose()
    assert len(out) > at_least  # runs, evidence, findings, baselines, events, outbox... all there
    return "\n".join(out)


def test_a_canary_key_reaches_no_output_channel(
    canary_sim: Any, cli: Any, tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    sim, url = canary_sim
    caplog.set_level(logging.DEBUG)
    path = write_config(tmp_path, config_text(url, db_url))
    loaded = load_config(path, ENV)
    exporter = InMemorySpanExporter()
    alerts = io.StringIO()

    async def probe_everything() -> None:
        app = build_app(loaded, env=ENV, stderr=alerts, span_exporter=exporter)
        try:
            for scenario in SCENARIOS:
                sim.set_scenario(scenario)
                for probe in loaded.config.probes:
                    await app.pipeline.run_once(probe, None, Trigger.CHECK)
            await app.dispatcher.drain(timeout_s=10)
        finally:
            await app.aclose()

    asyncio.run(probe_everything())
    sim.set_scenario("echo-key")
    check = cli("--log-level", "debug", "check", "--config", str(path), "--json", env=ENV)
    history = cli("history", "--config", str(path), "--json", "--limit", "500", env=ENV)
    table = cli("history", "--config", str(path), "--limit", "500", env=ENV)
    events = cli("events", "list", "--config", str(path), "--all", "--json", env=ENV)
    report = cli("report", "--config", str(path), "--since", "1h", env=ENV)
    run_ids = [json.loads(line)["run_id"] for line in history.out.splitlines()]
    shown = [cli("show", "--config", str(path), run_id, env=ENV) for run_id in run_ids]

    assert CANARY in "".join(r.headers.get("authorization", "") for r in sim.requests)
    assert GATEWAY in "".join(r.headers.get("x-portkey-config", "") for r in sim.requests)
    sent = "".join(f"{r.path}?{r.query} {r.body.decode()}" for r in sim.requests)
    assert all(needle in sent for needle in (IN_BODY, IN_PATH, IN_URL))
    assert "[DRIFT OPEN]" in alerts.getvalue() or "OPEN]" in alerts.getvalue()
    assert len(exporter.get_finished_spans()) >= 30
    assert len(check.out.splitlines()) == 7, check.err
    assert len(history.out.splitlines()) >= 36
    stored = database_text(db_url)
    scan("the database", stored)
    assert "Incorrect API key provided: ***" in stored  # the echoed key was kept, scrubbed
    scan("logs", caplog.text + check.err)
    scan("spans", "\n".join(span.to_json() for span in exporter.get_finished_spans()))
    scan("alerts", alerts.getvalue() + check.err)
    scan("check --json", check.out)
    scan("history", history.out + table.out + history.err + table.err)
    scan("events list", events.out + events.err)
    scan("report", report.out + report.err)
    scan("show", "".join(r.out + r.err for r in shown))
    # Where the key was echoed, the findings still quote the answer, with the key masked.
    messages = stored + "".join(r.out for r in shown)
    assert "upstream rejected key ***" in messages  # the 200 error envelope
    assert "?key=***" in messages  # the redirect's Location
    leaky = [json.loads(line) for line in check.out.splitlines() if '"leaky"' in line]
    assert leaky[0]["findings"][0]["kind"] == "key-in-query-string"


def test_a_base_url_secret_is_masked_when_the_key_cannot_be_read(
    canary_sim: Any, tmp_path: Path, db_url: str
) -> None:
    _sim, url = canary_sim
    text = f"""
environment: test
storage: {{url: "{db_url}"}}
targets:
  gw:
    base_url: "{url}/gw/${{URL_SECRET}}"
    api_key_env: ROTATED_AWAY
probes:
  - name: p
    target: gw
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: hi}}]
    params: {{max_tokens: 4}}
"""
    env = {"URL_SECRET": IN_URL}  # the key's variable is gone (a rotation in progress)
    loaded = load_config(write_config(tmp_path, text), env)

    async def probe() -> RunResult | None:
        app = build_app(loaded, env=env)
        try:
            return await app.pipeline.run_once(loaded.config.probes[0], None, Trigger.CHECK)
        finally:
            await app.aclose()

    row = asyncio.run(probe())
    assert row is not None
    assert row.outcome == "fail"
    stored = database_text(db_url, at_least=3)
    assert "secret-unavailable" in stored
    assert "/gw/***" in stored
    scan("the database", stored + repr(row))
