"""The contract engine end to end: real simulator, real pipeline, real SQLite/PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from monitor.storage.sql.store import create_store
from monitor.views.run import run_view
from tests.conftest import SIM_KEY, chat_probe_config, stream_probe_config, write_config

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / "contracts" / "openai-chat-completions.yaml"
ENV = {"SIM_API_KEY": SIM_KEY}
ASSUMES = """
assumes:
  paths: ["choices[].message.content", usage.total_tokens]
  enums: {"choices[].finish_reason": [stop, length]}
  token_field: max_tokens
  headers: [x-request-id]
  status: 200
"""


def _runs(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _config(
    tmp_path: Path,
    url: str,
    db: str,
    contract: Path | None,
    extra: str = "",
    *,
    stream: bool = False,
) -> Path:
    config = stream_probe_config if stream else chat_probe_config
    text = config(url, db, extra=extra)
    if contract is not None:
        text = text.replace(
            "    api_key_env: SIM_API_KEY",
            f'    api_key_env: SIM_API_KEY\n    contract: "{contract}"',
        )
    return write_config(tmp_path, text)


def _drifting_contract(tmp_path: Path) -> Path:
    """The shipped contract, requiring a member the provider never sends."""
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "required: [id, object, created, model, choices]",
        "required: [id, object, created, model, choices, trace_token]",
    )
    path = tmp_path / "drifting.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_check_rejects_a_broken_openapi_document_with_a_located_error(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        SHIPPED.read_text(encoding="utf-8").replace(
            '"401": {$ref: "#/components/responses/Error"}\n        "403"',
            '"401": {$ref: "#/components/responses/Eror"}\n        "403"',
        ),
        encoding="utf-8",
    )
    config = _config(tmp_path, "http://127.0.0.1:9", sqlite_url, broken)
    result = cli("config", "check", str(config))
    assert result.code == 2
    assert f"{config}:7: targets.sim.contract: broken contract: {broken}:34: " in result.err
    assert "'#/components/responses/Eror' points to nothing" in result.err
    ok = _config(tmp_path, "http://127.0.0.1:9", sqlite_url, SHIPPED)
    good = cli("config", "check", str(ok))
    assert good.code == 0, good.err
    assert "contract" in good.out
    assert "OpenAPI 3.0" in good.out


def test_check_records_the_ledger_and_the_contract_used(
    cli: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = _config(tmp_path, sim_url, db_url, SHIPPED, ASSUMES)
    result = cli("check", "--config", str(config), "--json", env=ENV)
    assert result.code == 0, result.err
    (run,) = _runs(result.out)
    ledger = {(e["kind"], e["subject"]): e["mark"] for e in run["ledger"]}
    assert ledger == {
        ("path", "choices[].message.content"): "needs_confirmation",
        ("path", "usage.total_tokens"): "needs_confirmation",
        ("enum", "choices[].finish_reason"): "needs_confirmation",
        ("token_field", "max_tokens"): "needs_confirmation",
        ("header", "x-request-id"): "needs_confirmation",
        ("status", "200"): "supported",
    }
    engine = sa.create_engine(db_url.replace("sqlite:///", "sqlite:///", 1))
    try:
        with engine.begin() as conn:
            row = conn.execute(
                sa.text("SELECT contract, ledger FROM evidence WHERE run_id = :id"),
                {"id": run["run_id"]},
            ).one()
    finally:
        engine.dispose()
    contract = row.contract if isinstance(row.contract, dict) else json.loads(row.contract)
    stored = row.ledger if isinstance(row.ledger, list) else json.loads(row.ledger)
    assert contract["source"] == str(SHIPPED)
    assert len(contract["sha256"]) == 64
    assert contract["fetched_at"].endswith("Z")
    assert stored == run["ledger"]
    store = create_store(db_url, lambda: "unused")
    try:
        row = store.get_run(run["run_id"])
    finally:
        store.close()
    assert row is not None
    assert run_view(row)["ledger"] == run["ledger"]  # what `monitor show RUN` prints
    (listed,) = _runs(cli("history", "--json", "--config", str(config)).out)
    assert listed["ledger"] == run["ledger"]  # one run shape for check, history and the API


def test_documentation_drift_there_from_the_first_run_is_one_warning_event(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = _config(tmp_path, sim_url, sqlite_url, _drifting_contract(tmp_path))
    errs = []
    for _ in range(4):
        result = cli("check", "--config", str(config), "--json", env=ENV)
        assert result.code == 0, result.err  # warnings do not fail the check
        errs.append(result.err)
        (run,) = _runs(result.out)
        assert run["outcome"] == "drift"
        assert [(f["kind"], f["path"], f["severity"], f["verdict"]) for f in run["findings"]] == [
            ("property-removed", "trace_token", "warning", "documentation_drift")
        ]
    alerts = "".join(errs)
    assert alerts.count("[DRIFT OPEN]") == 1
    assert "documentation-drift" in alerts or "published contract" in alerts


def test_a_simulated_stream_matches_the_documented_chunk_schema(
    cli: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = _config(tmp_path, sim_url, db_url, SHIPPED, stream=True)
    for _ in range(2):  # learning, then compared with the chunk baseline
        result = cli("check", "--config", str(config), "--json", env=ENV)
        assert result.code == 0, result.err
        (run,) = _runs(result.out)
        assert (run["outcome"], run["findings"]) == ("pass", [])
    assert run["baseline"]["class"] == "chunk"


def test_stream_chunk_documentation_drift_from_the_first_run_is_one_warning_event(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    sim.set_scenario("new-finish-reason")  # `end_turn`, outside the documented enum
    config = _config(tmp_path, sim_url, sqlite_url, SHIPPED, stream=True)
    errs = []
    for _ in range(4):
        result = cli("check", "--config", str(config), "--json", env=ENV)
        assert result.code == 0, result.err
        errs.append(result.err)
        (run,) = _runs(result.out)
        assert run["outcome"] == "drift"
        assert [
            (f["kind"], f["path"], f["severity"], f["source"], f["verdict"])
            for f in run["findings"]
        ] == [
            (
                "enum-value-added",
                "choices[].finish_reason",
                "warning",
                "contract",
                "documentation_drift",
            )
        ]
    engine = sa.create_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            events = conn.execute(sa.text("SELECT fingerprint, state FROM events")).all()
    finally:
        engine.dispose()
    assert [tuple(e) for e in events] == [("chat-basic|chunk|documentation-drift|", "open")]
    alerts = "".join(errs)
    assert alerts.count("[DRIFT OPEN]") == 1
    assert "published contract" in alerts


def test_baseline_export_then_import_adds_a_reviewable_version(
    cli: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = _config(tmp_path, sim_url, db_url, None)
    for _ in range(2):
        assert cli("check", "--config", str(config), env=ENV).code == 0
    exported = cli("baseline", "export", "chat-basic", "--config", str(config))
    assert exported.code == 0, exported.err
    document = json.loads(exported.out)
    assert document["format"] == "contract-monitor-baseline/1"
    (entry,) = document["baselines"]
    assert (entry["response_class"], entry["version"], entry["state"]) == ("success", 1, "active")
    assert entry["shape"]["paths"]["usage.total_tokens"]["types"] == {"integer": 2}
    file = tmp_path / "baseline.json"
    file.write_text(exported.out, encoding="utf-8")
    imported = cli("baseline", "import", "chat-basic", str(file), "--config", str(config))
    assert imported.code == 0, imported.err
    assert "success baseline v2 is active (imported (exported as v1))" in imported.out
    shown = json.loads(cli("baseline", "show", "chat-basic", "--json", "--config", str(config)).out)
    assert [(b["version"], b["state"], b["source"]) for b in shown] == [
        (1, "superseded", "learned"),
        (2, "active", "imported"),
    ]
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nope"}', encoding="utf-8")
    refused = cli("baseline", "import", "chat-basic", str(bad), "--config", str(config))
    assert refused.code == 2
    assert "not a baseline export" in refused.err


def test_accept_adopts_the_new_shape_and_resolves_the_events_it_explains(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    config = _config(tmp_path, sim_url, db_url, None)
    for _ in range(2):
        cli("check", "--config", str(config), env=ENV)
    sim.set_scenario("drop-usage")
    for _ in range(2):
        cli("check", "--config", str(config), env=ENV)
    accepted = cli("baseline", "accept", "chat-basic", "--config", str(config), env=ENV)
    assert accepted.code == 0, accepted.err
    assert "success baseline v2 is active" in accepted.out
    assert "1 drift event(s) it explains resolved" in accepted.out
    assert "[ACCEPTED] chat-basic" in accepted.err  # the console sink posted the resolution
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            events = conn.execute(sa.text("SELECT kind, state FROM events")).all()
            reasons = conn.execute(
                sa.text("SELECT reason, notify FROM transitions ORDER BY at")
            ).all()
            outbox = conn.execute(sa.text("SELECT state FROM outbox")).all()
    finally:
        engine.dispose()
    assert ("property-removed", "resolved") in [tuple(e) for e in events]
    assert (reasons[-1][0], bool(reasons[-1][1])) == ("accepted", True)
    assert {o[0] for o in outbox} == {"delivered"}
    after = _runs(cli("check", "--config", str(config), "--json", env=ENV).out)[0]
    assert after["findings"] == []
    assert after["baseline"]["version"] == 2


def _verify(cli: Any, config: Path, request: Path, response: Path, *extra: str) -> Any:
    # verify only reads: the database (here empty, no baseline yet) must exist
    assert cli("db", "upgrade", "--config", str(config)).code == 0
    return cli(
        "verify",
        "--config",
        str(config),
        "--request",
        str(request),
        "--response",
        str(response),
        *extra,
    )


def test_verify_checks_a_production_pair_and_prints_the_ledger(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", sqlite_url, SHIPPED, ASSUMES)
    request = tmp_path / "req.json"
    request.write_text(
        json.dumps({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 5}),
        encoding="utf-8",
    )
    response = ROOT / "tests" / "fixtures" / "mistral" / "ok-mistral-small-2025.json"
    result = _verify(cli, config, request, response)
    assert result.code == 0, result.out  # no header given: nothing is known about x-request-id
    assert "header       x-request-id               needs_confirmation  headers not captured" in (
        result.out
    )
    assert "assumed-header-missing" not in result.out
    assert "documentation_drift" in result.out
    without_id = _verify(
        cli, config, request, response, "--header", "content-type: application/json"
    )
    assert without_id.code == 1  # headers given, and the client reads x-request-id, which is absent
    assert "header       x-request-id               unsupported" in without_id.out
    assert "assumed-header-missing" in without_id.out
    as_json = _verify(cli, config, request, response, "--header", "x-request-id: abc", "--json")
    view = json.loads(as_json.out)
    assert as_json.code == 0
    assert {e["mark"] for e in view["ledger"]} <= {"supported", "needs_confirmation"}
    assert view["contract"]["source"] == str(SHIPPED)
    missing = _verify(cli, config, tmp_path / "nope.json", response)
    assert missing.code == 2
    assert "cannot read" in missing.err


def test_verify_checks_the_request_against_the_documented_request_schema(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", sqlite_url, SHIPPED)
    response = ROOT / "tests" / "fixtures" / "openai" / "ok-gpt-4.1-nano-raw-pretty.json"
    request = tmp_path / "req.json"
    request.write_text(json.dumps({"max_tokens": "five"}), encoding="utf-8")
    result = _verify(cli, config, request, response, "--json")
    assert result.code == 1, result.err
    view = json.loads(result.out)
    assert [
        (f["kind"], f["path"], f["severity"], f["category"], f["verdict"]) for f in view["findings"]
    ] == [
        (kind, path, "breaking", "request_schema_mismatch", "client_bug")
        for kind, path in (
            ("request-required-field-missing", "request:model"),
            ("request-required-field-missing", "request:messages"),
            ("request-type-mismatch", "request:max_tokens"),
        )
    ]
    assert (view["outcome"], view["verdict"]) == ("drift", "client_bug")
    request.write_text(json.dumps([{"role": "user", "content": "x"}]), encoding="utf-8")
    listed = _verify(cli, config, request, response, "--json")
    assert listed.code == 1
    assert [(f["kind"], f["path"], f["after"]) for f in json.loads(listed.out)["findings"]] == [
        ("request-type-mismatch", "request:", "array")
    ]


def test_verify_compares_headers_with_an_active_baseline_only_when_they_are_given(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = _config(tmp_path, sim_url, sqlite_url, SHIPPED, ASSUMES)
    for _ in range(2):  # learn_runs: 2, then the baseline is active
        assert cli("check", "--config", str(config), env=ENV).code == 0
    sent = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "contract_probe redacted"}],
        "temperature": 0,
        "max_tokens": 32,
    }
    healthy = httpx.post(
        f"{sim_url}/v1/chat/completions",
        json=sent,
        headers={"Authorization": f"Bearer {SIM_KEY}"},
        timeout=10,
    )
    assert healthy.status_code == 200
    assert "x-request-id" in healthy.headers  # learned into the baseline by `check`
    request, response = tmp_path / "req.json", tmp_path / "resp.json"
    request.write_text(json.dumps(sent), encoding="utf-8")
    response.write_bytes(healthy.content)

    result = _verify(cli, config, request, response, "--json")
    assert result.code == 0, result.out
    view = json.loads(result.out)
    assert view["baseline"]["compared"] is True
    assert (view["outcome"], view["findings"]) == ("pass", [])
    header = next(e for e in view["ledger"] if e["kind"] == "header")
    assert (header["mark"], header["reason"]) == ("needs_confirmation", "headers not captured")

    captured = [f"{name}: {value}" for name, value in healthy.headers.items()]
    complete = _verify(
        cli, config, request, response, "--json", *[a for h in captured for a in ("--header", h)]
    )
    assert complete.code == 0, complete.out
    assert json.loads(complete.out)["outcome"] == "pass"  # the same headers: no header drift
    without_id = [h for h in captured if not h.startswith("x-request-id:")]
    given = _verify(
        cli, config, request, response, "--json", *[a for h in without_id for a in ("--header", h)]
    )
    assert given.code == 1
    view = json.loads(given.out)
    assert ("header-removed", "header:x-request-id", "breaking") in {
        (f["kind"], f["path"], f["severity"]) for f in view["findings"]
    }
    header = next(e for e in view["ledger"] if e["kind"] == "header")
    assert header["mark"] == "unsupported"


def test_scheduled_probes_send_requests_the_shipped_contract_documents(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    """Every kind's request meets the documented request schema on a healthy simulator, and the
    request_validation probe's missing `messages` (on purpose) is not reported."""
    probes = """
  - name: auth
    target: sim
    kind: auth_rejection
  - name: validation
    target: sim
    kind: request_validation
  - name: models
    target: sim
    kind: models
    every: 1h
  - name: tokens
    target: sim
    kind: token_field
    every: 1h
    model: o3-mini
"""
    config = _config(tmp_path, sim_url, sqlite_url, SHIPPED)
    config.write_text(config.read_text(encoding="utf-8") + probes, encoding="utf-8")
    for _ in range(2):
        result = cli("check", "--config", str(config), "--json", env=ENV)
        assert result.code == 0, result.err
        runs = {r["probe"]: r for r in _runs(result.out)}
        assert {p: (r["outcome"], r["findings"]) for p, r in runs.items()} == {
            p: ("pass", []) for p in ("chat-basic", "auth", "validation", "models", "tokens")
        }


