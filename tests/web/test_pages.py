"""The web pages over real HTTP against a store filled by real probes of the simulator: every
page renders what the CLI would say, the token policy (login cookie, bearer, public status),
security headers, escaping of hostile provider values, and the ack/mute actions with CSRF."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.api.routes import ApiDeps, build_api
from monitor.app import App
from monitor.selfcheck.health import Health
from tests.incident import INCIDENT_START, RunningApi, StepClock, make_app, run_probe

TOKEN = "web-token-for-tests-0123456789"
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


class Seeded:
    """An app whose probe ran 3 healthy and 3 drifting runs, on a loop kept for its clean-up."""

    def __init__(self, tmp_path: Path, sim: Any, sim_url: str, db_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = make_app(tmp_path, sim_url, db_url, clock=StepClock())
        self.sim = sim
        self.run(3)
        sim.set_scenario("new-finish-reason")
        self.run(3)

    def run(self, times: int) -> None:
        for _ in range(times):
            self.loop.run_until_complete(run_probe(self.app))

    def close(self) -> None:
        self.loop.run_until_complete(self.app.aclose())
        self.loop.close()


def _serve(app: App, token: str | None, **ui: Any) -> RunningApi:
    assert app.metrics is not None
    config = app.config.model_copy(update={"ui": app.config.ui.model_copy(update=ui)})
    # the pages' clock an hour after the seeded runs (StepClock starts at INCIDENT_START)
    clock = StepClock(INCIDENT_START + timedelta(hours=1))
    deps = ApiDeps(app.store, config, clock, Health(app.store, app.clock), app.metrics, token)
    return RunningApi(build_api(deps))


@pytest.fixture
def seeded(tmp_path: Path, sim: Any, sim_url: str, db_url: str) -> Iterator[App]:
    seeded = Seeded(tmp_path, sim, sim_url, db_url)
    try:
        yield seeded.app
    finally:
        seeded.close()


@pytest.fixture
def open_site(seeded: App) -> Iterator[httpx.Client]:
    with _serve(seeded, None, actions=True) as running, httpx.Client(base_url=running.url) as c:
        yield c


def _run_ids(client: httpx.Client, headers: dict[str, str] | None = None) -> list[str]:
    items = client.get("/api/v1/runs", headers=headers or {}).json()["items"]
    return [r["run_id"] for r in items]


def test_overview_shows_each_probe_with_its_state_strip_latency_and_open_events(
    open_site: httpx.Client,
) -> None:
    page = open_site.get("/")
    assert page.status_code == 200
    html = page.text
    assert 'data-probe="chat-basic" data-state="drift"' in html
    assert "enum-value-added" in html  # the open event named on the row
    assert html.count('class="cell ') == 96  # one cell per 15-minute bucket of 24 hours
    assert re.search(r"<td>\d+ ms</td><td>\d+ ms</td>", html)  # p50 and p95
    assert 'http-equiv="refresh"' in html
    assert 'database: <b class="ok-text">ok</b>' in html


def test_overview_filters_are_kept_in_the_url(open_site: httpx.Client) -> None:
    assert "chat-basic" in open_site.get("/?state=drift&sort=name").text
    filtered = open_site.get("/?state=pass").text
    assert "No probe matches this filter." in filtered
    assert 'data-probe="chat-basic"' not in filtered
    assert 'data-probe="chat-basic"' not in open_site.get("/?owner=someone-else").text


def test_probe_run_diff_last_good_events_and_report_pages_render(open_site: httpx.Client) -> None:
    ids = _run_ids(open_site)
    newest, oldest = ids[0], ids[-1]
    probe = open_site.get("/probes/chat-basic?window=1h")
    assert probe.status_code == 200
    assert "Learned baseline" in probe.text
    assert "choices[].finish_reason" in probe.text
    assert '<svg class="chart"' in probe.text

    run = open_site.get(f"/runs/{newest}")
    assert run.status_code == 200
    assert "enum-value-added" in run.text
    assert "Assumption ledger" in run.text
    assert "Bearer ***" in run.text  # the stored request headers, masked

    diff = open_site.get(f"/runs/{oldest}/diff/{newest}")
    assert diff.status_code == 200
    assert "choices[].finish_reason" in diff.text

    last_good = open_site.get("/probes/chat-basic/last-good", follow_redirects=False)
    assert last_good.status_code == 303
    assert "/diff/" in last_good.headers["location"]
    assert open_site.get(last_good.headers["location"]).status_code == 200

    events = open_site.get("/events")
    event_id = re.search(r'href="/events/([0-9a-f-]+)"', events.text)
    assert event_id is not None
    event = open_site.get(f"/events/{event_id.group(1)}")
    assert event.status_code == 200
    assert "Transitions" in event.text

    report = open_site.get("/report?since=30d")
    assert report.status_code == 200
    assert "Download Markdown" in report.text
    assert report.text.count('class="cell drift"') >= 1  # the timeline shows the drifting runs
    markdown = open_site.get("/report?since=30d&format=md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "attachment" in markdown.headers["content-disposition"]


def test_unknown_things_are_404_pages_and_a_bad_report_window_is_400(
    open_site: httpx.Client,
) -> None:
    assert open_site.get("/runs/nope").status_code == 404
    assert open_site.get("/probes/nope").status_code == 404
    assert open_site.get("/events/nope-nope").status_code == 404
    assert open_site.get("/badge/nope.svg").status_code == 404
    assert open_site.get("/report?since=yesterday-ish").status_code == 400


def test_every_page_carries_the_security_headers(open_site: httpx.Client) -> None:
    for path in ("/", "/events", "/probes/chat-basic", "/badge/chat-basic.svg", "/login"):
        headers = open_site.get(path).headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"


def test_badge_is_an_svg_with_state_and_uptime(open_site: httpx.Client) -> None:
    badge = open_site.get("/badge/chat-basic.svg")
    assert badge.headers["content-type"].startswith("image/svg+xml")
    assert "chat-basic" in badge.text
    assert "drift · 100.0%" in badge.text


def test_ack_and_mute_need_the_csrf_token_and_are_recorded_as_web(open_site: httpx.Client) -> None:
    events = open_site.get("/events").text
    event_id = re.search(r'href="/events/([0-9a-f-]+)"', events)
    assert event_id is not None
    path = f"/events/{event_id.group(1)}"
    page = open_site.get(path).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert csrf is not None
    assert open_site.post(path + "/ack", data={"csrf": "forged"}).status_code == 403
    done = open_site.post(path + "/ack", data={"csrf": csrf.group(1)}, follow_redirects=True)
    assert done.status_code == 200
    assert "by web" in done.text
    muted = open_site.post(
        path + "/mute", data={"csrf": csrf.group(1), "for": "4h"}, follow_redirects=True
    )
    assert "muted by web" in muted.text


def test_actions_are_off_by_default(seeded: App) -> None:
    with _serve(seeded, None) as running, httpx.Client(base_url=running.url) as client:
        event_id = re.search(r'href="/events/([0-9a-f-]+)"', client.get("/events").text)
        assert event_id is not None
        page = client.get(f"/events/{event_id.group(1)}").text
        assert "Acknowledge" not in page
        assert client.post(f"/events/{event_id.group(1)}/ack", data={}).status_code == 403


def test_with_a_token_pages_ask_to_log_in_and_a_wrong_token_is_refused(seeded: App) -> None:
    with _serve(seeded, TOKEN) as running, httpx.Client(base_url=running.url) as client:
        first = client.get("/probes/chat-basic", follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"] == "/login?next=%2Fprobes%2Fchat-basic"
        assert client.get("/badge/chat-basic.svg").status_code == 401
        wrong = client.post("/login", data={"token": "not-it", "next": "/"})
        assert wrong.status_code == 200
        assert "not right" in wrong.text
        assert "monitor_session" not in wrong.headers.get("set-cookie", "")

        ok = client.post(
            "/login", data={"token": TOKEN, "next": "/probes/chat-basic"}, follow_redirects=False
        )
        assert ok.status_code == 303
        assert ok.headers["location"] == "/probes/chat-basic"
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/" in cookie
        assert "Secure" not in cookie  # plain HTTP on loopback
        assert TOKEN not in cookie
        assert client.get("/probes/chat-basic").status_code == 200

        # the API's bearer header works for the pages too; a forged cookie does not
        with httpx.Client(base_url=running.url) as other:
            assert (
                other.get("/events", headers={"authorization": f"Bearer {TOKEN}"}).status_code
                == 200
            )
            other.cookies.set("monitor_session", "v1.99999999999.deadbeef")
            assert other.get("/events", follow_redirects=False).status_code == 303


def test_login_never_redirects_to_another_site(seeded: App) -> None:
    with _serve(seeded, TOKEN) as running, httpx.Client(base_url=running.url) as client:
        ok = client.post(
            "/login", data={"token": TOKEN, "next": "//evil.example/"}, follow_redirects=False
        )
        assert ok.headers["location"] == "/"


def test_session_cookie_is_secure_when_the_ui_is_served_over_https(seeded: App) -> None:
    with (
        _serve(seeded, TOKEN, base_url="https://monitor.example") as running,
        httpx.Client(base_url=running.url) as client,
    ):
        ok = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert "Secure" in ok.headers["set-cookie"]


def test_public_status_shows_names_states_and_strip_but_never_evidence(seeded: App) -> None:
    with (
        _serve(seeded, TOKEN, public_status=True) as running,
        httpx.Client(base_url=running.url) as client,
    ):
        page = client.get("/")
        assert page.status_code == 200
        html = page.text
        assert "chat-basic" in html
        assert "drift" in html
        assert 'class="strip"' in html
        for secret in (
            "enum-value-added",
            "/runs/",
            "sim",
            "127.0.0.1",
            "platform-team",
            "ms</td>",
        ):
            assert secret not in html, secret
        assert client.get("/badge/chat-basic.svg").status_code == 200
        assert client.get("/events", follow_redirects=False).status_code == 303


def test_hostile_values_from_the_provider_are_shown_as_text(
    tmp_path: Path, sim: Any, sim_url: str, db_url: str
) -> None:
    seeded = Seeded(tmp_path, sim, sim_url, db_url)
    try:
        sim.set_scenario("hostile-markup")
        seeded.run(1)
        with _serve(seeded.app, None) as running, httpx.Client(base_url=running.url) as client:
            newest = _run_ids(client)[0]
            pages = [client.get(p).text for p in ("/", "/events", f"/runs/{newest}")]
            html = "\n".join(pages)
            assert "x-hostile" in html  # the hostile header is on the page, as text
            assert "<script>alert" not in html
            assert "<img src=x" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    finally:
        seeded.close()
