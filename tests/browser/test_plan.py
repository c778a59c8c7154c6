"""十五五规划 (/plan) in a real browser: the plan table, the indicator chart, the gap map (demo boundaries, no basemap)
and the scenario render from a bookmarked URL, with nothing asked of the network."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from etl import targets
from tests.app.workbooks import HAISHU, add_demo_boundaries, county_rows, make_warehouse, month_xlsx
from tests.browser.driver import open_app, screenshot, served

pytestmark = pytest.mark.browser
TARGETS = """region_code,indicator_code,year,comparator,value,value_min,kind,keep,plan_attribute,base_value,document,sentence
330203000000,EC_R_BED_10K,2030,>=,520,,five_year,,预期性,,测试规划,每万名老年人拥有养老床位数达到520张
330203000000,EC_BED_TOTAL,2030,>=,12000,,five_year,,约束性,,测试规划,养老床位总数达到12000张
330203000000,EC_R_NURSING_BED,2030,>=,73,,five_year,,约束性,,测试规划,养老机构护理型床位占比达到73%
"""


def grown(step: int) -> list[list]:
    """Every township of 海曙区, beds growing faster in some townships than in others."""
    return [[name, beds + (10 + 8 * (n % 4)) * step, inst + 5 * step, nursing + 4 * step, pop + 150 * step, new]
            for n, (name, beds, inst, nursing, pop, new) in enumerate(county_rows())]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def build(db):
        files = [(month_xlsx(f"{y}年12月", grown(y - 2021)), f"海曙区{y}年12月.xlsx") for y in range(2021, 2026)]
        files.append((month_xlsx("2026年10月", grown(5)), "海曙区2026年10月.xlsx"))
        wh = make_warehouse(db, files)
        assert targets.import_bytes(wh, TARGETS.encode(), "plan.csv", who="测试").status == "imported"
        add_demo_boundaries(wh)

    with served(tmp_path_factory.mktemp("plan"), build) as srv:
        yield srv


def test_plan_page_renders(page, server):
    open_app(page, server, f"plan?region={HAISHU}&period=2026-10")
    expect(page.locator("h1")).to_have_text("海曙区 · 十五五规划")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_be_visible()
    expect(page.get_by_test_id("stDeckGlJsonChart")).to_be_visible()
    expect(page.get_by_text("情景推演")).to_be_visible()
    expect(page.get_by_role("button", name="导出规划指标表（xlsx）")).to_be_visible()
    # Streamlit scrolls inside its own container, so a tall window is what captures the whole page.
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.wait_for_timeout(1500)  # deck.gl draws on the next animation frames
    screenshot(page, "plan")
