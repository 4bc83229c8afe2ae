"""The web UI in a real headless browser against a real ``monitor run`` process and the
simulator: the public status view shows no evidence, the login refuses a wrong token, the
overview turns a probe to drift when the provider changes, and clicking through to the probe,
its event, the run and the diff works, with no console error on any page. Screenshots of each
page go to the test's folder (and to ``$MONITOR_SCREENSHOTS`` when set, for the README)."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import Any

from tests.conftest import SIM_KEY, chat_probe_config, write_config
from tests.integration.processes import MonitorProcess, wait_until

TOKEN = "browser-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _shot(page: Any, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 1000
    wanted = os.environ.get("MONITOR_SCREENSHOTS")
    if wanted:
        shutil.copy(path, Path(wanted) / path.name)


def test_status_page_login_drift_and_click_through_in_a_real_browser(
    browser: Any, tmp_path: Path, sim: Any, sim_url: str, sqlite_url: str
) -> None:
    port = _free_port()
    text = chat_probe_config(sim_url, sqlite_url).replace("every: 60s", "every: 1s")
    text += f'api: {{listen: "127.0.0.1:{port}"}}\n'
    text += "ui: {public_status: true, refresh: 5s}\n"
    config = write_config(tmp_path, text)
    env = {"SIM_API_KEY": SIM_KEY, "MONITOR_API_TOKEN": TOKEN}
    process = MonitorProcess(config, env, tmp_path / "run.log")
    base = f"http://127.0.0.1:{port}"
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def passing() -> bool:
            try:
                page.goto(base + "/")
            except Exception:  # the listener is not up yet
                return False
            return page.locator('tr[data-probe="chat-basic"][data-state="pass"]').count() == 1

        wait_until(passing, 60, "the public overview to show chat-basic passing")
        public = page.content()
        assert "/runs/" not in public
        assert "platform-team" not in public
        assert "Bearer" not in public
        _shot(page, tmp_path, "public-status")

        page.goto(base + "/events")  # evidence needs the token
        assert page.url.startswith(base + "/login")
        page.fill("input[name=token]", "not-the-token")
        page.click("button[type=submit]")
        assert "not right" in page.inner_text("main")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        assert page.url == base + "/events"

        sim.set_scenario("new-finish-reason")

        def drifting() -> bool:
            page.goto(base + "/")
            return page.locator('tr[data-probe="chat-basic"][data-state="drift"]').count() == 1

        wait_until(drifting, 60, "the overview to show chat-basic drifting")
        _shot(page, tmp_path, "overview")

        page.click('a[href="/probes/chat-basic"]')
        assert "Learned baseline" in page.inner_text("main")
        _shot(page, tmp_path, "probe")

        def event_listed() -> bool:
            page.reload()
            return page.locator('a[href^="/events/"]').count() > 0

        wait_until(event_listed, 30, "the drift's event on the probe page")
        page.locator('a[href^="/events/"]').first.click()
        assert "Transitions" in page.inner_text("main")
        _shot(page, tmp_path, "event")

        page.locator('a[href^="/runs/"]').first.click()
        assert "Findings" in page.inner_text("main")
        _shot(page, tmp_path, "run")

        page.click("text=diff with last good")
        assert "What changed" in page.inner_text("main")
        assert "choices[].finish_reason" in page.inner_text("main")
        _shot(page, tmp_path, "diff")

        assert errors == [], errors
    finally:
        context.close()
        process.stop()
