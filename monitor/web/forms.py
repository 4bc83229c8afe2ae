"""The pages' inputs: the overview's filter (kept in the URL so a filtered view can be shared),
the login form, the report window, and small formatting helpers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor.clock import Clock
from monitor.config.schema import Config
from monitor.config.timeparse import parse_time
from monitor.errors import UsageError
from monitor.report.markdown import render_markdown
from monitor.report.service import make_report
from monitor.web import access, charts, data
from monitor.web.data import STATE_ORDER, ProbeRow


class PageHost(Protocol):
    """What the login and report handlers use of ``pages.WebPages`` (named as a role here so
    that this module does not import the one that imports it)."""

    store: data.WebStore
    config: Config
    clock: Clock
    token: str | None

    def render(
        self, request: Request, template: str, status: int = 200, **ctx: Any
    ) -> Response: ...


MAX_REPORT_DAYS = 92
MUTE_CHOICES = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "24h": timedelta(hours=24)}


@dataclass(frozen=True)
class OverviewFilter:
    target: str = ""
    owner: str = ""
    state: str = ""
    sort: str = "failing"  # failing-first, or "name"

    def query(self, **change: str) -> str:
        values = {**self.__dict__, **change}
        return urlencode({k: v for k, v in values.items() if v})


def overview_filter(q: Mapping[str, str]) -> OverviewFilter:
    sort = q.get("sort", "failing")
    return OverviewFilter(
        target=q.get("target", ""),
        owner=q.get("owner", ""),
        state=q.get("state", ""),
        sort=sort if sort in ("failing", "name") else "failing",
    )


def filtered(rows: Sequence[ProbeRow], f: OverviewFilter) -> list[ProbeRow]:
    kept = [
        r
        for r in rows
        if (not f.target or r.target == f.target)
        and (not f.owner or r.owner == f.owner)
        and (not f.state or r.state == f.state)
    ]
    if f.sort == "failing":
        kept.sort(key=lambda r: (STATE_ORDER.get(r.state, 9), r.target, r.name))
    else:
        kept.sort(key=lambda r: (r.target, r.name))
    return kept


def pretty_json(text: Any) -> str:
    """A body as indented JSON when it is JSON, else as it came."""
    if text is None:
        return ""
    if not isinstance(text, str):
        return json.dumps(text, indent=2, ensure_ascii=False, default=str)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def mute_for(choice: str) -> timedelta:
    return MUTE_CHOICES.get(choice, MUTE_CHOICES["1h"])


MAX_FORM_BYTES = 8 * 1024


async def form_fields(request: Request) -> dict[str, str]:
    """The few fields of our own forms (URL-encoded, a few hundred bytes): read with the standard
    library rather than adding python-multipart for file uploads we never take."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise UsageError("form too large")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in fields.items()}


def _safe_next(value: str) -> str:
    # only our own paths: never an open redirect to another site
    return value if value.startswith("/") and not value.startswith("//") else "/"


async def login(pages: PageHost, request: Request) -> Response:
    next_path = _safe_next(request.query_params.get("next", "/"))
    if pages.token is None:
        return access.with_security_headers(RedirectResponse(next_path, status_code=303))
    if request.method == "GET":
        return pages.render(request, "login.html", next_path=next_path, failed=False)
    form = await form_fields(request)
    next_path = _safe_next(form.get("next", next_path))
    given = form.get("token", "")
    if not access.token_matches(pages.token, given):
        # a form shown again with its error (200, as login forms do): a 401 would only add a
        # console error in the browser and a WWW-Authenticate challenge no browser can answer
        return pages.render(request, "login.html", next_path=next_path, failed=True)
    response = RedirectResponse(next_path, status_code=303)
    secure = access.secure_cookie(request, pages.config.ui.base_url)
    access.set_session(
        response, access.session_value(pages.token, pages.clock.now()), secure=secure
    )
    return access.with_security_headers(response)


async def report_page(pages: PageHost, request: Request) -> Response:
    q, now = request.query_params, pages.clock.now()
    try:
        since = parse_time(q.get("since") or "24h", now)
        until = parse_time(q["until"], now) if q.get("until") else now
        if (until - since).days > MAX_REPORT_DAYS:
            raise UsageError(f"the window is longer than {MAX_REPORT_DAYS} days")
        report = await run_in_threadpool(
            make_report,
            pages.store,
            pages.config,
            since,
            until,
            target=q.get("target") or None,
            tz=q.get("tz") or "UTC",
        )
    except (UsageError, ValueError, OverflowError) as exc:
        return pages.render(request, "error.html", status=400, message=str(exc))
    if q.get("format") == "md":
        response = Response(
            render_markdown(report),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="incident-report.md"'},
        )
        return access.with_security_headers(response)
    target = q.get("target") or None
    names = [p.name for p in pages.config.probes if target is None or p.target == target]
    cells = await run_in_threadpool(data.timeline, pages.store, names, since, until)
    hours = max(1, round((until - since).total_seconds() / 3600))
    download = urlencode({**{k: v for k, v in q.items() if k != "format"}, "format": "md"})
    return pages.render(
        request,
        "report.html",
        report=report.to_json(),
        query=q,
        download=download,
        timeline=charts.draw_strip(cells, hours),
    )
