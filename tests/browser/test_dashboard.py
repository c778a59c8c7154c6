"""The dashboard pages in a real browser: 总览, 指标详情 and 地图 render from a bookmarked URL, the map draws its
polygons with no basemap, and clicking a district drills into it and 返回上级 comes back."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import shapely
from PIL import Image
from playwright.sync_api import expect

from kpi import choropleth, store
from tests.app.workbooks import HAISHU, add_demo_boundaries, county_rows, county_warehouse
from tests.browser.driver import metric, open_app, rerun, screenshot, selectbox, served

pytestmark = pytest.mark.browser
NINGBO, NINGHAI = "330200000000", "330226000000"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """All 17 townships of 海曙区 for 2026年9月 and 10月, and the demo boundaries."""
    with served(tmp_path_factory.mktemp("dashboard"), lambda db: add_demo_boundaries(county_warehouse(db))) as srv:
        yield srv


def test_overview_from_a_bookmark(page, server):
    open_app(page, server, f"?region={HAISHU}&period=2026-10")
    expect(page.locator("h1")).to_have_text("海曙区 · 2026年10月")
    beds = sum(r[1] for r in county_rows())
    expect(metric(page, "养老床位总数")).to_have_text(f"{beds:,} 张")
    expect(selectbox(page, "地区")).to_have_value("\u3000\u3000海曙区")
    assert f"region={HAISHU}" in page.url and "period=2026-10" in page.url
    screenshot(page, "overview")


def test_indicator_page(page, server):
    open_app(page, server, f"indicator?region={HAISHU}&period=2026-10&indicator=EC_R_BED_10K")
    expect(page.locator("h1")).to_have_text("每万名老年人拥有养老床位数")
    expect(page.get_by_test_id("stPlotlyChart")).to_be_visible()
    expect(page.get_by_text("各乡镇(街道)排名")).to_be_visible()
    expect(page.get_by_text("数据来源")).to_be_visible()
    screenshot(page, "indicator")


def painted_pixels(png: bytes) -> int:
    """Pixels of the map image in one of the choropleth's class colours or the 未报送 grey."""
    colours = np.array([*choropleth.BLUES, *choropleth.PURPLES, choropleth.MISSING_RGB], dtype=int)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int).reshape(-1, 1, 3)
    return int((np.abs(pixels - colours[None, :, :]).sum(axis=2) < 24).any(axis=1).sum())


def test_map_draws_township_polygons_without_a_basemap(page, server):
    open_app(page, server, f"map?region={HAISHU}&period=2026-10&indicator=EC_R_BED_10K")
    expect(page.locator("h1")).to_have_text("海曙区 · 每万名老年人拥有养老床位数")
    chart = page.get_by_test_id("stDeckGlJsonChart")
    expect(chart).to_be_visible()
    expect(page.get_by_text("示意分区，非真实乡镇边界")).to_be_visible()
    page.wait_for_timeout(1500)  # deck.gl draws on the next animation frames
    image = chart.screenshot()
    box = chart.bounding_box()
    assert painted_pixels(image) > 0.05 * box["width"] * box["height"]  # a blank canvas has none
    screenshot(page, "map_townships")


def pixel_of(lon: float, lat: float, view: dict, box: dict) -> tuple[float, float]:
    """Where deck.gl's Web-Mercator view puts (lon, lat) inside the chart's box."""
    world = 512 * 2 ** view["zoom"]

    def merc(lo, la):
        return (lo + 180) / 360 * world, (1 - math.log(math.tan(math.pi / 4 + math.radians(la) / 2)) / math.pi) / 2 * world

    x, y = merc(lon, lat)
    cx, cy = merc(*view["center"])
    return box["x"] + box["width"] / 2 + (x - cx), box["y"] + box["height"] / 2 + (y - cy)


def test_clicking_a_district_drills_down_and_back(page, server):
    from kpi import geo

    open_app(page, server, f"map?region={NINGBO}&period=2026-10&indicator=EC_BED_TOTAL")
    expect(page.locator("h1")).to_have_text("宁波市 · 养老床位总数")
    chart = page.get_by_test_id("stDeckGlJsonChart")
    expect(chart).to_be_visible()
    page.wait_for_timeout(1500)
    view = geo.map_view(store.Warehouse(server.db).connect(), NINGBO)
    feature = next(f for f in view.features["features"] if f["properties"]["code"] == NINGHAI)
    point = shapely.geometry.shape(feature["geometry"]).representative_point()
    box = chart.bounding_box()
    x, y = pixel_of(point.x, point.y, {"zoom": view.zoom, "center": view.center}, box)
    assert box["x"] < x < box["x"] + box["width"] and box["y"] < y < box["y"] + box["height"]
    # Clicked again only while the city map is still the one shown: a late first click has drilled already.
    rerun(page, lambda: page.mouse.click(x, y),
          retry_while=lambda: page.locator("h1").inner_text() == "宁波市 · 养老床位总数")
    expect(page.locator("h1")).to_have_text("宁海县 · 养老床位总数")
    assert f"region={NINGHAI}" in page.url
    screenshot(page, "map_drilled")
    rerun(page, lambda: page.get_by_role("button", name="返回上级：宁波市").click())
    expect(page.locator("h1")).to_have_text("宁波市 · 养老床位总数")
