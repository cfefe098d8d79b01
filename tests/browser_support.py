"""Debian's chromium driven by Playwright, for the browser tests of the report and the web UI.

Skipped when /usr/bin/chromium or the playwright package is missing, unless CI=true: CI must run them
(install with scripts/install_browser.sh; never `playwright install`). A test module calls
:func:`require_browser` before importing playwright, and imports the ``browser`` fixture from here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from narrascope.render.browser import CHROMIUM, CHROMIUM_ARGS

IN_CI = os.environ.get("CI") == "true"


def require_browser() -> None:
    """Skip the calling test module (fail it under CI=true) when chromium or playwright is missing."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing and CI=true: run scripts/install_browser.sh", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing (run scripts/install_browser.sh)", allow_module_level=True)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        if IN_CI:
            pytest.fail("the playwright python package is missing and CI=true", pytrace=False)
        pytest.skip("the playwright python package is missing", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class RecordedPage:
    """A page with every console error, page error, dialog (dismissed) and request recorded, for the tests to
    assert that hostile text stayed inert and nothing unexpected was loaded."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()