def test_accept_on_a_streaming_probe_adopts_the_chunk_shape(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    text = f"""
environment: test
storage: {{url: "{sqlite_url}"}}
targets:
  sim: {{base_url: "{sim_url}", api_key_env: SIM_API_KEY}}
probes:
  - name: chat-stream
    target: sim
    kind: chat_completion_stream
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: "contract_probe redacted"}}]
    params: {{max_tokens: 16, stream_options: {{include_usage: true}}}}
    baseline: {{learn_runs: 2}}
    events: {{open_after: 2, window: 3, resolve_after: 2}}
"""
    config = str(write_config(tmp_path, text))
    for _ in range(2):
        cli("check", "--config", config, env=ENV)
    sim.set_scenario("type-change")
    for _ in range(2):
        drifted = _runs(cli("check", "--config", config, "--json", env=ENV).out)[0]
    assert any(f["kind"] == "type-changed" for f in drifted["findings"])
    accepted = cli("baseline", "accept", "chat-stream", "--config", config, env=ENV)
    assert accepted.code == 0, accepted.err
    assert "chunk baseline v2 is active" in accepted.out
    after = _runs(cli("check", "--config", config, "--json", env=ENV).out)[0]
    assert after["baseline"] == {"class": "chunk", "state": "active", "version": 2}
    assert [f for f in after["findings"] if f["kind"] == "type-changed"] == []


def test_a_rejected_key_is_an_account_question_without_assumption_findings(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = _config(tmp_path, sim_url, sqlite_url, SHIPPED, ASSUMES)
    for _ in range(2):
        assert cli("check", "--config", str(config), env=ENV).code == 0
    sim.set_scenario("auth-rejects")
    result = cli("check", "--config", str(config), "--json", env=ENV)
    (run,) = _runs(result.out)
    assert (run["outcome"], run["status_code"]) == ("fail", 401)
    assert [f["kind"] for f in run["findings"]] == ["status-changed"]
    assert (run["category"], run["verdict"]) == ("auth_mismatch", "vendor_question")
    marks = {e["subject"]: e["reason"] for e in run["ledger"] if e["kind"] == "path"}
    assert set(marks.values()) == {"no success body (HTTP 401)"}


def test_a_401_right_after_a_key_rotation_points_at_the_new_key(
    cli: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = _config(tmp_path, sim_url, sqlite_url, SHIPPED, ASSUMES)
    for _ in range(2):
        assert cli("check", "--config", str(config), env=ENV).code == 0
    rotated = {"SIM_API_KEY": "sk-sim-rotated-but-not-registered"}
    result = cli("check", "--config", str(config), "--json", env=rotated)
    (run,) = _runs(result.out)
    (finding,) = run["findings"]
    assert "the key changed since the last pass" in finding["message"]
    assert (run["category"], run["verdict"]) == ("auth_mismatch", "client_bug")
    assert "sk-sim-rotated" not in result.out
