"""(a) Each page renders in a real browser: the expected Chinese headings, no exception, nothing fetched from outside."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kpi.catalog import load_catalog
from tests.app.workbooks import FIRST_FILE, VALUES_PER_FILE
from tests.browser.driver import NAV_LINKS, metric, open_app, screenshot, selectbox, sidebar

pytestmark = pytest.mark.browser


def test_catalog_page(page, server):
    open_app(page, server, "catalog")
    expect(page.locator("h1")).to_have_text("指标目录")
    expect(metric(page, "指标")).to_have_text(f"{len(load_catalog())} 个")
    expect(metric(page, "当前有效数值")).to_have_text(f"{VALUES_PER_FILE} 个")
    expect(metric(page, "最新报告期")).to_have_text("2026-10")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNavLink")).to_have_text(NAV_LINKS)
    expect(sidebar(page)).to_contain_text("数据版本 v1 · 更新于 ")
    expect(sidebar(page)).not_to_contain_text("示例数据")
    screenshot(page, "catalog")


def test_overview_is_the_home_page(page, server):
    open_app(page, server)
    expect(page.locator("h1")).to_contain_text("2026年10月")


def test_data_page(page, server):
    open_app(page, server, "data")
    expect(page.locator("h1")).to_have_text("数据管理")
    expect(page.locator("h3")).to_have_text(["上传报表", "导入记录"])
    # Nobody signed in: the history shows, the uploader and the raw file wait for a signed-in role (test_upload.py).
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentInfo")).to_contain_text("导入报表需要登录")
    expect(selectbox(page, "查看导入批次")).to_have_value(f"#1\u3000{FIRST_FILE}\u3000（有效）")
    expect(page.get_by_text("登录后可下载原始文件。")).to_be_visible()
    screenshot(page, "data")
