"""The 大屏's settings (data/screen.toml under the URL's parameters) and the small decisions behind what it shows."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi import choropleth, geo, screen
from kpi.catalog import load_catalog
from kpi.choropleth import LegendEntry
from kpi.regions import load_regions

CAT, REGIONS = load_catalog(), load_regions()
DEFAULTS = screen.ScreenConfig()


def parse(text: str):
    return screen.from_toml(text, CAT, REGIONS, source="screen.toml")


def url(params: dict, config: screen.ScreenConfig = DEFAULTS):
    return screen.with_params(config, params, CAT, REGIONS)


# ---- the file --------------------------------------------------------------------------------------------------------


def test_the_repository_file_is_valid_and_says_what_the_defaults_say():
    config, problems = screen.load(CAT, REGIONS, screen.DEFAULT_PATH)
    assert problems == []
    assert config == DEFAULTS


def test_no_file_means_the_defaults_silently(tmp_path):
    assert screen.load(CAT, REGIONS, tmp_path / "missing.toml") == (DEFAULTS, [])


def test_every_setting_is_read():
    config, problems = parse("""
        region = "330203000000"
        period = "2026-10"
        title = "  海曙区民政局   大屏 "
        headline = ["ec_bed_total", "EC_BED_NEW"]
        map = ["EC_R_BED_10K"]
        trend = ["EC_BED_TOTAL", "EC_BED_NEW"]
        panels = ["trend", "map"]
        method = "natural"
        rotate_seconds = 15
        refresh_seconds = 45.5
        stale_after_hours = 72
    """)
    assert problems == []
    assert config == screen.ScreenConfig(
        region="330203000000", period="2026-10", title="海曙区民政局 大屏", headline=("EC_BED_TOTAL", "EC_BED_NEW"),
        map=("EC_R_BED_10K",), trend=("EC_BED_TOTAL", "EC_BED_NEW"), panels=("map", "trend"), method="natural",
        rotate_seconds=15.0, refresh_seconds=45.5, stale_after_hours=72.0)


def test_empty_region_period_and_title_mean_the_defaults():
    config, problems = parse('region = ""\nperiod = "最新"\ntitle = ""')
    assert problems == []
    assert (config.region, config.period, config.title) == (None, None, None)


def test_a_file_that_is_not_toml_gives_the_defaults_and_says_where():
    assert parse('region = "330203000000"\nheadline = [\n') == (
        DEFAULTS, ["大屏设置文件 screen.toml 格式有误（文件末尾附近），已全部使用默认设置。"])
    assert parse('region = "330203000000"\nrotate_seconds = = 5\nmap = []') == (
        DEFAULTS, ["大屏设置文件 screen.toml 格式有误（第 2 行附近），已全部使用默认设置。"])


def test_unknown_keys_are_reported_and_ignored():
    config, problems = parse('rotate = 5\nrotate_seconds = 8')
    assert config.rotate_seconds == 8.0
    assert problems == ["大屏设置文件 screen.toml 中有无法识别的设置项“rotate”，已忽略。可用的设置项：region、period、title、"
                        "headline、map、trend、panels、method、rotate_seconds、refresh_seconds、stale_after_hours。"]


def test_indicator_lists_drop_unknown_codes_and_duplicates_and_keep_the_rest():
    config, problems = parse('headline = ["EC_BED_TOTAL", "NO_SUCH", "EC_BED_TOTAL", "EC_BED_NEW"]')
    assert config.headline == ("EC_BED_TOTAL", "EC_BED_NEW")
    assert problems == ["核心指标中的指标代码“NO_SUCH”不在指标目录中，已忽略。"]


def test_an_indicator_list_with_nothing_usable_keeps_the_default():
    config, problems = parse('trend = ["NOPE"]')
    assert config.trend == DEFAULTS.trend
    assert problems == ["走势指标中的指标代码“NOPE”不在指标目录中，已忽略。", "走势指标没有可用的指标代码，已使用默认设置。"]


def test_an_indicator_list_of_the_wrong_type_keeps_the_default():
    config, problems = parse("map = 5")
    assert config.map == DEFAULTS.map
    assert problems == ['地图指标应为指标代码的列表，例如 ["EC_R_BED_10K", "EC_BED_NEW"]，已使用默认设置。']


def test_too_many_indicators_are_cut_to_what_fits():
    codes = [i.code for i in CAT][:10]
    config, problems = parse(f"headline = {codes!r}".replace("'", '"'))
    assert config.headline == tuple(codes[:screen.MAX_HEADLINE])
    assert problems == ["核心指标最多 8 个，已只显示前 8 个。"]
    config, problems = parse('trend = ["EC_BED_TOTAL", "EC_BED_NEW", "EC_R_BED_10K", "POP60_HJ"]')
    assert config.trend == ("EC_BED_TOTAL", "EC_BED_NEW", "EC_R_BED_10K")
    assert problems == ["走势指标最多 3 个，已只显示前 3 个。"]


@pytest.mark.parametrize("line, message", [
    ("rotate_seconds = 1", "轮播间隔应为 3–3600 秒，“1”无法使用，已改为 20 秒。"),
    ('rotate_seconds = "fast"', "轮播间隔应为 3–3600 秒，“fast”无法使用，已改为 20 秒。"),
    ("rotate_seconds = true", "轮播间隔应为 3–3600 秒，“True”无法使用，已改为 20 秒。"),
    ("refresh_seconds = nan", "刷新间隔应为 3–3600 秒，“nan”无法使用，已改为 60 秒。"),
    ("stale_after_hours = 0", "过期提示时间应为 1–8784 小时，“0”无法使用，已改为 840 小时。"),
])
def test_numbers_out_of_range_keep_the_default(line, message):
    config, problems = parse(line)
    assert config == DEFAULTS
    assert problems == [message]


def test_region_and_period_are_checked():
    config, problems = parse('region = "330299999999"\nperiod = "2026-13"')
    assert (config.region, config.period) == (None, None)
    assert problems == ["地区“330299999999”不是有效的12位区划代码，已改为默认地区。",
                        "报告期“2026-13”无法识别（应为 2026-10、2026Q3 或 2026），已改为最新报告期。"]
    config, _ = parse('region = "330203"\nperiod = "2026q3"')
    assert (config.region, config.period) == ("330203000000", "2026Q3")


def test_panels_keep_the_screen_order_and_report_unknown_ones():
    config, problems = parse('panels = ["attention", "map", "charts"]')
    assert config.panels == ("map", "attention")
    assert problems == ["显示的面板“charts”无法识别，可选 kpi（核心指标）、map（地图）、ranking（排名）、attention（需关注）、"
                        "trend（走势），已忽略。"]
    config, problems = parse("panels = []")
    assert config.panels == DEFAULTS.panels
    assert problems == ["没有可显示的面板，已显示全部面板。"]


def test_method_by_key_or_by_chinese_name():
    assert parse('method = "Natural"')[0].method == "natural"
    assert parse('method = "分位数"')[0].method == "quantile"
    assert parse('method = "jenks"')[1] == ["分级方法“jenks”无法识别，应为 quantile（分位数）、natural（自然断点），已改为分位数。"]


# ---- the URL ---------------------------------------------------------------------------------------------------------


def test_url_parameters_override_the_file():
    file_config, _ = parse('region = "330200000000"\nrotate_seconds = 30\nmap = ["EC_BED_TOTAL"]')
    config, problems = url({"region": "330203000000", "indicators": "ec_bed_total，EC_BED_NEW", "rotate": "5",
                            "refresh": "7", "stale": "24", "period": "2026Q3", "trend": "EC_BED_NEW",
                            "panels": "map,ranking", "method": "natural", "embed": "true"}, file_config)
    assert problems == []
    assert config == screen.ScreenConfig(
        region="330203000000", period="2026Q3", headline=("EC_BED_TOTAL", "EC_BED_NEW"), map=("EC_BED_TOTAL",),
        trend=("EC_BED_NEW",), panels=("map", "ranking"), method="natural", rotate_seconds=5.0, refresh_seconds=7.0,
        stale_after_hours=24.0)


def test_indicator_in_the_url_is_the_map_indicator_as_on_the_map_page():
    assert url({"indicator": "EC_R_BED_10K"})[0].map == ("EC_R_BED_10K",)
    assert url({"map": "EC_BED_TOTAL", "indicator": "EC_R_BED_10K"})[0].map == ("EC_BED_TOTAL",)


def test_bad_url_parameters_are_reported_and_leave_the_file_setting():
    file_config, _ = parse('rotate_seconds = 30\nregion = "330200000000"')
    config, problems = url({"rotate": "0.5", "region": "nowhere", "map": "NOPE", "refresh": ""}, file_config)
    assert (config.rotate_seconds, config.region, config.map, config.refresh_seconds) == (
        30.0, "330200000000", DEFAULTS.map, DEFAULTS.refresh_seconds)
    assert problems == ["链接参数有误：地区“nowhere”不是有效的12位区划代码，已改为默认地区。",
                        "链接参数有误：地图指标中的指标代码“NOPE”不在指标目录中，已忽略。",
                        "链接参数有误：地图指标没有可用的指标代码，已使用默认设置。",
                        "链接参数有误：轮播间隔应为 3–3600 秒，“0.5”无法使用，已改为 20 秒。"]


def test_the_screen_wakes_up_for_whichever_comes_first():
    assert screen.ScreenConfig(rotate_seconds=10, refresh_seconds=60).tick_seconds == 10
    assert screen.ScreenConfig(rotate_seconds=90, refresh_seconds=60).tick_seconds == 60
    # Nothing rotates with one map indicator, or with neither the map nor the ranking shown.
    assert screen.ScreenConfig(map=("EC_BED_TOTAL",), rotate_seconds=10, refresh_seconds=60).tick_seconds == 60
    assert screen.ScreenConfig(panels=("kpi", "trend"), rotate_seconds=10, refresh_seconds=60).tick_seconds == 60


# ---- what the screen shows -------------------------------------------------------------------------------------------


def test_stale_message_after_the_configured_age():
    now = dt.datetime(2026, 11, 23, 14, 0)
    assert screen.stale_message(now - dt.timedelta(hours=71), now, 72) is None
    assert screen.stale_message(now - dt.timedelta(days=3, hours=5), now, 72) == (
        "数据已 3天5小时未更新（超过 72 小时即提示），请确认报表是否已按时导入。")
    assert screen.stale_message(None, now, 72) == "数据库中还没有导入任何数据。"


@pytest.mark.parametrize("minutes, text", [(0, "0分钟"), (59, "59分钟"), (60, "1小时"), (130, "2小时10分钟"),
                                           (24 * 60, "1天"), (24 * 60 * 60 + 60, "60天1小时")])
def test_age_text(minutes, text):
    assert screen.age_text(dt.timedelta(minutes=minutes)) == text


def test_rotation_goes_round():
    assert [screen.next_slot(i, 3) for i in range(3)] == [1, 2, 0]
    assert screen.next_slot(5, 0) == 0


def test_ranking_window_shows_all_or_head_and_tail():
    assert screen.ranking_window(10, 11) == (range(10), range(0))
    head, tail = screen.ranking_window(17, 11)
    assert (list(head), list(tail)) == ([0, 1, 2, 3, 4], [12, 13, 14, 15, 16])  # and one line for "…"
    head, tail = screen.ranking_window(30, 12)
    assert len(head) + len(tail) == 11 and head[0] == 0 and tail[-1] == 29


def test_darken_recolours_cells_and_legend_by_class():
    cells = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "a", "fill": [*choropleth.BLUES[4], 230]}, "geometry": None},
        {"type": "Feature", "properties": {"code": "b", "fill": [*choropleth.MISSING_RGB, 230]}, "geometry": None}]}
    legend = [LegendEntry(choropleth.BLUES[0], "≤ 1"), LegendEntry(choropleth.PURPLES[2], "1 – 2")]
    dark_cells, dark_legend = screen.darken(cells, legend)
    assert [f["properties"]["fill"] for f in dark_cells["features"]] == [[*screen.DARK_BLUES[4], 235],
                                                                         [*screen.DARK_MISSING, 235]]
    assert [e.rgb for e in dark_legend] == [screen.DARK_BLUES[0], screen.DARK_PURPLES[2]]
    assert cells["features"][0]["properties"]["fill"][:3] == list(choropleth.BLUES[4])  # the cached copy untouched


def square(code: str, name: str, x: float, y: float, size: float) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "properties": {"code": code, "name": name, "fill": [8, 81, 156, 230]},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_labels_never_overlap_and_stay_inside_the_map():
    # A big cell and two slivers packed into its corner: the slivers' labels would sit on top of each other.
    cells = {"type": "FeatureCollection", "features": [
        square("1", "大区", 121.0, 29.0, 0.4), square("2", "小镇甲", 121.40, 29.0, 0.01),
        square("3", "小镇乙", 121.41, 29.0, 0.01)]}
    center, zoom = geo.fit_view((121.0, 29.0, 121.42, 29.4), (800, 600), padding=20)
    labels = screen.place_labels(cells, {"1": "12.5", "2": "3.0", "3": "4.0"}, center, zoom, (800, 600), 16)
    assert [lb["text"] for lb in labels] == ["大区\n12.5", "小镇甲\n3.0"]  # biggest first; 小镇乙 would overlap
    assert all(lb["on_light"] is False for lb in labels)  # dark blue cells take white labels
    nothing_fits = screen.place_labels(cells, {}, center, zoom, (20, 20), 16)
    assert nothing_fits == []


def outline_of(west, south, east, north) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_fit_map_fills_the_box_when_the_region_misses_the_legend():
    # A triangle standing on its right corner leaves the lower left corner empty.
    bounds = (121.0, 29.0, 122.0, 30.0)
    triangle = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[121.0, 30.0], [122.0, 30.0], [122.0, 29.0], [121.0, 30.0]]]}}
    assert screen.fit_map(bounds, (800, 600), 20, triangle, (150, 150)) == geo.fit_view(bounds, (800, 600), 20)


def test_fit_map_moves_the_region_beside_or_above_the_legend():
    bounds = (121.0, 29.0, 122.0, 30.0)
    plain_center, plain_zoom = geo.fit_view(bounds, (800, 600), padding=20)
    # A square region in a wide box: room to the side, so it moves right of a tall legend.
    (lon, lat), zoom = screen.fit_map(bounds, (800, 600), 20, outline_of(*bounds), (200, 300))
    assert zoom == plain_zoom and lat == pytest.approx(plain_center[1], abs=1e-4)
    px_per_degree = 512 * 2 ** zoom / 360
    assert (121.5 - lon) * px_per_degree == pytest.approx(100, abs=0.5)  # the centre of the 600 px left free
    # In a tall box it goes up, above a wide legend.
    (lon, lat), zoom = screen.fit_map(bounds, (600, 900), 20, outline_of(*bounds), (300, 150))
    assert lon == pytest.approx(121.5, abs=1e-4) and lat < 29.5
