"""The browser tests' shared fixtures: one headless Chromium per module (`browser`, which a module
may override, say with other launch flags) and a fresh page per test (`page`) that fails the test
on any error the page raised. Playwright is imported only when a browser test runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.helpers import CHROMIUM, launch

TIMEOUT_MS = 60_000  # one wait in a page: generous, for a machine whose cores are all busy


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (make test-browser installs Debian's chromium)")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[object]:
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 900}


@pytest.fixture
def page(browser, viewport) -> Iterator[object]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"
