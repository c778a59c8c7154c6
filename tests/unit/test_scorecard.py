"""Cards, comparisons, targets, rankings, trends and sources on a small warehouse whose every number is known."""

import math

import pytest

from etl import pipeline
from kpi import display, provenance, store, trend
from kpi.aggregate import figure, series
from kpi.catalog import load_catalog
from kpi.periods import Period
from kpi.progress import BEHIND, MET, MONITOR, NO_DATA, ON_TRACK, SEVERELY_BEHIND
from kpi.ranking import rank, ranking, sub_regions
from kpi.regions import load_regions
from kpi.scorecard import attention, cards, change
from kpi.targets import TargetBook, TargetFileError, parse_targets
from tests.fixtures import csv_bytes

HAISHU, NANMEN, JIANGXIA, GULIN = "330203000000", "330203001000", "330203002000", "330203103000"
NINGBO, JIANGBEI = "330200000000", "330205000000"
CAT, REGIONS = load_catalog(), load_regions()
OCT = Period.parse("2026-10")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    rows = [["地区", "指标", "报告期", "数值"]]
    # Beds and 60+ population at last year-end, a year ago and in September/October; 古林 reports beds only.
    for period, nanmen, jiangxia in (("2025-10", 280, 1000), ("2025-12", 290, 1100), ("2026-09", 300, 1150),
                                     ("2026-10", 310, 1200)):
        rows += [[NANMEN, "EC_BED_TOTAL", period, nanmen], [JIANGXIA, "EC_BED_TOTAL", period, jiangxia]]
        rows += [[NANMEN, "POP60_HJ", period, 10000], [JIANGXIA, "POP60_HJ", period, 30000]]
    rows += [[GULIN, "EC_BED_TOTAL", "2026-10", 500]]
    # New caregivers (flow), one amount per month in 2026.
    rows += [[NANMEN, "EC_CAREGIVER_NEW", f"2026-{m:02d}", 5] for m in range(1, 11)]
    # 4A+ social organisations, reported by the districts themselves.
    rows += [[HAISHU, "SO_4A_PLUS", "2025-12", 40], [HAISHU, "SO_4A_PLUS", "2026-10", 46],
             [JIANGBEI, "SO_4A_PLUS", "2026-10", 46]]
    wh = store.Warehouse(tmp_path_factory.mktemp("cards") / "k.duckdb")
    result = pipeline.load_bytes(wh, csv_bytes(rows), "cards.csv")
    assert result.status == "loaded", [p.format() for p in result.report.problems]
    return wh.connect()


TARGETS_CSV = """region_code,indicator_code,year,comparator,value,value_min,kind,keep,plan_attribute,base_value,document,sentence
330203000000,EC_R_BED_10K,2026,>=,400,,annual,,,,海曙区2026年工作要点,每万名老年人拥有养老床位数达到400张
330203000000,EC_CAREGIVER_NEW,2026,+,60,,annual,,,,海曙区2026年工作要点,新增持证养老护理员60人
330203000000,SO_4A_PLUS,2026,+,10,,annual,,,,海曙区2026年工作要点,新增4A级以上社会组织10家
330203000000,EC_BED_TOTAL,2026,>=,1600,,annual,true,,,海曙区2026年工作要点,养老床位保持在1600张以上
"""


@pytest.fixture(scope="module")
def book():
    return parse_targets(TARGETS_CSV, CAT, REGIONS)


def test_series_gives_the_same_figures_as_one_period_at_a_time(con):
    periods = [OCT, OCT.previous(), OCT.same_period_last_year(), OCT.last_year_end(), Period.parse("2026Q3"),
               Period.parse("2025")]
    codes = ["EC_BED_TOTAL", "EC_R_BED_10K", "EC_CAREGIVER_NEW", "SO_4A_PLUS"]
    many = series(con, CAT, codes, [HAISHU, NINGBO], periods)
    for p in periods:
        for code in codes:
            for region in (HAISHU, NINGBO):
                assert many[(region, code, p)] == figure(con, CAT, code, region, p), (region, code, p)


