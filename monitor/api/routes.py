"""The read-only query API (Starlette): ``/api/v1/runs``, ``/api/v1/runs/{id}``,
``/api/v1/events``, ``/api/v1/report`` behind a bearer token, and ``/healthz``, ``/readyz``,
``/metrics``, ``/openapi.json`` open.

Handlers only parse parameters and call the same query layer as the CLI (the store's
``RunReads`` role); the database is called in a worker thread so the event loop (which also
runs probes in ``monitor run``) never blocks. The token is compared in constant time.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.api import params
from monitor.api.openapi import openapi_document
from monitor.clock import Clock
from monitor.config.schema import Config
from monitor.errors import UsageError
from monitor.report.service import make_report
from monitor.selfcheck.health import Health
from monitor.storage.base import Readiness
from monitor.storage.params import RunFilter
from monitor.telemetry.metrics import MonitorMetrics
from monitor.views.evidence import run_detail
from monitor.views.jsonable import to_jsonable
from monitor.views.run import run_view
from monitor.web.data import WebStore  # no Jinja2 there: the pages themselves load lazily

Handler = Callable[[Request], Awaitable[Response]]
MAX_REPORT_DAYS = 92


class ApiStore(WebStore, Readiness, Protocol):
    """What the API and the pages on its listener read: runs, events, evidence, the report's facts,
    readiness, and what the pages draw and change (``web.data.WebStore``)."""


@dataclass
class ApiDeps:
    store: ApiStore
    config: Config
    clock: Clock
    health: Health
    metrics: MonitorMetrics
    token: str | None


class JsonResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=to_jsonable, ensure_ascii=False).encode("utf-8")


def _error(status: int, message: str, **headers: str) -> Response:
    return JsonResponse({"error": message}, status_code=status, headers=headers or None)


def _protected(deps: ApiDeps, handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        if deps.token is not None:
            given = request.headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            ok = scheme.lower() == "bearer" and hmac.compare_digest(
                value.strip().encode("utf-8", "surrogateescape"), deps.token.encode("utf-8")
            )
            if not ok:
                return _error(
                    401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"}
                )
        try:
            return await handler(request)
        except (params.BadRequest, UsageError) as exc:
            return _error(400, str(exc))

    return guarded


def build_api(deps: ApiDeps) -> Starlette:
    document = openapi_document()

    async def runs(request: Request) -> Response:
        q, now = request.query_params, deps.clock.now()
        flt = RunFilter(
            probes=params.strings(q, "probe"),
            targets=params.strings(q, "target"),
            outcomes=params.choices(q, "outcome", params.OUTCOMES),
            categories=params.strings(q, "category"),
            verdicts=params.strings(q, "verdict"),
            status_codes=params.ints(q, "status_code", 100, 599),
            since=params.time_param(q, "since", now),
            until=params.time_param(q, "until", now),
            limit=params.limit(q),
            cursor=params.cursor(q),
        )
        rows, next_cursor = await run_in_threadpool(deps.store.list_runs_page, flt)
        return JsonResponse(params.page([run_view(r) for r in rows], next_cursor))

    async def run(request: Request) -> Response:
        run_id = params._clean("run_id", request.path_params["run_id"])
        row = await run_in_threadpool(deps.store.get_run, run_id)
        if row is None:
            return _error(404, f"no run {run_id!r}")
        evidence = await run_in_threadpool(deps.store.get_evidence, run_id)
        return JsonResponse(run_detail(row, evidence))

    async def events(request: Request) -> Response:
        q = request.query_params
        rows, next_cursor = await run_in_threadpool(
            lambda: deps.store.list_events_page(
                probes=params.strings(q, "probe"),
                states=params.choices(q, "state", params.EVENT_STATES),
                limit=params.limit(q),
                cursor=params.cursor(q),
            )
        )
        return JsonResponse(params.page([r.to_json() for r in rows], next_cursor))

    async def report(request: Request) -> Response:
        q, now = request.query_params, deps.clock.now()
        since = params.time_param(q, "since", now)
        until = params.time_param(q, "until", now) or now
        if since is None:
            raise params.BadRequest("since is required (a duration such as 24h or a time)")
        if (until - since).days > MAX_REPORT_DAYS:
            raise params.BadRequest(f"the window is longer than {MAX_REPORT_DAYS} days")
        result = await run_in_threadpool(
            make_report,
            deps.store,
            deps.config,
            since,
            until,
            target=params.one(q, "target"),
            tz=params.one(q, "tz") or "UTC",
        )
        return JsonResponse(result.to_json())

    async def healthz(request: Request) -> Response:
        check = await run_in_threadpool(deps.health.liveness)
        return JsonResponse({"ok": check.ok, **check.detail}, status_code=200 if check.ok else 503)

    async def readyz(request: Request) -> Response:
        check = await run_in_threadpool(deps.health.readiness)
        return JsonResponse({"ok": check.ok, **check.detail}, status_code=200 if check.ok else 503)

    async def metrics(request: Request) -> Response:
        body = await run_in_threadpool(deps.metrics.exposition)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def openapi(request: Request) -> Response:
        return JsonResponse(document)

    from monitor.web.pages import WebPages  # the pages import Jinja2: only when serving

    web = WebPages(deps.store, deps.config, deps.clock, deps.health, deps.token)
    return Starlette(
        routes=[
            Route("/api/v1/runs", _protected(deps, runs)),
            Route("/api/v1/runs/{run_id}", _protected(deps, run)),
            Route("/api/v1/events", _protected(deps, events)),
            Route("/api/v1/report", _protected(deps, report)),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/openapi.json", openapi),
            *web.routes(),
        ]
    )
