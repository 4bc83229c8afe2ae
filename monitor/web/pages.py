"""The pages' routes (Starlette): each handler reads through ``data`` in a worker thread,
renders a Jinja2 template (autoescaped: every value from a provider is text, never markup) and
answers with the security headers. Paths are stable so alerts can link to them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.clock import Clock
from monitor.config.schema import Config
from monitor.config.timeparse import iso_z
from monitor.errors import UsageError
from monitor.selfcheck.health import Health
from monitor.web import access, charts, data, forms

Handler = Callable[[Request], Awaitable[Response]]
WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["iso"] = iso_z
    env.filters["ms"] = lambda v: "–" if v is None else f"{v:.0f} ms"
    return env


class WebPages:
    """Collaborators passed in, as for the API; ``routes()`` is mounted beside ``/api/v1``."""

    def __init__(
        self, store: data.WebStore, config: Config, clock: Clock, health: Health, token: str | None
    ) -> None:
        self.store, self.config, self.clock, self.health, self.token = (
            store,
            config,
            clock,
            health,
            token,
        )
        self.env = _environment()

    # rendering and access -------------------------------------------------------------------
    def render(self, request: Request, template: str, status: int = 200, **ctx: Any) -> Response:
        page = self.env.get_template(template).render(
            request=request,
            ui=self.config.ui,
            logged_in=self.token is not None
            and access.authorized(self.token, request, self.clock.now()),
            csrf=access.csrf_token(self.token, request),
            trace_link=self.config.alerts.trace_link,
            **ctx,
        )
        return access.with_security_headers(HTMLResponse(page, status_code=status))

    def guarded(self, handler: Handler, *, public: bool = False) -> Handler:
        async def guard(request: Request) -> Response:
            if access.authorized(self.token, request, self.clock.now()):
                return await handler(request)
            if public and self.config.ui.public_status:
                request.state.public = True
                return await handler(request)
            if request.url.path.endswith(".svg"):
                return access.with_security_headers(Response("login required", 401))
            target = "/login?" + urlencode(
                {"next": request.url.path + ("?" + request.url.query if request.url.query else "")}
            )
            return access.with_security_headers(RedirectResponse(target, status_code=303))

        return guard

    def not_found(self, request: Request, what: str) -> Response:
        return self.render(request, "error.html", status=404, message=f"No {what}.")

    # pages ------------------------------------------------------------------------------------
    async def overview(self, request: Request) -> Response:
        now = self.clock.now()
        view = await run_in_threadpool(data.overview, self.store, self.config, now)
        ready = await run_in_threadpool(self.health.readiness)
        view.database_ok = ready.ok
        chosen = forms.overview_filter(request.query_params)
        rows = forms.filtered(view.probes, chosen)
        public = bool(getattr(request.state, "public", False))
        strips = {r.name: charts.draw_strip(r.cells, links=not public) for r in rows}
        return self.render(
            request,
            "overview.html",
            view=view,
            rows=rows,
            strips=strips,
            chosen=chosen,
            public=public,
            targets=sorted({p.target for p in self.config.probes}),
            owners=sorted({p.owner for p in self.config.probes if p.owner}),
            refresh=int(self.config.ui.refresh.total_seconds()),
        )

    async def probe(self, request: Request) -> Response:
        name = request.path_params["name"]
        probe = self.config.probe(name)
        if probe is None:
            return self.not_found(request, f"probe {name!r} in the configuration")
        window_key = request.query_params.get("window", "24h")
        window = WINDOWS.get(window_key, WINDOWS["24h"])
        now = self.clock.now()
        page = await run_in_threadpool(data.probe_page, self.store, probe, now, window)
        return self.render(
            request,
            "probe.html",
            probe=probe,
            schedule=data.schedule_of(probe),
            page=page,
            window_key=window_key if window_key in WINDOWS else "24h",
            windows=list(WINDOWS),
            chart=charts.latency_chart(page["points"], now - window, now),
            strip=charts.strip(page["points"], now, hours=int(window.total_seconds() // 3600) or 1),
        )

    async def run(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        detail = await run_in_threadpool(data.run_page, self.store, run_id)
        if detail is None:
            return self.not_found(request, f"run {run_id!r}")
        return self.render(request, "run.html", run=detail, pretty=forms.pretty_json)

    async def diff(self, request: Request) -> Response:
        before, after = request.path_params["run_id"], request.path_params["other"]
        diff = await run_in_threadpool(data.diff_page, self.store, before, after)
        if diff is None:
            return self.not_found(request, "such pair of runs")
        return self.render(request, "diff.html", diff=diff, before=before, after=after)

    async def last_good(self, request: Request) -> Response:
        name = request.path_params["name"]
        if self.config.probe(name) is None:
            return self.not_found(request, f"probe {name!r} in the configuration")
        good, latest = await run_in_threadpool(data.last_good_ids, self.store, name)
        if good is None or latest is None:
            return self.render(
                request, "error.html", status=404, message=f"{name} has no passing run on record."
            )
        if good == latest:
            return self.render(
                request,
                "error.html",
                message=(f"The newest run of {name} is its last good run: nothing changed since."),
            )
        return RedirectResponse(f"/runs/{quote(good)}/diff/{quote(latest)}", status_code=303)

    async def events(self, request: Request) -> Response:
        rows = await run_in_threadpool(data.events_page, self.store)
        return self.render(request, "events.html", events=rows)

    async def event(self, request: Request) -> Response:
        ref = request.path_params["event_id"]
        try:
            detail = await run_in_threadpool(data.event_page, self.store, ref)
        except UsageError as exc:
            return self.render(request, "error.html", status=404, message=str(exc))
        return self.render(request, "event.html", event=detail)

    async def event_action(self, request: Request) -> Response:
        if not self.config.ui.actions:
            return self.render(
                request, "error.html", status=403, message="Actions are off (ui.actions: false)."
            )
        form = await forms.form_fields(request)
        if not access.csrf_ok(self.token, request, str(form.get("csrf", ""))):
            return self.render(request, "error.html", status=403, message="Bad CSRF token.")
        ref, action = request.path_params["event_id"], request.path_params["action"]
        if action not in ("ack", "mute"):
            return self.not_found(request, f"action {action!r}")
        now = self.clock.now()
        if action == "ack":
            await run_in_threadpool(lambda: self.store.ack_event(ref, by="web", now=now))
        else:
            until = now + forms.mute_for(str(form.get("for", "1h")))
            await run_in_threadpool(
                lambda: self.store.mute_event(ref, until=until, reason="muted by web")
            )
        return RedirectResponse(f"/events/{quote(ref)}", status_code=303)

    async def report(self, request: Request) -> Response:
        return await forms.report_page(self, request)

    async def badge(self, request: Request) -> Response:
        name = request.path_params["name"]
        probe = self.config.probe(name)
        if probe is None:
            return access.with_security_headers(Response("no such probe", 404))
        row = await run_in_threadpool(data.probe_row, self.store, probe, self.clock.now())
        svg = charts.badge(name, row.state, row.uptime)
        response = Response(svg, media_type="image/svg+xml")
        return access.with_security_headers(response)

    async def login(self, request: Request) -> Response:
        return await forms.login(self, request)

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(access.COOKIE, path="/")
        return access.with_security_headers(response)

    def routes(self) -> list[BaseRoute]:
        g = self.guarded
        return [
            Route("/", g(self.overview, public=True)),
            Route("/login", self.login, methods=["GET", "POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/probes/{name}", g(self.probe)),
            Route("/probes/{name}/last-good", g(self.last_good)),
            Route("/runs/{run_id}", g(self.run)),
            Route("/runs/{run_id}/diff/{other}", g(self.diff)),
            Route("/events", g(self.events)),
            Route("/events/{event_id}", g(self.event)),
            Route("/events/{event_id}/{action:str}", g(self.event_action), methods=["POST"]),
            Route("/report", g(self.report)),
            Route("/badge/{name}.svg", g(self.badge, public=True)),
            Mount("/static", StaticFiles(packages=[("monitor.web", "static")]), name="static"),
        ]
