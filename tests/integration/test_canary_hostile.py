"""The canary test, grown for issue #16: a key file with a rotated key noted on a second
line, and an upstream that echoes the key cut short, base64-encoded as Basic credentials,
upper-cased, and in an error event inside a 200 stream. None of it may surface in the
database, logs, spans, console and webhook alerts, ``config check``, ``check --json``,
``history``, ``show``, the report, the API or the web pages."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from monitor.api.routes import ApiDeps, build_api
from monitor.app import build_app
from monitor.config.loader import load_config
from monitor.core.model import Trigger
from monitor.selfcheck.health import Health
from tests.conftest import write_config
from tests.fakes.hostile_upstream import HostileUpstream
from tests.fakes.webhook_receiver import SECRET, WebhookReceiver
from tests.incident import RunningApi
from tests.integration.test_canary_key import CANARY, database_text

ML_NEW, ML_OLD = "mln-canary-6a7b8c9d0e1f2a3b", "mlo-canary-4c5d6e7f8a9b0c1d"
API_TOKEN = "api-token-canary-0123456789"
NEEDLES = (
    CANARY,
    CANARY[:-2],  # the echo cut short
    CANARY.upper(),
    base64.b64encode(f"user:{CANARY}".encode()).decode()[8:-8],  # Basic user:key
    base64.b64encode(f"Bearer {CANARY}".encode()).decode()[8:-8],
    ML_NEW,
    ML_OLD,
)
PROBE = (
    "\n  - {{name: {t}, target: {t}, every: 60s, model: m, params: {{max_tokens: 4}},"
    " messages: [{{role: user, content: hi}}], retries: {{attempts: 1}},"
    " events: {{open_after: 1, window: 1, resolve_after: 1}}}}"
)


STREAM = PROBE.format(t="h").replace("name: h,", "name: hs, kind: chat_completion_stream,")


def config_text(url: str, db_url: str, key_file: Path, hook: str) -> str:
    return f"""
environment: test
storage: {{url: "{db_url}"}}
targets:
  h: {{base_url: "{url}", api_key_env: CANARY_KEY}}
  rotated: {{base_url: "{url}", api_key_file: "{key_file}"}}
probes:{PROBE.format(t="h")}{PROBE.format(t="rotated")}{STREAM}
alerts:
  console: {{}}
  webhook: {{url: "{hook}", secret_env: WEBHOOK_SECRET}}
"""


def api_pages(loaded: Any, env: dict[str, str], run_ids: list[str]) -> list[str]:
    app = build_app(loaded, env=env)
    try:
        assert app.metrics is not None
        health = Health(app.store, app.clock)
        deps = ApiDeps(app.store, app.config, app.clock, health, app.metrics, API_TOKEN)
        paths = ["/api/v1/runs?limit=500", "/api/v1/events", "/api/v1/report?since=1h"]
        paths += [f"/api/v1/runs/{run_id}" for run_id in run_ids]
        # the web pages on the same listener
        paths += ["/", "/events", "/report?since=1h", f"/runs/{run_ids[0]}/diff/{run_ids[-1]}"]
        paths += [f"/probes/{p}" for p in ("h", "rotated", "hs")]
        paths += [f"/runs/{run_id}" for run_id in run_ids]
        auth = {"authorization": f"Bearer {API_TOKEN}"}
        with RunningApi(build_api(deps)) as running, httpx.Client(base_url=running.url) as client:
            responses = [client.get(p, headers=auth) for p in paths]
    finally:
        asyncio.run(app.aclose())
    assert [r.status_code for r in responses] == [200] * len(paths)
    return [r.text for r in responses]


def test_a_multi_line_key_and_hostile_echoes_reach_no_output_channel(
    cli: Any, tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    upstream = HostileUpstream()
    key_file = tmp_path / "rotated.key"
    key_file.write_text(ML_NEW + "\n")
    env = {"CANARY_KEY": CANARY, "WEBHOOK_SECRET": SECRET}
    receiver = WebhookReceiver()
    exporter, alerts = InMemorySpanExporter(), io.StringIO()
    with upstream.serve() as url, receiver.serve():
        path = write_config(tmp_path, config_text(url, db_url, key_file, receiver.url))
        loaded = load_config(path, env)
        key_file.write_text(f"{ML_NEW}\n# old: {ML_OLD}\n")  # rotated: re-read every run
        invalid = cli("config", "check", "--config", str(path), env=env)

        async def probe_everything() -> None:
            app = build_app(loaded, env=env, stderr=alerts, span_exporter=exporter)
            try:
                for mode in ("valid", "truncated", "basic", "echo-stream", "valid"):
                    upstream.mode = mode
                    for probe in loaded.config.probes:
                        await app.pipeline.run_once(probe, None, Trigger.CHECK)
                await app.dispatcher.drain(timeout_s=10)
            finally:
                await app.aclose()

        asyncio.run(probe_everything())
        probed = list(upstream.requests)  # before the check below sends the restored key
        key_file.write_text(ML_NEW + "\n")  # so that the commands below can load the config
        upstream.mode = "basic"
        check = cli("--log-level", "debug", "check", "--config", str(path), "--json", env=env)
        hooks = [r.body.decode() for r in receiver.requests]
    history = cli("history", "--config", str(path), "--json", "--limit", "500", env=env)
    run_ids = [json.loads(line)["run_id"] for line in history.out.splitlines()]
    shown = [cli("show", "--config", str(path), run_id, env=env) for run_id in run_ids]
    report = cli("report", "--config", str(path), "--since", "1h", env=env)
    pages = api_pages(loaded, env, run_ids)

    assert invalid.code == 2
    assert "must hold one line of visible ASCII" in invalid.out + invalid.err
    assert any(CANARY in r.headers.get("authorization", "") for r in upstream.requests)
    assert all(ML_NEW not in r.headers.get("authorization", "") for r in probed)
    assert len(run_ids) == 18  # 3 probes, 5 rounds and the check
    assert len(hooks) >= 2  # the failing probes' alerts were delivered
    assert all('"run_id"' in page for page in pages[3 : 3 + len(run_ids)])
    assert all("<html" in page for page in pages[3 + len(run_ids) :])
    stored = database_text(db_url, at_least=20)
    assert "secret-invalid" in stored
    assert "?k=***" in stored  # the Location cut short, masked
    assert "Basic dXNlcjp***" in stored  # base64 of user:key, masked
    assert "quota exhausted for key ***" in stored  # the stream's error event, masked
    channels = {
        "the database": stored,
        "logs": caplog.text + check.err,
        "spans": "\n".join(span.to_json() for span in exporter.get_finished_spans()),
        "alerts": alerts.getvalue() + "".join(hooks),
        "config check": invalid.out + invalid.err,
        "check --json": check.out,
        "history and show": history.out + "".join(r.out + r.err for r in shown),
        "report": report.out + report.err,
        "the API and the web pages": "".join(pages),
    }
    for channel, text in channels.items():
        for needle in NEEDLES:
            assert needle.lower() not in text.lower(), f"{needle[:12]}… leaked into {channel}"
