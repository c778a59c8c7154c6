"""月报 in a real browser: the page renders its panels and commentary from a bookmarked URL, its download buttons
deliver the PDF, a panel's PNG and the ZIP, and ``?version=`` remakes the report as of an older data version."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.app.workbooks import HAISHU, add_demo_boundaries, county_warehouse
from tests.browser.driver import open_app, screenshot, served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """海曙区's 17 townships for 2026年9月 (v1) and 10月 (v2), then the demo boundaries (v3)."""
    with served(tmp_path_factory.mktemp("report"), lambda db: add_demo_boundaries(county_warehouse(db))) as srv:
        yield srv


def downloaded(page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as download:
        page.get_by_role("button", name=button).first.click()
    with open(download.value.path(), "rb") as fh:
        return download.value.suggested_filename, fh.read()


def test_report_page_shows_panels_and_downloads(page, server):
    open_app(page, server, f"report?region={HAISHU}&period=2026-10")
    expect(page.locator("h1")).to_have_text("月报 · 海曙区 · 2026年10月")
    expect(page.get_by_text("数据版本 v3（")).to_be_visible()
    expect(page.get_by_text("总体情况")).to_be_visible()
    expect(page.get_by_text("截至2026年10月，全区每万名老年人拥有养老床位数")).to_be_visible()
    expect(page.get_by_text("分乡镇(街道)看，每万名老年人拥有养老床位数以")).to_be_visible()
    images = page.get_by_test_id("stImage")
    expect(images).to_have_count(4)  # headline table, 养老服务, map, behind list: no chart for areas without data
    expect(page.get_by_role("button", name="下载图片（PNG）")).to_have_count(4)
    # Each panel is sent whole (1285 px) and shown at 643 CSS px: sharp on a 2× screen, not scaled down on the server.
    first = images.first.locator("img")
    expect(first).to_have_js_property("complete", True)
    assert first.evaluate("img => [img.naturalWidth, Math.round(img.getBoundingClientRect().width)]") == [1285, 643]
    screenshot(page, "report")

    name, data = downloaded(page, "下载 PDF")
    assert name == "月报_海曙区_2026-10_v3.pdf" and data.startswith(b"%PDF")
    name, data = downloaded(page, "下载图片（PNG）")
    assert name == "月报_海曙区_2026-10_v3_01_主要指标完成情况.png"
    assert Image.open(io.BytesIO(data)).size[0] == 1285  # 170 mm at 2× (192 dpi)
    name, data = downloaded(page, "下载全部图片（ZIP，4 张）")
    assert name == "月报_海曙区_2026-10_v3_图片.zip"
    assert len([n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith(".png")]) == 4
    name, data = downloaded(page, "下载 Word（.docx）")
    assert name == "月报_海曙区_2026-10_v3.docx" and zipfile.is_zipfile(io.BytesIO(data))


def test_version_in_the_url_remakes_an_older_report(page, server):
    open_app(page, server, f"report?region={HAISHU}&period=2026-10&version=2")
    expect(page.get_by_text("按数据版本 v2 重现：此后的导入、修订和撤销不计入（当前版本为 v3）。")).to_be_visible()
    expect(page.get_by_text("数据版本 v2（")).to_be_visible()
    # The boundaries came with v3: as of v2 there is no map to draw.
    expect(page.get_by_text("分乡镇(街道)看")).to_have_count(0)
    name, _ = downloaded(page, "下载 PDF")
    assert name == "月报_海曙区_2026-10_v2.pdf"
    screenshot(page, "report_as_of")


def test_map_indicator_from_the_url(page, server):
    open_app(page, server, f"report?region={HAISHU}&period=2026-10&map=EC_BED_TOTAL")
    expect(page.get_by_text("分乡镇(街道)看，养老床位总数以")).to_be_visible()
