"""A fresh server whose first request goes straight to /data (a bookmark after a restart) still shows the app's frame:
Streamlit would otherwise treat views/ as an old-style pages folder and run views/data.py bare."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.driver import NAV_LINKS, open_app, screenshot, sidebar

pytestmark = pytest.mark.browser


def test_first_request_straight_to_data(page, server):
    open_app(page, server, "data")
    expect(page.locator("h1")).to_have_text("数据管理")
    expect(page.get_by_test_id("stSidebarNavLink")).to_have_text(NAV_LINKS)
    expect(sidebar(page)).to_contain_text("数据版本 v1")
    screenshot(page, "first_request_data")
