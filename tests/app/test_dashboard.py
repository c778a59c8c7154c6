"""指标总览 and 指标详情 through AppTest, on the 海曙区 fixture (3 townships × 5 indicators; 2025年12月, 2026年9月 and 10月) with a
targets file of its own: the right numbers, statuses and sources, and the URL state."""

from __future__ import annotations

import pytest

from etl import targets
from kpi import store
from tests.app.conftest import run_app
from tests.app.workbooks import HAISHU, make_warehouse, month_xlsx

# 2026年10月 of the fixtures' table: 南门街道 300/150/75 beds, 8000 60+ … (see tests/fixtures.table_rows).
TARGETS = """region_code,indicator_code,year,comparator,value,value_min,kind,keep,plan_attribute,base_value,document,sentence
330203000000,EC_BED_TOTAL,2026,>=,99999,,annual,,,,海曙区2026年工作要点,养老床位总数达到99999张
"""


@pytest.fixture
def dash(tmp_path, monkeypatch):
    path = tmp_path / "warehouse" / "kpi.duckdb"
    wh = make_warehouse(path, [(month_xlsx("2025年12月"), "海曙区_2025-12.xlsx"),
                               (month_xlsx("2026年9月"), "海曙区_2026-09.xlsx"),
                               (month_xlsx("2026年10月"), "海曙区_2026-10.xlsx")])
    imported = targets.import_bytes(wh, TARGETS.encode(), "targets.csv", who="测试")
    assert imported.status == "imported", imported.problems
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_HOME_REGION", HAISHU)
    return wh


def expected_beds(wh, period="2026-10") -> float:
    from kpi.aggregate import figure
    from kpi.catalog import load_catalog
    from kpi.periods import Period

    return figure(wh.connect(), load_catalog(), "EC_BED_TOTAL", HAISHU, Period.parse(period)).value


def test_overview_shows_the_home_region_at_the_latest_month_with_url_state(dash):
    at = run_app()
    assert [t.value for t in at.title] == ["海曙区 · 2026年10月"]
    assert at.query_params["region"] == HAISHU and at.query_params["period"] == "2026-10"
    beds = next(m for m in at.metric if m.label == "养老床位总数")
    assert beds.value == f"{expected_beds(dash):,.0f} 张"
    # The one target is far off: it is the whole 需关注 list, as 严重滞后.
    attention = at.dataframe[0].value
    assert list(attention["指标"]) == ["养老床位总数"] and list(attention["状态"]) == ["严重滞后"]
    counts = {m.label: m.value for m in at.metric if m.label in ("严重滞后", "已达标")}
    assert counts == {"严重滞后": "1", "已达标": "0"}


def test_overview_follows_the_url_and_reports_a_bad_code(dash):
    at = run_app()
    at.query_params["period"] = "2026-09"
    at.query_params["region"] = "330203001000"  # 南门街道
    at.run()
    assert not at.exception
    assert at.title[0].value.endswith("2026年9月") and at.title[0].value.startswith("南门")
    at.query_params["region"] = "999999999999"
    at.run()
    assert any("链接中的地区“999999999999”无法识别" in w.value for w in at.warning)


def test_indicator_page_numbers_ranking_and_sources(dash):
    at = run_app()
    at.query_params["indicator"] = "EC_R_BED_10K"
    at.switch_page("views/indicator.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "每万名老年人拥有养老床位数"
    ranking = at.dataframe[0].value
    assert list(ranking.columns[:5]) == ["排名", "地区", "本期值", "分子", "分母"]
    reported = ranking[ranking["本期值"].notna()]
    assert len(reported) == 3 and list(reported["排名"]) == [1, 2, 3]
    # Each township's ratio is its own beds ÷ its own 60+ population × 10000, and the page's total is Σ ÷ Σ.
    for row in reported.itertuples():
        assert row.本期值 == pytest.approx(row.分子 / row.分母 * 10000)
    total = reported["分子"].sum() / reported["分母"].sum() * 10000
    tile = next(m for m in at.metric if m.label.startswith("本期"))
    assert tile.value == f"{total:.1f}"
    # Sources: both monthly files are named, each value with its cell.
    assert any("海曙区_2026-10.xlsx" in str(t.value) for t in at.table) or any(
        "海曙区_2026-10.xlsx" in str(df.value.to_string()) for df in at.dataframe)


def test_indicator_page_drills_to_a_township_and_back(dash):
    at = run_app()
    at.query_params["indicator"] = "EC_BED_TOTAL"
    at.switch_page("views/indicator.py").run()
    first = at.dataframe[0].value.iloc[0]["地区"]
    at.sidebar.selectbox(key="region").select("330203001000").run()
    assert not at.exception
    assert at.query_params["region"] == "330203001000"
    assert at.caption[0].value.startswith("南门街道")
    assert first  # the ranking named a township
    next(b for b in at.button if b.label.startswith("返回上级：海曙区")).click().run()
    assert at.query_params["region"] == HAISHU and at.caption[0].value.startswith("海曙区")


def test_bad_status_thresholds_are_reported_and_the_defaults_used(dash, tmp_path, monkeypatch):
    from kpi import targets as kt

    bad = tmp_path / "status.toml"
    bad.write_text("behind = 0.5\nseverely_behind = 0.2\n", encoding="utf-8")
    monkeypatch.setattr(kt, "default_thresholds_path", lambda: bad)
    at = run_app()
    assert not at.exception
    assert any("状态阈值设置有误" in w.value for w in at.warning)
    assert list(at.dataframe[0].value["状态"]) == ["严重滞后"]  # judged with the default thresholds


def test_indicators_nobody_reported_are_hidden_until_asked_for(dash):
    at = run_app()
    shown = {m.label for m in at.metric}
    assert "养老床位总数" in shown and "60周岁及以上常住人口" not in shown  # the fixture has no 常住 population
    at.toggle[0].set_value(True).run()
    assert "60周岁及以上常住人口" in {m.label for m in at.metric}


def test_map_page_paints_the_townships_and_switches_level(dash):
    from etl import boundaries

    imported = boundaries.import_boundaries(dash, boundaries.DEMO_BOUNDARIES, level=None, who="测试", is_demo=True)
    assert imported.status == "loaded"
    at = run_app()
    at.query_params["indicator"] = "EC_BED_TOTAL"
    at.switch_page("views/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "海曙区 · 养老床位总数"
    assert len(at.get("deck_gl_json_chart")) == 1
    assert any("示意分区，非真实乡镇边界" in w.value for w in at.warning)
    # The three reported townships are coloured; the table behind the map has every township of 海曙区.
    table = at.dataframe[0].value
    assert len(table) == 17 and table["本期值"].notna().sum() == 3
    at.sidebar.selectbox(key="region").select("330200000000").run()
    assert at.caption[0].value.startswith("2026年10月 · 按县(市、区)分级着色")
    at.sidebar.radio(key="map_level").set_value("township").run()
    assert not at.exception
    assert at.caption[0].value.startswith("2026年10月 · 按乡镇(街道)分级着色")
    assert len(at.dataframe[0].value) > 100  # every township of 宁波市
