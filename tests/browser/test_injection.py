"""Hostile text in a real browser: a load whose file name, sheet name and cells are HTML, script and Markdown, and a
link whose parameters are HTML and SQL. Every one shows literally, as typed; nothing of it becomes an element, a link or
an image, no script runs (``window.__pwned`` stays undefined) and nothing is fetched from outside (the page fixture
fails the test on any request leaving localhost, and on any error alert).

One server, read-only pages only (the history on /data and a dashboard page need no sign-in; the uploader does, and is
covered at the AppTest tier by tests/app/test_injection.py).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.app.test_injection import HOSTILE, HOSTILE_FILE, IMG, MARKDOWN, SCRIPT, SVG, hostile_warehouse
from tests.browser.driver import open_app, screenshot, selectbox, served

pytestmark = pytest.mark.browser

# Anything the hostile strings would have made if they had been taken as HTML or Markdown.
MADE_FROM_INPUT = ('img[src="x"], img[src*="203.0.113.9"], svg[onload], a[href^="javascript"], a[href*="203.0.113.9"], '
                   'a[href*="example.com"], [onerror], [onload]')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served(tmp_path_factory.mktemp("injection"), hostile_warehouse) as srv:
        yield srv


def shown(page: Page, selector: str) -> str:
    """The text of the matching elements as the user reads it (plain() puts invisible word joiners into URLs)."""
    return "\n".join(page.locator(selector).all_inner_texts()).replace("\u2060", "")


def assert_inert(page: Page) -> None:
    assert page.evaluate("() => window.__pwned") is None
    expect(page.locator(MADE_FROM_INPUT)).to_have_count(0)
    scripts = page.locator("script").evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert not [s for s in scripts if "__pwned" in s]


def test_hostile_text_from_files_and_links_is_shown_as_text(page, server):
    open_app(page, server, "data")
    # The newest load is selected: its name in the picker, its warnings (quoting the cells) in the table below.
    expect(selectbox(page, "查看导入批次")).to_have_value(f"#2\u3000{HOSTILE_FILE}\u3000（有效）")
    table = shown(page, '[data-testid="stTable"]')
    for text in (SVG, f"“{SCRIPT}”（代码无）不在指标目录中", f"“{IMG}”（代码X1）不在指标目录中", f"“{MARKDOWN}”（代码无）"):
        assert text in table, text
    assert_inert(page)
    screenshot(page, "injection_data")

    # A link built to inject: HTML in the region, SQL in the period and the indicator. (Not /overview: as the default
    # page, Streamlit answers /overview?… with a "Page not found" dialog before running it anyway.)
    open_app(page, server, "indicator?" + urlencode({"region": IMG, "period": HOSTILE[3], "indicator": HOSTILE[2]}))
    warnings = shown(page, '[data-testid="stAlertContentWarning"]')
    assert f"链接中的地区“{IMG}”无法识别，已改为显示默认地区。" in warnings
    assert f"链接中的报告期“{HOSTILE[3]}”无法识别，已改为显示默认报告期。" in warnings
    assert f"链接中的指标“{HOSTILE[2]}”无法识别，已改为显示默认指标。" in warnings
    assert_inert(page)
    screenshot(page, "injection_link")