def test_card_comparisons(con, book):
    card = {c.indicator.code: c for c in cards(con, CAT, book, HAISHU, OCT)}["EC_BED_TOTAL"]
    assert card.value == 310 + 1200 + 500
    assert card.previous.value == 300 + 1150 and card.last_year.value == 280 + 1000
    assert card.year_end.value == 290 + 1100
    assert change(card.figure, card.previous) == 2010 - 1450
    assert [f.period for f in card.trend][-1] == OCT and len(card.trend) == 12
    # 保持1600张以上: a keep-at target is met or not at any moment.
    assert card.progress.status == MET


def test_ratio_card_is_paced_from_last_year_end(con, book):
    card = {c.indicator.code: c for c in cards(con, CAT, book, HAISHU, OCT)}["EC_R_BED_10K"]
    base = (290 + 1100) / 40000 * 10000  # 347.5
    assert card.year_end.value == pytest.approx(base)
    assert card.value == pytest.approx(1510 / 40000 * 10000)  # 古林 has no population: left out of both parts
    expected_completion = (card.value - base) / (400 - base)
    assert card.progress.completion == pytest.approx(expected_completion)
    assert card.progress.pace_value == pytest.approx(base + (400 - base) * 10 / 12)
    assert card.progress.status == SEVERELY_BEHIND  # 377.5 against a pace of 391.25


def test_flow_target_and_a_new_target_on_a_stock(con, book):
    by_code = {c.indicator.code: c for c in cards(con, CAT, book, HAISHU, OCT)}
    caregivers = by_code["EC_CAREGIVER_NEW"]
    assert caregivers.value == 50 and caregivers.progress.completion == pytest.approx(50 / 60)
    assert caregivers.progress.status == ON_TRACK  # 83.3 % done at 10/12 of the year
    # "新增4A级以上社会组织10家" on a stock: judged on the increase since last year-end (46 − 40 = 6 of 10).
    so = by_code["SO_4A_PLUS"]
    assert so.value == 46 and so.measured == 6
    assert so.progress.completion == pytest.approx(0.6) and so.progress.status == SEVERELY_BEHIND
    # No target: monitored only; nothing reported: no data.
    assert by_code["POP60_HJ"].progress.status == MONITOR
    assert by_code["SA_DIBAO_STD"].progress.status in (MONITOR, NO_DATA)


def test_attention_lists_the_furthest_behind_first(con, book):
    behind = attention(cards(con, CAT, book, HAISHU, OCT))
    # Beds per 10,000: 30 of 52.5 covered (57.1 %, gap −26.2 points); 4A+: 6 of 10 (60 %, gap −23.3 points).
    assert [c.indicator.code for c in behind] == ["EC_R_BED_10K", "SO_4A_PLUS"]
    gaps = [c.progress.gap for c in behind]
    assert all(c.progress.status in (BEHIND, SEVERELY_BEHIND) for c in behind)
    assert gaps == sorted(gaps)


def test_ranking_is_by_value_in_direction_with_ties_sharing_a_rank_and_missing_last(con, book):
    rows = ranking(con, CAT, REGIONS, book, NINGBO, "SO_4A_PLUS", OCT)
    assert [r.region.code for r in rows[:2]] == [HAISHU, JIANGBEI]
    assert [r.rank for r in rows[:2]] == [1, 1]  # 46 and 46 tie
    assert all(r.rank is None and r.figure.value is None for r in rows[2:])
    assert len(rows) == 10  # every district of 宁波市 is listed, reported or not


def test_rank_follows_the_direction():
    from kpi.aggregate import Figure

    regions = REGIONS.children(HAISHU)[:3]
    figs = [(r, Figure(r.code, "X", OCT, v)) for r, v in zip(regions, (5.0, 9.0, None))]
    up = rank(CAT, "EC_BED_TOTAL", figs)
    assert [up[r.code] for r in regions] == [2, 1, None]


def test_a_single_unit_level_is_looked_through():
    huzhou = sub_regions(REGIONS, "330500000000")  # 湖州市 holds only 南浔区 here: rank its townships
    assert huzhou and {r.parent_code for r in huzhou} == {"330503000000"}
    assert all(r.status == "current" for r in huzhou)


