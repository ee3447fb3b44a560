"""Chromium (Debian's, never a downloaded one) driven by Playwright against the live server.

The browser gets the flags that keep it off the network (no background networking, no
component updates, no sync, no QUIC) and a fresh profile (Playwright's own); every request to a
host other than the test server is aborted and recorded, so a page that needs the internet fails
its test.
When no chromium is installed the tests skip with a loud reason (``make test`` installs it
where it can). Screenshots go to ``artefacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.http.conftest import base_url, live_server, server_settings  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artefacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("GOVKG_CHROMIUM"), "/usr/bin/chromium", "chromium"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "NO CHROMIUM: browser tests skipped. Install Debian's chromium "
            "(apt-get install chromium; `make test` does it as root) or set GOVKG_CHROMIUM."
        )
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    # Playwright gives every launch a fresh, empty profile (it refuses --user-data-dir).
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Offline:
    """Aborts and records every request that leaves the test server."""

    def __init__(self, allowed: str) -> None:
        self.allowed = urlsplit(allowed).netloc
        self.blocked: list[str] = []

    def route(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if urlsplit(url).netloc == self.allowed or url.startswith(("data:", "about:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.blocked.append(url)
            route.abort()  # type: ignore[attr-defined]


@pytest.fixture()
def offline(base_url: str) -> Offline:  # noqa: F811
    return Offline(base_url)


def _context(browser: object, base_url: str, offline: Offline, viewport: dict[str, int]):  # noqa: F811
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=base_url, viewport=viewport, locale="en-GB"
    )
    context.route("**/*", offline.route)
    return context


@pytest.fixture()
def page(browser: object, base_url: str, offline: Offline) -> Iterator[object]:  # noqa: F811
    context = _context(browser, base_url, offline, DESKTOP)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert offline.blocked == [], f"pages asked for other hosts: {offline.blocked}"
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture()
def phone_page(browser: object, base_url: str, offline: Offline) -> Iterator[object]:  # noqa: F811
    context = _context(browser, base_url, offline, PHONE)
    opened = context.new_page()
    yield opened
    context.close()
    assert offline.blocked == [], f"pages asked for other hosts: {offline.blocked}"


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
