"""Real-browser fixtures: the app served on loopback, and Debian's chromium driven by Playwright.

Playwright cannot download its own browsers here, so the system chromium is launched by path. Without
it the browser tests skip with a visible reason, unless QJ_REQUIRE_BROWSER=1 (set by .ci/run).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("QJ_CHROMIUM", "/usr/bin/chromium")
# Without these flags chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("QJ_REQUIRE_BROWSER") == "1":
            pytest.fail(f"QJ_REQUIRE_BROWSER=1 but chromium is not at {CHROMIUM}")
        pytest.skip(f"chromium not found at {CHROMIUM}; the browser tests are skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: _note_csp_violation(message, violations))
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


def _note_csp_violation(message: object, violations: list[str]) -> None:
    """A page that breaks the CSP fails its test: the browser says so on the console."""
    text = message.text  # type: ignore[attr-defined]
    if "Content Security Policy" in text or "Content-Security-Policy" in text:
        violations.append(text)


def screenshot(page: object, name: str) -> Path:
    """Save a 1366x768 screenshot under test-artifacts/screenshots (gitignored) to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def sign_in(page: object, base: str, username: str, password: str = "demo1234") -> None:
    page.goto(f"{base}/")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
