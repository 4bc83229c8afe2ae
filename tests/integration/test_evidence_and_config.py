"""Request-level evidence per run, response-text redaction, the production-parser check and
what ``config check`` says the monitor will spend."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor import __version__
from monitor.simulator import Simulator
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}


def run_and_load(cli: Any, config: Path, db_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    result = cli("check", "--config", str(config), "--json", env=ENV)
    (run,) = [json.loads(line) for line in result.out.splitlines()]
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = (
                conn.execute(
                    sa.text(
                        "SELECT r.config_hash AS run_config_hash, r.request_id, r.served_model, "
                        "e.* FROM runs r JOIN evidence e ON e.run_id = r.id WHERE r.id = :id"
                    ),
                    {"id": run["run_id"]},
                )
                .mappings()
                .one()
            )
    finally:
        engine.dispose()
    decoded = {
        k: json.loads(v) if isinstance(v, str) and v[:1] in "{[" else v for k, v in row.items()
    }
    return run, decoded


def test_evidence_has_what_an_incident_review_needs(
    cli: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, db_url))
    run, row = run_and_load(cli, config, db_url)
    assert row["method"] == "POST"
    assert row["extra"]["host"] == sim_url.removeprefix("http://")
    assert row["extra"]["path"] == "/v1/chat/completions"
    assert row["extra"]["config_hash"] == row["run_config_hash"]
    assert row["request_headers"]["authorization"] == "Bearer ***"
    assert len(row["key_fingerprint"]) == 8
    assert row["response_headers"]["x-request-id"] == run["request_id"]
    assert row["attempts"][0]["status_code"] == 200
    assert row["usage"]["prompt_tokens"] > 0
    assert row["served_model"] == "gpt-4o-mini"
    assert row["system_fingerprint"].startswith("fp_")
    assert row["monitor_version"] == __version__
    assert json.loads(bytes(row["body"]))["object"] == "chat.completion"


def test_cometapi_request_id_is_read_from_the_error_message(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url))
    sim.set_scenario("comet-errors,error-in-200")
    run, _ = run_and_load(cli, config, sqlite_url)
    assert run["outcome"] == "fail"
    assert re.fullmatch(r"\d{20,}[A-Za-z0-9]+", run["request_id"] or ""), run["request_id"]


def test_response_text_redaction_keeps_evidence_but_not_the_answer(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    extra = "redact: {messages: true, response_text: true}"
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url, extra=extra))
    run, row = run_and_load(cli, config, sqlite_url)
    body = json.loads(bytes(row["body"]))
    assert body["choices"][0]["message"]["content"] == "***"
    assert body["usage"]["total_tokens"] > 0
    assert row["request_body"]["messages"] == [{"role": "user", "content": "***"}]
    sent = sim.requests[0].json
    assert sent["messages"][0]["content"] == "contract_probe redacted"
    assert run["outcome"] == "pass"


def test_production_parser_check_names_the_path_the_sdk_rejects(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(
        tmp_path, chat_probe_config(sim_url, sqlite_url, extra="production_parser: openai")
    )
    sim.set_scenario("content-array")
    run, _ = run_and_load(cli, config, sqlite_url)
    assert run["outcome"] == "drift"
    finding = run["findings"][0]
    assert (finding["kind"], finding["path"], finding["category"]) == (
        "parser-rejected",
        "choices[].message.content",
        "response_parser_mismatch",
    )
    assert "ChatCompletion" in finding["message"]


def test_config_check_prints_requests_and_tokens_per_day_and_budget_warnings(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    text = (
        chat_probe_config("http://127.0.0.1:1", sqlite_url).replace(
            "    api_key_env: SIM_API_KEY\n",
            "    api_key_env: SIM_API_KEY\n    budget: {tokens_per_day: 1000}\n",
        )
        + """
  - name: auth
    target: sim
    kind: auth_rejection
"""
    )
    config = write_config(tmp_path, text)
    result = cli("config", "check", str(config), env=ENV)
    assert result.code == 0, result.err
    # chat-basic: 1440 runs a day, about 14 prompt tokens + 32; auth_rejection: 24 runs, 0 tokens
    assert "target sim: about 1464 request(s) per day (at most 4392 with retries)" in result.out
    assert "and up to 66240 token(s) per day" in result.out
    assert "budget.tokens_per_day 1000 is below the 66240 expected" in result.out


def test_http_probes_need_a_path(cli: Any, tmp_path: Path, sqlite_url: str) -> None:
    text = (
        chat_probe_config("http://127.0.0.1:1", sqlite_url)
        + """
  - name: raw
    target: sim
    kind: http
    every: 1h
"""
    )
    result = cli("config", "check", str(write_config(tmp_path, text)), env=ENV)
    assert result.code == 2
    assert "probes[1].path: required for kind http" in result.err


def test_message_redaction_applies_to_negative_probes_too(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    text = f"""
storage: {{url: "{sqlite_url}"}}
targets:
  sim: {{base_url: "{sim_url}", api_key_env: SIM_API_KEY}}
probes:
  - name: auth
    target: sim
    kind: auth_rejection
    model: gpt-4o-mini
    messages: [{{role: user, content: "internal prompt wording"}}]
    redact: {{messages: true}}
"""
    config = write_config(tmp_path, text)
    run, row = run_and_load(cli, config, sqlite_url)
    assert run["outcome"] == "pass"
    assert row["request_body"]["messages"] == [{"role": "user", "content": "***"}]
    assert sim.requests[0].json["messages"][0]["content"] == "internal prompt wording"
