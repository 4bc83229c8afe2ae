"""Issue #16 (items 1, 4, 9, 10, 11, 12, 15) reproduced against a hostile upstream on
127.0.0.1 (``tests/fakes/hostile_upstream``): each test failed before its fix."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.app import build_app
from monitor.config.loader import load_config
from monitor.core.model import Trigger
from monitor.runner.result import RunResult
from monitor.runner.spool import Spool
from tests.conftest import write_config
from tests.fakes.hostile_upstream import HostileUpstream

KEY = "hk-hostile-4b9e2c7d1a3f5e6b8c0d2e4f"
ENV = {"HOSTILE_KEY": KEY}


@pytest.fixture
def upstream() -> Iterator[HostileUpstream]:
    server = HostileUpstream()
    with server.serve():
        yield server


def config(url: str, db_url: str, *, key: str = "api_key_env: HOSTILE_KEY", extra: str = "") -> str:
    return f"""
environment: test
storage: {{url: "{db_url}"}}
targets:
  h:
    base_url: "{url}"
    {key}
probes:
  - name: chat
    target: h
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: hi}}]
    params: {{max_tokens: 4}}
    baseline: {{learn_runs: 1}}
    events: {{open_after: 1, window: 1, resolve_after: 1}}
    retries: {{attempts: 1}}{extra}
alerts:
  console: {{}}
