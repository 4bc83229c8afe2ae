"""The Starlette application: the OpenAI-compatible endpoints, which record each request and hand
it to the pipeline, and the `/_simulator/*` control endpoints other processes use to switch
scenarios and read what was received."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.simulator import payloads, respond
from monitor.simulator.delivery import Hub, PlanResponse
from monitor.simulator.plan import Ctx, Settings
from monitor.simulator.scenarios import SCENARIOS
from monitor.simulator.state import RecordedRequest, SimState

_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


async def _record(state: SimState, request: Request) -> bytes:
    raw = await request.body()
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    state.record(
        RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers=headers,
            body=raw,
            json=_parse_json(raw),
            received_at=datetime.now(UTC),
        )
    )
    return raw


def build_app(state: SimState, api_key: str, settings: Settings, hub: Hub) -> Starlette:
    """One app per running server: `hub` belongs to that server's event loop."""

    def context(request: Request, kind: Literal["chat", "models", "other"]) -> Ctx:
        snapshot = state.begin(counted=kind == "chat")
        server = request.scope.get("server") or ("127.0.0.1", 0)
        return Ctx(
            names=snapshot.names,
            rng=snapshot.rng,
            now=time.time(),
            settings=settings,
            kind=kind,
            ordinal=snapshot.ordinal,
            scheme=request.url.scheme,
            port=int(server[1] or 0),
            request_id=payloads.request_id(snapshot.rng),
        )

    async def chat(request: Request) -> Response:
        started = time.monotonic()
        raw = await _record(state, request)
        ctx = context(request, "chat")
        plan = respond.chat(ctx, request.headers.get("authorization"), api_key, raw)
        return PlanResponse(plan, hub, started)

    async def models(request: Request) -> Response:
        started = time.monotonic()
        await _record(state, request)
        ctx = context(request, "models")
        plan = respond.list_models(ctx, request.headers.get("authorization"), api_key)
        return PlanResponse(plan, hub, started)

    async def unknown(request: Request) -> Response:
        started = time.monotonic()
        await _record(state, request)
        plan = respond.unknown_route(context(request, "other"), request.method, request.url.path)
        return PlanResponse(plan, hub, started)

    async def get_scenario(request: Request) -> Response:
        return JSONResponse({"scenario": state.scenario})

    async def put_scenario(request: Request) -> Response:
        body = _parse_json(await request.body())
        scenario = body.get("scenario") if isinstance(body, dict) else None
        if not isinstance(scenario, str):
            return JSONResponse({"error": 'expected a JSON body {"scenario": "..."}'}, 400)
        try:
            return JSONResponse({"scenario": state.set_scenario(scenario)})
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)

    async def list_scenarios(request: Request) -> Response:
        items = [{"name": name, "description": s.description} for name, s in SCENARIOS.items()]
        return JSONResponse({"scenarios": items})

    async def get_requests(request: Request) -> Response:
        return JSONResponse({"requests": [r.to_dict() for r in state.requests()]})

    async def delete_requests(request: Request) -> Response:
        return JSONResponse({"cleared": state.clear_requests()})

    routes = [
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/v1/models", models, methods=["GET"]),
        Route("/_simulator/scenario", get_scenario, methods=["GET"]),
        Route("/_simulator/scenario", put_scenario, methods=["PUT"]),
        Route("/_simulator/scenarios", list_scenarios, methods=["GET"]),
        Route("/_simulator/requests", get_requests, methods=["GET"]),
        Route("/_simulator/requests", delete_requests, methods=["DELETE"]),
        # Anything else gets OpenAI's JSON 404 rather than Starlette's plain-text one.
        Route("/{path:path}", unknown, methods=_ALL_METHODS),
    ]
    return Starlette(routes=routes)
