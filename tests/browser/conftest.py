"""Browser tier fixtures: the real app under ``streamlit run`` on a free port, and Debian's Chromium through Playwright.

Each test module gets its own server on its own temporary warehouse, so tests of one module may build on each other's
loads but never see another module's. Every request that leaves localhost is recorded and aborted and fails the test,
and so does any exception box or error alert that appears at any time.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.app.workbooks import make_warehouse
from tests.browser.driver import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, RECORD_FAILURES, Server, served


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    """A running app on a fresh warehouse holding one load (tests.app.workbooks.township_xlsx, 2026年10月)."""
    with served(tmp_path_factory.mktemp("app"), make_warehouse) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def failures() -> list[str]:
    """Text of every exception box or error alert that appeared in the test's tab, in order."""
    return []


@pytest.fixture
def page(browser, server, failures) -> Page:
    """A fresh tab on ``server``. Fails the test if the page asked for anything outside localhost, or if an exception
    or error alert appeared at any point."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN", accept_downloads=True)
    outside: list[str] = []

    def guard(route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.expose_function("kpiFailure", lambda text: failures.append(text))
    context.add_init_script(RECORD_FAILURES)
    tab = context.new_page()
    yield tab
    context.close()
    assert not outside, f"the app asked for something outside localhost: {outside}"
    assert not failures, f"an exception or error alert appeared: {failures}\n--- server log:\n{server.log()}"
