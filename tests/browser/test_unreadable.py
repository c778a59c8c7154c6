"""A warehouse file DuckDB cannot read: a calm Chinese message saying what to do, never a traceback."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.driver import open_app, screenshot, served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served(tmp_path_factory.mktemp("unreadable"), lambda db: db.write_bytes(b"\x00damaged\x00" * 4096)) as srv:
        yield srv


def test_unreadable_warehouse_message(page, server, failures):
    open_app(page, server)
    expect(page.get_by_test_id("stAlertContentError")).to_have_text("数据库文件无法读取，页面暂时无法显示数据。")
    expect(page.get_by_test_id("stCode")).to_contain_text([f"python -m etl restore --db {server.db}",
                                                           f"python -m etl build-demo --db {server.db}"])
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "unreadable")
    assert failures == ["数据库文件无法读取，页面暂时无法显示数据。"]  # the one error this page is meant to show
    failures.clear()
