"""Fuzz the query API in-process against its own OpenAPI document (schemathesis, fixed seed,
few examples): whatever the parameters, never a 5xx, and documented statuses only."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from monitor.api.routes import ApiDeps, build_api
from monitor.selfcheck.health import Health
from tests.incident import StepClock, make_app, run_probe

TOKEN = "fuzz-token-0123456789"


@pytest.fixture
def api_schema(tmp_path: Path, sim: Any, sim_url: str, sqlite_url: str) -> Iterator[Any]:
    app = make_app(tmp_path, sim_url, sqlite_url, clock=StepClock())
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run_probe(app))
        sim.set_scenario("auth-rejects")
        loop.run_until_complete(run_probe(app))
        assert app.metrics is not None
        deps = ApiDeps(
            app.store, app.config, StepClock(), Health(app.store, app.clock), app.metrics, TOKEN
        )
        yield schemathesis.openapi.from_asgi("/openapi.json", build_api(deps))
    finally:
        loop.run_until_complete(app.aclose())
        loop.close()


def test_the_api_never_answers_5xx(api_schema: Any) -> None:
    # schemathesis' own pytest plugin does not run under pytest 9, so drive hypothesis directly.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} == {
        "/api/v1/runs",
        "/api/v1/runs/{run_id}",
        "/api/v1/events",
        "/api/v1/report",
    }
    for operation in operations:

        @given(case=operation.as_strategy())
        @fixed_seed(20260508)
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def call(case: Any) -> None:
            case.call_and_validate(
                headers={"authorization": f"Bearer {TOKEN}"},
                checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
            )

        call()
