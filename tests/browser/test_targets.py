"""目标管理 in a real browser: upload a work plan, confirm its two targets, see them judged on the overview."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from etl import users
from kpi import store
from kpi import targets as kt
from tests.app.workbooks import HAISHU, county_warehouse
from tests.browser.driver import open_app, rerun, screenshot, served, sign_in

pytestmark = pytest.mark.browser
PLAN = ("海曙区民政局2026年工作要点\n一、养老服务\n全年新增养老床位不少于300张；每万名老年人拥有养老床位数达到400张以上。\n"
        "二、2025年工作回顾\n2025年共新增养老床位120张。\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def build(db):
        county_warehouse(db, ("2025年12月", "2026年10月"))
        users.add_user(store.Warehouse(db), "zhangsan", "browser-test-pw", "admin", display_name="张三", who="setup")

    with served(tmp_path_factory.mktemp("targets"), build) as srv:
        yield srv


def test_upload_a_plan_confirm_its_targets_and_see_them_on_the_overview(page, server):
    open_app(page, server, f"targets?region={HAISHU}")
    expect(page.locator("h1")).to_have_text("目标管理")
    sign_in(page, "zhangsan", "browser-test-pw")
    chooser = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    rerun(page, lambda: chooser.set_input_files(
        [{"name": "海曙区2026年工作要点.txt", "mimeType": "text/plain", "buffer": PLAN.encode("gbk")}]))
    rerun(page, lambda: page.get_by_role("button", name="提取目标").click())
    expect(page.get_by_text("找到目标 2 条，完成情况和现行标准 1 条")).to_be_visible()
    screenshot(page, "targets_extracted")
    rerun(page, lambda: page.get_by_role("button", name="确认所选").click())
    expect(page.get_by_text("已确认 2 条目标")).to_be_visible()
    book = kt.book(store.Warehouse(server.db).connect())
    assert {r.target.indicator_code for r in book.records} == {"EC_BED_NEW", "EC_R_BED_10K"}
    assert all(r.document == "海曙区2026年工作要点.txt" for r in book.records)

    open_app(page, server, f"?region={HAISHU}&period=2026-10")
    attention = page.get_by_test_id("stDataFrame").first
    expect(attention).to_contain_text("新增养老床位数")
    screenshot(page, "overview_with_confirmed_targets")
