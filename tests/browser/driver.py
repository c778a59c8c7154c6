"""Driving the real app: start and stop ``streamlit run``, wait for script runs, read what the page shows.

Waits are on the app's own state (``data-test-script-state`` on stApp) and on Playwright's auto-waiting assertions,
never on sleeps.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# No sandbox: CI runs as root in a container. The rest keep Chromium itself off the network (update checks, field
# trials, safe-browsing lists); the route guard in conftest.py catches anything the page asks for.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
APP = '[data-testid="stApp"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# An exception box (shown redacted: client.showErrorDetails = "none"), or an st.error alert.
FAILURES = '[data-testid="stException"], [data-testid="stAlertContentError"]'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STARTUP_SECONDS = 60
INPUT_LOST_MS = 5_000
# The sidebar's page links, in order (app.py's PAGES).
NAV_LINKS = ["指标总览", "指标详情", "地图", "月报", "十五五规划", "大屏", "目标管理", "指标目录", "数据管理"]

# Installed before any page script: reports every exception box or error alert that ever appears to the test (through
# the exposed function kpiFailure), so a failure that shows for one run and is gone by the next still counts.
RECORD_FAILURES = """
new MutationObserver(() => {
    for (const el of document.querySelectorAll('%s')) {
        if (!el.__recorded) { el.__recorded = true; window.kpiFailure(el.innerText); }
    }
    // Streamlit's own "Page not found" dialog, for an address no page answers (a connection-error dialog while a
    // test stops the server on purpose is not a failure).
    for (const el of document.querySelectorAll('[role="dialog"]')) {
        if (!el.__recorded && el.innerText.includes('Page not found')) {
            el.__recorded = true; window.kpiFailure(el.innerText);
        }
    }
}).observe(document, {childList: true, subtree: true});
""" % FAILURES


@dataclass
class Server:
    url: str
    db: Path
    log_path: Path
    proc: subprocess.Popen = field(repr=False)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, log_path: Path) -> Server:
    """``streamlit run app.py`` against ``db``; returns once /_stcore/health answers, or fails with the server log."""
    port = free_port()
    env = {**os.environ, "KPI_DB": str(db), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", db, log_path, proc)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode} before it was healthy:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            pytest.fail(f"streamlit was not healthy after {STARTUP_SECONDS}s:\n{server.log()}")
        time.sleep(0.2)


@contextmanager
def served(tmp: Path, build: Callable[[Path], object]) -> Iterator[Server]:
    """``build(db)`` a warehouse at tmp/kpi.duckdb, serve it, and stop the server however the tests end."""
    db = tmp / "kpi.duckdb"
    build(db)
    server = start_server(db, tmp / "streamlit.log")
    try:
        yield server
    finally:
        stop_server(server)


def stop_server(server: Server) -> None:
    """Stop the server; if it had died on its own, print its log (pytest shows it with the failing test)."""
    if server.proc.poll() is not None:
        print(f"\n--- streamlit died with exit code {server.proc.returncode}; its log:\n{server.log()}")
        return
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


SKELETONS = '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]'


def open_app(page: Page, server: Server, path: str = "") -> None:
    page.goto(f"{server.url}/{path}")
    settled(page)


def settled(page: Page) -> None:
    """Idle, and no element still a loading placeholder: a table that renders late moves the buttons below it, and a
    click aimed at a button while it moves lands elsewhere."""
    wait_idle(page)
    expect(page.locator(SKELETONS)).to_have_count(0)


def wait_idle(page: Page, timeout: float = 30_000) -> None:
    """The app is connected and no script run is in progress."""
    page.wait_for_selector(IDLE, timeout=timeout)


def rerun(page: Page, action, timeout: float = 30_000, retry_while=None) -> None:
    """Do ``action`` (a key press, a click, an upload) and wait until the script run(s) it caused have finished.

    Waiting for "notRunning" alone could pass before the run even starts, so a MutationObserver notes every change
    of the script state; we wait for a run (or an answered rerun request) and then an idle app. An action that starts
    no run within INPUT_LOST_MS is done once more — only while ``retry_while()`` (if given) says the page still shows
    what the action acted on: a click at a map position whose first attempt landed late would otherwise hit whatever
    the page drew there since.
    """
    page.evaluate("""() => {
        const app = document.querySelector('[data-testid="stApp"]');
        window.__runStates = [app.getAttribute('data-test-script-state')];
        if (window.__runObserver) window.__runObserver.disconnect();
        // One callback may carry several changes: each record's oldValue is the state it replaced.
        window.__runObserver = new MutationObserver(records => {
            window.__runStates.pop();
            for (const r of records) window.__runStates.push(r.oldValue);
            window.__runStates.push(app.getAttribute('data-test-script-state'));
        });
        window.__runObserver.observe(app, {attributes: true, attributeOldValue: true,
                                           attributeFilter: ['data-test-script-state']});
    }""")
    action()
    try:
        page.wait_for_function("() => window.__runStates.length > 1", timeout=INPUT_LOST_MS)
    except PlaywrightTimeout:
        # Not even a rerun request: the input never reached the app (about one click in a few hundred lands while
        # the page is still settling). Give it once more; a run that did start is never repeated.
        if retry_while is None or retry_while():
            action()
    try:
        # A run seen, or a request the server answered: when the browser is busy it may handle several messages in
        # one task, and React then paints rerunRequested → notRunning without the "running" in between.
        page.wait_for_function(
            """() => { const s = window.__runStates;
                       return s[s.length - 1] === 'notRunning' &&
                              (s.includes('running') || s.includes('rerunRequested') && s.length > 2); }""",
            timeout=timeout,
        )
    except PlaywrightTimeout:
        states = page.evaluate("() => window.__runStates")
        raise AssertionError(f"no script run finished within {timeout / 1000:g}s; script states seen: {states}") from None


def upload(page: Page, files: list[tuple[str, bytes]]) -> None:
    """Choose ``files`` (name, content) in the page's file uploader, as a user would through the file chooser."""
    chooser = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    payload = [{"name": name, "mimeType": XLSX if name.endswith(".xlsx") else "text/csv", "buffer": data}
               for name, data in files]
    rerun(page, lambda: chooser.set_input_files(payload))


def metric(page: Page, label: str) -> Locator:
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def selectbox(page: Page, label: str) -> Locator:
    """The input showing a selectbox's current choice (assert on it with to_have_value)."""
    return page.get_by_role("combobox", name=label)


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebarUserContent"]')


def screenshot(page: Page, name: str) -> Path:
    """Save the page to tests/artifacts/NAME.png once the app is idle and no element is still a loading skeleton."""
    settled(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the sidebar's 登录 form (each page.goto is a new session, signed out)."""
    side = sidebar(page)
    side.get_by_test_id("stExpander").filter(has_text="登录").locator("summary").click()
    side.get_by_label("用户名").fill(username)
    side.get_by_label("密码", exact=True).fill(password)
    rerun(page, lambda: side.get_by_role("button", name="登录", exact=True).click())
    expect(side).to_contain_text(f"已登录：{username}")