"""


def checked(cli: Any, path: Path, env: dict[str, str] = ENV) -> tuple[int, list[dict[str, Any]]]:
    result = cli("check", "--config", str(path), "--json", env=env)
    assert "Traceback" not in result.err, result.err
    return result.code, [json.loads(line) for line in result.out.splitlines()]


def kinds(run: dict[str, Any]) -> set[str]:
    return {f["kind"] for f in run["findings"]}


def stored(db_url: str, sql: str) -> list[Any]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    finally:
        engine.dispose()


# item 1: a key with a control character


def test_a_key_file_with_a_second_line_is_a_located_error_and_nothing_is_sent(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("hk-new-0123456789abcdef\n# old: hk-old-fedcba9876543210\n")
    path = write_config(
        tmp_path, config(upstream.base_url, sqlite_url, key=f"api_key_file: {key_file}")
    )
    result = cli("config", "check", "--config", str(path), env={})
    assert result.code == 2
    assert f"targets.h.api_key_file: target 'h': api_key_file {key_file} must hold one line" in (
        result.out + result.err
    )
    check = cli("check", "--config", str(path), env={})
    assert check.code == 2
    everything = result.out + result.err + check.out + check.err
    assert "hk-new" not in everything
    assert "hk-old" not in everything
    assert upstream.requests == []


def test_an_env_key_with_crlf_is_refused_before_it_can_inject_a_header(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    path = write_config(tmp_path, config(upstream.base_url, sqlite_url))
    env = {"HOSTILE_KEY": f"{KEY}\r\nX-Injected: yes"}
    result = cli("check", "--config", str(path), env=env)
    assert result.code == 2
    assert "environment variable HOSTILE_KEY must hold one line" in result.err
    assert KEY not in result.out + result.err
    assert upstream.requests == []


def test_a_key_rotated_into_two_lines_at_run_time_fails_the_run_with_secret_invalid(
    upstream: HostileUpstream, tmp_path: Path, db_url: str
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    loaded = load_config(
        write_config(tmp_path, config(upstream.base_url, db_url, key=f"api_key_file: {key_file}")),
        {},
    )
    key_file.write_text("hk-new-0123456789abcdef\n# old: " + KEY + "\n")  # re-read every run

    async def probe() -> RunResult | None:
        app = build_app(loaded, env={})
        try:
            return await app.pipeline.run_once(loaded.config.probes[0], None, Trigger.CHECK)
        finally:
            await app.aclose()

    row = asyncio.run(probe())
    assert row is not None
    assert row.outcome == "fail"
    assert [f.kind for f in row.findings] == ["secret-invalid"]
    assert upstream.requests == []
    text = repr(stored(db_url, "SELECT * FROM findings")) + repr(
        stored(db_url, "SELECT * FROM runs")
    )
    assert "secret-invalid" in text
    assert "hk-new" not in text
    assert KEY not in text


ECHOES = {
    "truncated": "?k=***",  # a Location cut short
    "basic": "credentials Basic dXNlcjp***",  # base64 of user:key, upper-cased, JSON-escaped
    "echo-stream": "quota exhausted for key ***",  # an error event inside a 200 stream
}


@pytest.mark.parametrize("mode", list(ECHOES))
def test_an_echo_cut_short_base64_or_upper_cased_is_masked_everywhere(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str, mode: str
) -> None:
    upstream.mode = mode
    kind = "\n    kind: chat_completion_stream" if mode == "echo-stream" else ""
    path = write_config(tmp_path, config(upstream.base_url, sqlite_url, extra=kind))
    code, (run,) = checked(cli, path)
    assert code == 1
    assert run["outcome"] == "fail"
    shown = cli("show", "--config", str(path), run["run_id"], env=ENV)
    outputs = json.dumps(run) + shown.out + shown.err
    database = repr(stored(sqlite_url, "SELECT * FROM evidence")) + repr(
        stored(sqlite_url, "SELECT * FROM findings")
    )
    for text in (outputs, database):
        for start in range(0, len(KEY) - 16):  # no 16 characters of the key, in any case
            assert KEY[start : start + 16].lower() not in text.lower()
    assert ECHOES[mode] in outputs


# item 4: a body nested 100 000 deep, with response text redaction


def test_a_deep_body_with_text_redaction_is_recorded_as_failed_and_never_re_sent(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    upstream.mode = "deep"
    extra = "\n    redact: {response_text: true}"
    path = write_config(tmp_path, config(upstream.base_url, sqlite_url, extra=extra))
    code, (run,) = checked(cli, path)
    assert code == 1
    assert run["outcome"] == "fail"
    assert "body-too-deep" in kinds(run)
    assert stored(sqlite_url, "SELECT state, outcome FROM runs") == [("completed", "fail")]
    assert len(upstream.requests) == 1


# item 9: a baseline learned from {}


@pytest.mark.parametrize("kind", ["chat_completion", "chat_completion_stream"])
def test_an_empty_answer_fails_and_is_never_learned(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str, kind: str
) -> None:
    upstream.mode = "empty" if kind == "chat_completion" else "empty-stream"
    path = write_config(
        tmp_path, config(upstream.base_url, sqlite_url, extra=f"\n    kind: {kind}")
    )
    code, (run,) = checked(cli, path)
    assert code == 1
    assert run["outcome"] == "fail"
    assert "required-member-missing" in kinds(run)
    assert stored(sqlite_url, "SELECT count(*) FROM baselines") == [(0,)]


def test_a_valid_answer_after_an_empty_one_is_what_gets_learned(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    upstream.mode = "empty"
    path = write_config(tmp_path, config(upstream.base_url, sqlite_url))
    checked(cli, path)
    upstream.mode = "valid"
    code, (run,) = checked(cli, path)
    assert code == 0
    assert run["outcome"] == "pass"
    upstream.mode = "empty"
    code, (again,) = checked(cli, path)
    assert again["outcome"] == "fail"
    assert "required-member-missing" in kinds(again)


def test_a_non_finite_number_is_refused_by_the_strict_parser(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    upstream.mode = "infinite"
    path = write_config(tmp_path, config(upstream.base_url, sqlite_url))
    _code, (run,) = checked(cli, path)
    assert run["outcome"] == "fail"
    assert "body-unparseable" in kinds(run)
    assert stored(sqlite_url, "SELECT count(*) FROM baselines") == [(0,)]


# item 10: credentials in a base_url's userinfo


def test_userinfo_in_a_base_url_is_a_located_error_and_nothing_is_sent(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    url = upstream.base_url.replace("http://", "http://user:${GW_TOKEN}@")
    path = write_config(tmp_path, config(url, sqlite_url))
    env = {**ENV, "GW_TOKEN": "gwt-0123456789abcdef"}
    result = cli("check", "--config", str(path), env=env)
    assert result.code == 2
    assert "targets.h.base_url: credentials in the URL (user:password@host)" in result.err
    assert "gwt-0123456789abcdef" not in result.out + result.err
    assert upstream.requests == []


# item 11: file modes


def test_the_database_and_the_spool_are_private_under_umask_022(
    upstream: HostileUpstream, cli: Any, tmp_path: Path
) -> None:
    old = os.umask(0o022)
    try:
        db = tmp_path / "data" / "monitor.db"
        path = write_config(tmp_path, config(upstream.base_url, f"sqlite:///{db}"))
        code, _ = checked(cli, path)
        spool = Spool(tmp_path / "spool")
        spooled = spool.put({"claim": {"started_at": "2026-01-01T00:00:00", "run_id": "r1"}})
    finally:
        os.umask(old)
    assert code == 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "spool").stat().st_mode) == 0o700
    assert stat.S_IMODE(spooled.stat().st_mode) == 0o600


# item 12: terminal escape sequences


def test_terminal_escapes_from_an_upstream_never_reach_a_terminal_raw(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    upstream.mode = "escape"
    path = write_config(tmp_path, config(upstream.base_url, sqlite_url))
    check = cli("check", "--config", str(path), env=ENV)
    json_check = cli("check", "--config", str(path), "--json", env=ENV)
    run_id = json.loads(json_check.out.splitlines()[0])["run_id"]
    shown = cli("show", "--config", str(path), run_id, env=ENV)
    history = cli("history", "--config", str(path), env=ENV)
    printed = check.out + check.err + shown.out + shown.err + history.out + json_check.out
    assert "[PROBE FAILING]" in check.err  # the console sink did print
    assert "req\\u001b]0;PWNED\\u0007" in shown.out
    assert "\x1b" not in printed
    assert "\x07" not in printed
    # --json stays valid and decodes to what the upstream sent
    assert json.loads(json_check.out.splitlines()[0])["request_id"] == "req\x1b]0;PWNED\x07\x1b[2J"


# item 15: negative token counts


def test_a_negative_token_count_is_a_finding_and_never_counted_by_the_budget(
    upstream: HostileUpstream, cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    upstream.usage = {"prompt_tokens": -1_000_000, "completion_tokens": 3, "total_tokens": 5}
    path = write_config(tmp_path, config(upstream.base_url, sqlite_url))
    _code, (run,) = checked(cli, path)
    assert run["outcome"] == "drift"
    (finding,) = [f for f in run["findings"] if f["kind"] == "usage-arithmetic-mismatch"]
    assert finding["severity"] == "warning"
    assert finding["path"] == "usage.prompt_tokens"
    assert finding["category"] == "usage_billing_assumption"
    assert finding["verdict"] == "vendor_question"
    assert stored(sqlite_url, "SELECT prompt_tokens, completion_tokens FROM runs") == [(None, 3)]
