"""The query API over real HTTP: bearer auth (constant-time compare), the listen policy,
keyset pagination, one run's evidence, events, the report, and health endpoints open."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.api.routes import ApiDeps, build_api
from monitor.api.server import checked_listen
from monitor.app import App
from monitor.config.listen import api_token
from monitor.config.schema import ApiConfig
from monitor.errors import ConfigError
from monitor.selfcheck.health import Health
from tests.conftest import SIM_KEY
from tests.incident import RunningApi, StepClock, make_app, run_probe

TOKEN = "api-token-for-tests-123"


@pytest.fixture
def seeded(tmp_path: Path, sim: Any, sim_url: str, db_url: str) -> Iterator[tuple[App, list[Any]]]:
    app = make_app(tmp_path, sim_url, db_url, clock=StepClock())

    async def seed() -> list[Any]:
        rows = [await run_probe(app) for _ in range(3)]
        sim.set_scenario("auth-rejects")
        rows += [await run_probe(app) for _ in range(2)]
        return rows

    loop = asyncio.new_event_loop()
    try:
        rows = loop.run_until_complete(seed())
        yield app, rows
    finally:
        loop.run_until_complete(app.aclose())
        loop.close()


@pytest.fixture
def api(seeded: tuple[App, list[Any]]) -> Iterator[tuple[httpx.Client, list[Any]]]:
    app, rows = seeded
    assert app.metrics is not None
    deps = ApiDeps(
        app.store, app.config, StepClock(), Health(app.store, app.clock), app.metrics, TOKEN
    )
    with RunningApi(build_api(deps)) as running, httpx.Client(base_url=running.url) as client:
        yield client, rows


AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("path", ["/api/v1/runs", "/api/v1/events", "/api/v1/report?since=1h"])
def test_api_without_or_with_a_wrong_token_is_401(
    api: tuple[httpx.Client, list[Any]], path: str
) -> None:
    client, _ = api
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": TOKEN}):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"error": "missing or wrong bearer token"}


def test_health_metrics_and_openapi_are_open(api: tuple[httpx.Client, list[Any]]) -> None:
    client, _ = api
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/openapi.json").json()["openapi"] == "3.1.0"


def test_runs_are_paged_newest_first_without_gaps_or_repeats(
    api: tuple[httpx.Client, list[Any]],
) -> None:
    client, rows = api
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2, "since": "2026-05-08T00:00:00Z"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/runs", params=params, headers=AUTH).json()
        seen += [item["run_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r.run_id for r in reversed(rows)]


def test_runs_filter_by_status_and_outcome(api: tuple[httpx.Client, list[Any]]) -> None:
    client, rows = api
    page = client.get(
        "/api/v1/runs",
        params={"status_code": 401, "outcome": "fail", "since": "2026-05-08T00:00:00Z"},
        headers=AUTH,
    ).json()
    assert [i["run_id"] for i in page["items"]] == [rows[4].run_id, rows[3].run_id]
    assert {i["category"] for i in page["items"]} == {"auth_mismatch"}


def test_one_run_has_its_redacted_evidence(api: tuple[httpx.Client, list[Any]]) -> None:
    client, rows = api
    detail = client.get(f"/api/v1/runs/{rows[0].run_id}", headers=AUTH).json()
    assert detail["run_id"] == rows[0].run_id
    assert detail["trace_id"] == rows[0].trace_id
    evidence = detail["evidence"]
    assert evidence["request_headers"]["authorization"] == "Bearer ***"
    assert evidence["request_body"]["model"] == "gpt-4o-mini"
    assert '"usage"' in evidence["body"]
    assert SIM_KEY not in str(detail)
    missing = client.get("/api/v1/runs/no-such-run", headers=AUTH)
    assert missing.status_code == 404


def test_bad_parameters_are_400_with_a_message(api: tuple[httpx.Client, list[Any]]) -> None:
    client, _ = api
    for params, fragment in (
        ({"limit": 0}, "limit"),
        ({"status_code": "abc"}, "status_code"),
        ({"since": "yesterday"}, "invalid time"),
        ({"cursor": "!!"}, "invalid cursor"),
        ({"outcome": "exploded"}, "outcome"),
        ({"since": "99999999999w"}, "since"),
    ):
        response = client.get("/api/v1/runs", params=params, headers=AUTH)
        assert response.status_code == 400, params
        assert fragment in response.json()["error"]


def test_events_and_report_answer_json(api: tuple[httpx.Client, list[Any]]) -> None:
    client, rows = api
    events = client.get("/api/v1/events", headers=AUTH).json()
    assert events["next_cursor"] is None
    assert {e["probe"] for e in events["items"]} == {"chat-basic"}
    report = client.get(
        "/api/v1/report",
        params={"since": "2026-05-08T13:00:00Z", "until": "2026-05-08T16:00:00Z"},
        headers=AUTH,
    ).json()
    assert report["totals"]["runs"] == len(rows)
    failures = next(s for s in report["sections"] if s["key"] == "failures")
    assert failures["statements"][0]["text"].startswith(
        "2 of 5 runs (40%) failed with auth_mismatch"
    )


def test_a_non_loopback_listen_without_a_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="without a token"):
        checked_listen(ApiConfig(listen="0.0.0.0:8080"), None)
    assert checked_listen(ApiConfig(listen="0.0.0.0:8080"), "t").port == 8080
    assert checked_listen(ApiConfig(listen="127.0.0.1:8080"), None).is_loopback
    assert checked_listen(ApiConfig(listen="[::1]:9000"), None).is_loopback
    assert api_token(ApiConfig(), {"MONITOR_API_TOKEN": "  "}) is None


def test_monitor_api_refuses_a_public_listen_without_a_token(
    cli: Any, tmp_path: Path, sqlite_url: str, sim_url: str
) -> None:
    from tests.conftest import chat_probe_config, write_config

    text = chat_probe_config(sim_url, sqlite_url) + 'api: {listen: "0.0.0.0:18080"}\n'
    config = write_config(tmp_path, text)
    result = cli("api", "--config", str(config), env={"SIM_API_KEY": SIM_KEY})
    assert result.code == 2
    assert "refusing to serve the API on non-loopback address 0.0.0.0:18080" in result.err
