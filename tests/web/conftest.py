"""The browser for the web UI's tests: Debian's chromium, driven headless by Playwright (no
browser is ever downloaded: these machines reach only package registries). Without it the
browser tests skip loudly, and with ``CI=true`` they fail."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# started, and the other tests run loops of their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = "BROWSER TESTS SKIPPED: no chromium (scripts/ensure-services installs it as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message.replace("SKIPPED", "FAILED") + " and CI=true")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