def test_sources_add_up_to_the_figure(con):
    for code, region in (("EC_R_BED_10K", HAISHU), ("EC_CAREGIVER_NEW", NINGBO), ("SO_4A_PLUS", NINGBO)):
        fig = figure(con, CAT, code, region, OCT)
        rows = provenance.figure_sources(con, CAT, code, region, OCT)
        sums = {c: math.fsum(g.value) for c, g in rows.groupby("indicator_code")}
        if fig.numerator is not None:
            assert sums == {"EC_BED_TOTAL": fig.numerator, "POP60_HJ": fig.denominator}
            assert GULIN not in set(rows.region_code)  # half-reported units are out of the ratio and its sources
        else:
            assert sums == {code: fig.value}
        assert set(rows.load_id) == set(fig.load_ids)
        assert rows.file_name.eq("cards.csv").all() and rows.cell.notna().all()
    assert provenance.latest_period(con) == OCT


def test_monthly_trend_with_target_and_pace(con, book):
    target = book.get(HAISHU, "EC_CAREGIVER_NEW", 2026)
    months = trend.monthly(con, CAT, "EC_CAREGIVER_NEW", HAISHU, OCT, target)
    assert list(months["本年"][:10]) == [5 * m for m in range(1, 11)]
    assert months["本年"][10:].isna().all()  # November and December have not happened
    assert list(months["序时进度"]) == pytest.approx([60 * m / 12 for m in range(1, 13)])
    assert set(months["目标"]) == {60}


def test_targets_file_problems_name_each_line():
    bad = TARGETS_CSV + "\n".join([
        "330203999000,EC_BED_TOTAL,2026,>=,1,,annual,,,,,",
        "330203000000,NOT_A_CODE,2026,>=,1,,annual,,,,,",
        "330203000000,EC_BED_NEW,26,>=,abc,,annual,,,,,",
        "330203000000,EC_BED_NEW,2026,~,5,,annual,,,,,",
        "330203000000,EC_R_BED_10K,2026,>=,45,,annual,,,,,",
    ])
    with pytest.raises(TargetFileError) as exc:
        parse_targets(bad, CAT, REGIONS)
    problems = exc.value.problems
    assert len(problems) == 5
    assert problems[0].startswith("第6行") and "不在区划表中" in problems[0]
    assert "不在指标目录中" in problems[1]
    assert "不是四位年份" in problems[2] and "不是数字" in problems[2]
    assert "比较方式" in problems[3]
    assert "与第2行重复" in problems[4]
    with pytest.raises(TargetFileError, match="缺少列"):
        parse_targets("region_code,value\n1,2\n", CAT, REGIONS)


def test_target_text_and_lookup(book):
    assert isinstance(book, TargetBook) and len(book) == 4
    assert book.get(HAISHU, "EC_CAREGIVER_NEW", 2026).text == "新增 60"
    assert book.get(HAISHU, "EC_BED_TOTAL", 2026).text == "保持 1600"
    assert book.get(HAISHU, "EC_BED_TOTAL", 2025) is None


def test_display_formats():
    assert display.number(12345, "张") == "12,345" and display.number(None, "张") == "—"
    assert display.value_with_unit(86.34, "%") == "86.3%" and display.value_with_unit(2334, "张") == "2,334 张"
    assert display.change(-0.8, "%") == "−0.8 个百分点"
    assert display.change(1204, "张") == "+1,204 张"
    assert display.points(-0.12) == "落后 12.0 个百分点"
    assert display.metric(49.95, "张/万老年人") == ("50.0", "（张/万老年人）")
    assert display.reporting(148, 163) == "已报 148/163"


def test_status_thresholds_come_from_the_settings_file(tmp_path):
    from kpi.targets import load_thresholds

    path = tmp_path / "status.toml"
    assert load_thresholds(path).behind == 0.05  # absent: the defaults
    path.write_text("behind = 0.1\nseverely_behind = 0.3\n", encoding="utf-8")
    limits = load_thresholds(path)
    assert (limits.behind, limits.severely_behind) == (0.1, 0.3)
    path.write_text("behind = 0.5\nseverely_behind = 0.3\n", encoding="utf-8")
    with pytest.raises(TargetFileError, match="不大于"):
        load_thresholds(path)
