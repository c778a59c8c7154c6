"""(b) 数据管理 in a real browser: upload through the file chooser, read the check report, load, see the history; a bad
file shows its Chinese error at its row and column and changes nothing; the raw file downloads; a revert asks first.

The tests share one server and warehouse and run in file order: the second load is #2, the revert undoes it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kpi import store
from tests.app.workbooks import VALUES_PER_FILE, month_xlsx
from tests.browser.driver import metric, open_app, rerun, screenshot, selectbox, sidebar, upload

pytestmark = pytest.mark.browser

# Built once: an xlsx written twice differs in its zip timestamps, and the download must be the very bytes uploaded.
SEPTEMBER = month_xlsx("2026年9月")
EVIL = "![x](http://203.0.113.9/x.png) **粗** :red[红] www.example.com"


def version(db) -> int:
    return store.current_version(store.Warehouse(db).connect())


def test_upload_check_load_and_history(page, server):
    open_app(page, server, "data")
    upload(page, [("海曙区2026年9月.xlsx", SEPTEMBER)])
    card = page.get_by_test_id("stVerticalBlock").filter(has_text="海曙区2026年9月.xlsx — 可以导入").last
    expect(card).to_be_visible()
    for label, value in {"错误": "0", "提示": "0", "识别出的数值": str(VALUES_PER_FILE), "读取行数": "4", "报告期": "2026-09"}.items():
        expect(metric(card, label)).to_have_text(value)
    screenshot(page, "data_checked")
    assert version(server.db) == 1  # checking writes nothing

    rerun(page, lambda: page.get_by_role("button", name="导入通过校验的 1 个文件").click())
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text("导入完成：已导入 1 个。")
    result = page.get_by_test_id("stTable").locator("tbody tr")
    expect(result).to_have_count(1)
    expect(result.locator("td")).to_contain_text(["海曙区2026年9月.xlsx", "已导入", f"已导入：{VALUES_PER_FILE}个数值（导入批次 #2，数据版本 v2）"])
    expect(selectbox(page, "查看导入批次")).to_have_value("#2\u3000海曙区2026年9月.xlsx\u3000（有效）")
    expect(sidebar(page)).to_contain_text("数据版本 v2")
    expect(page.get_by_test_id("stFileUploaderFile")).to_have_count(0)  # the uploader is empty again
    assert version(server.db) == 2
    screenshot(page, "data_loaded")


def test_bad_file_shows_where_and_changes_nothing(page, server):
    before = version(server.db)
    open_app(page, server, "data")
    rows = [["南门街道", 300, 200, 120, 8000, 3], ["不存在街道", 90, 60, 30, 1000, 1], [EVIL, 1, 1, 1, 1, 1]]
    upload(page, [("坏文件.xlsx", month_xlsx(rows=rows))])
    expect(page.get_by_text("坏文件.xlsx — 有错误，不能导入")).to_be_visible()
    problems = page.get_by_test_id("stTable").locator("tbody tr")
    expect(problems.first.locator("td")).to_contain_text(
        ["错误", "Sheet1", "5", "A", "未知的地区“不存在街道”：在海曙区范围内没有找到匹配的乡镇（街道）", "请核对名称是否为规范全称"])
    # Cell text is shown exactly as typed: no link, image or formatting made from it, nothing fetched.
    evil_cell = problems.nth(1).locator("td").nth(4)
    assert evil_cell.inner_text().replace("\u2060", "") == (
        f"未知的地区“{EVIL}”：在海曙区范围内没有找到匹配的乡镇（街道）或县（市、区）")
    expect(page.get_by_test_id("stMain").locator("a[href*='203.0.113.9'], a[href*='example.com'], img")).to_have_count(0)
    expect(page.get_by_role("button", name="没有可导入的文件")).to_be_disabled()
    screenshot(page, "data_bad_file")
    assert version(server.db) == before
    expect(sidebar(page)).to_contain_text(f"数据版本 v{before}")


def test_download_archived_raw_file(page, server):
    open_app(page, server, "data")
    expect(selectbox(page, "查看导入批次")).to_have_value("#2\u3000海曙区2026年9月.xlsx\u3000（有效）")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载原始文件").click()
    assert download.value.suggested_filename == "海曙区2026年9月.xlsx"
    assert open(download.value.path(), "rb").read() == SEPTEMBER


def test_revert_asks_first(page, server):
    before = version(server.db)
    open_app(page, server, "data")
    rerun(page, lambda: page.get_by_role("button", name="撤销此批次……").click())
    expect(page.get_by_test_id("stAlertContentWarning")).to_contain_text(f"确定撤销导入批次 #2？撤销后该批次的 {VALUES_PER_FILE} 个数值不再计入")
    screenshot(page, "data_revert_confirm")
    assert version(server.db) == before

    rerun(page, lambda: page.get_by_role("button", name="确认撤销").click())
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"已撤销导入批次 #2（数据版本 v{before + 1}）")
    expect(selectbox(page, "查看导入批次")).to_have_value(re.compile("^#2\u3000海曙区2026年9月\\.xlsx\u3000（已撤销（"))
    expect(page.get_by_role("button", name="撤销此批次……")).to_have_count(0)
    expect(sidebar(page)).to_contain_text(f"数据版本 v{before + 1}")
    assert version(server.db) == before + 1
    screenshot(page, "data_reverted")
