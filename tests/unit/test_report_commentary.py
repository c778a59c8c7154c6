"""The 月报's sentences: template wording for each status, and every number in a sentence is a string of its table row."""

from __future__ import annotations

import random
import re

from kpi.aggregate import Figure
from kpi.catalog import load_catalog
from kpi.periods import Period
from kpi.progress import BEHIND, MET, MONITOR, NO_DATA, ON_TRACK, SEVERELY_BEHIND, Target
from kpi.regions import load_regions
from kpi.report import commentary
from kpi.report.content import HEADLINE_COLUMNS, Row, change_of, row_of
from kpi.report.lines import break_lines
from kpi.scorecard import Card, judge
from kpi.targets import TargetRecord

CAT, REGIONS = load_catalog(), load_regions()
OCT = Period(2026, 10)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def card(code: str, value: float | None, *, previous: float | None = None, last_year: float | None = None,
         year_end: float | None = None, target: tuple | None = None, period: Period = OCT) -> Card:
    """A card of ``code`` with the given figures; ``target`` is (comparator, value[, keep])."""
    ind = CAT.get(code)

    def fig(v: float | None, p: Period) -> Figure:
        return Figure("330200000000", code, p, v)

    record = None
    if target is not None:
        comparator, goal, *keep = target
        record = TargetRecord(Target("330200000000", code, period.year, comparator, goal, keep=bool(keep and keep[0])))
    now, base = fig(value, period), fig(year_end, period.last_year_end())
    return Card(ind, now, fig(previous, period.previous()), fig(last_year, period.same_period_last_year()), base,
                record, judge(ind, now, base, record, period), ())


def sentence(c: Card, period: Period = OCT) -> tuple[Row, str]:
    row = row_of(c, period)
    return row, commentary.indicator(row, period, "全市")


def numbers_in(text: str, period: Period = OCT) -> list[str]:
    return NUMBER.findall(text.replace(period.label, ""))


def test_behind_wording_quotes_the_table():
    row, text = sentence(card("EC_R_NURSING_BED", 67.5, previous=67.2, last_year=59.0, year_end=60.0,
                              target=(">=", 70.0)))
    assert row.status == BEHIND
    assert text == ("截至2026年10月，全市养老机构护理型床位占比67.5%，较上年末提高7.5个百分点，"
                    "距年度目标70.0%尚差2.5个百分点，进度滞后于序时进度。")
    assert (row.value, row.year_start.cell, row.target, row.remaining) == ("67.5", "+7.5", "不低于 70.0", "2.5")


def test_the_issue_example_is_severely_behind():
    row, text = sentence(card("EC_R_NURSING_BED", 65.2, year_end=63.4, target=(">=", 68.0)))
    assert row.status == SEVERELY_BEHIND
    assert text == ("截至2026年10月，全市养老机构护理型床位占比65.2%，较上年末提高1.8个百分点，"
                    "距年度目标68.0%尚差2.8个百分点，进度严重滞后于序时进度。")


def test_ahead_of_pace_on_a_flow():
    row, text = sentence(card("EC_BED_NEW", 700, previous=640, last_year=650, target=("+", 810)))
    assert row.status == ON_TRACK and row.card.progress.gap > 0
    assert text == "截至2026年10月，全市新增养老床位数本年累计700张，完成年度目标810张的86.4%，进度快于序时进度。"
    assert row.previous.cell == "+60" and row.year_start.cell == "—"  # a flow's year starts from zero


def test_slightly_behind_but_on_track():
    row, text = sentence(card("EC_BED_NEW", 660, target=("+", 810)))
    assert row.status == ON_TRACK
    assert text.endswith("完成年度目标810张的81.5%，进度略慢于序时进度，仍属正常。")


def test_met_target():
    row, text = sentence(card("EC_R_BED_10K", 52.34, year_end=49.0, target=(">=", 51.0)))
    assert row.status == MET
    assert text == ("截至2026年10月，全市每万名老年人拥有养老床位数52.3张/万老年人，较上年末提高3.34张/万老年人，"
                    "已达到年度目标51.0张/万老年人。")
    assert row.remaining == "—"


def test_flow_met_says_how_much():
    _, text = sentence(card("EC_MEAL_SITES_NEW", 65, target=("+", 62)))
    assert text == "截至2026年10月，全市新增老年助餐服务点数本年累计65个，已完成年度目标62个（完成104.8%）。"


def test_keep_ceiling_and_standard():
    _, kept = sentence(card("SO_4A_PLUS", 640, year_end=628, target=("=", 630, True)))
    assert kept == "截至2026年10月，全市4A级以上社会组织数640个，保持在年度目标630个以上。"
    _, dropped = sentence(card("SO_4A_PLUS", 612, year_end=628, target=("=", 630, True)))
    assert dropped == "截至2026年10月，全市4A级以上社会组织数612个，低于年度目标630个，尚差18个。"
    _, standard = sentence(card("SA_DIBAO_STD", 1390, year_end=1320, target=(">=", 1393.5)))
    assert standard == "截至2026年10月，全市最低生活保障标准1,390.0元/人·月，低于年度目标1,393.5元/人·月，尚差3.50元/人·月。"


def test_no_target_reports_changes_only():
    row, text = sentence(card("EC_CAREGIVER_CERT", 7147, previous=7246, last_year=6763, year_end=6865))
    assert row.status == MONITOR and row.target == "—" and row.completion == "—"
    assert text == "截至2026年10月，全市持证养老护理员数7,147人，较上月减少99人，较上年同期增加384人。"
    _, flow = sentence(card("CS_CHARITY_FUNDS", 84753.6, previous=77146.5, last_year=80578.0))
    assert flow == "截至2026年10月，全市慈善资金募集额本年累计84,753.6万元，其中本月7,607.1万元，较上年同期增加4,175.6万元。"


def test_no_data_wording():
    row, text = sentence(card("EC_R_BED_10K", None, year_end=49.0, target=(">=", 51.0)))
    assert row.status == NO_DATA and row.value == "—"
    assert text == "2026年10月，全市每万名老年人拥有养老床位数暂无数据，无法判断年度目标51.0张/万老年人的完成进度。"
    _, plain = sentence(card("SO_4A_PLUS", None))
    assert plain == "2026年10月，全市4A级以上社会组织数暂无数据。"


def test_no_year_end_means_pace_unknown():
    row, text = sentence(card("EC_R_BED_10K", 50.0, target=(">=", 51.0)))
    assert row.status == NO_DATA
    assert text.endswith("距年度目标51.0张/万老年人尚差1.00张/万老年人，缺少上年末数据，暂无法判断是否符合序时进度。")


def test_changes_that_round_to_zero_read_as_unchanged():
    assert change_of(0.04, "%").sign == 0 and change_of(0.04, "%").cell == "±0.0"
    assert change_of(-0.06, "%").cell == "−0.1" and change_of(None, "%").cell == "—"
    _, text = sentence(card("CS_R_SW_STATION", 100.0, previous=100.0, last_year=100.0, year_end=100.0,
                            target=(">=", 100.0)))
    assert text == "截至2026年10月，全市乡镇(街道)社会工作站覆盖率100.0%，与上年末持平，已达到年度目标100.0%。"


def test_january_flow_has_no_change_on_last_month():
    jan = Period(2026, 1)
    row, text = sentence(card("CS_CHARITY_FUNDS", 5000.0, previous=98000.0, last_year=4000.0, period=jan), jan)
    assert row.previous.cell == "—"  # December's sum is last year's, not a month before this one
    assert "其中本月" not in text


def test_every_number_in_any_sentence_is_in_its_row():
    """Random figures and targets for every indicator of the catalogue, every comparator: the sentence only ever
    quotes numbers the row shows."""
    rng = random.Random(20261031)
    for ind in CAT:
        for _ in range(12):
            scale = 10 ** rng.randint(0, 5)
            value = None if rng.random() < 0.1 else rng.uniform(0, 1.2) * scale
            others = {k: (None if rng.random() < 0.15 else rng.uniform(0, 1.2) * scale)
                      for k in ("previous", "last_year", "year_end")}
            target = None
            if rng.random() < 0.8:
                comparator = rng.choice([">=", "<=", "=", "+"])
                target = (comparator, round(rng.uniform(0.5, 1.3) * scale, rng.randint(0, 2)), rng.random() < 0.2)
            month = rng.randint(1, 12)
            period = Period(2026, month)
            c = card(ind.code, value, target=target, period=period, **others)
            row, text = sentence(c, period)
            shown = set(NUMBER.findall(" ".join(row.cells(HEADLINE_COLUMNS))))
            assert set(numbers_in(text, period)) <= shown, (ind.code, text, row.cells(HEADLINE_COLUMNS))
            assert text.startswith(("截至", period.label)) and text.endswith("。")


def test_summary_counts_are_the_table_statuses():
    cards = [card("EC_R_NURSING_BED", 67.5, year_end=60.0, target=(">=", 70.0)),  # 滞后
             card("EC_R_NURSING_BED", 65.2, year_end=63.4, target=(">=", 68.0)),  # 严重滞后
             card("EC_BED_NEW", 700, target=("+", 810)),  # 正常
             card("EC_MEAL_SITES_NEW", 65, target=("+", 62)),  # 已达标
             card("EC_CAREGIVER_CERT", 7147)]  # 仅监测
    rows = tuple(row_of(c, OCT) for c in cards)
    behind = (rows[1], rows[0])
    text = commentary.summary(rows, behind, OCT, "全市")
    assert text == ("截至2026年10月，全市纳入本月报的5项主要指标中，4项设有年度目标：已达标1项，进度正常1项，滞后1项，"
                    "严重滞后1项；另有1项仅监测。落后于序时进度的指标有：养老机构护理型床位占比（严重滞后）、"
                    "养老机构护理型床位占比（滞后），需重点关注。")
    assert commentary.summary(rows[4:], (), OCT, "全县") == (
        "截至2026年10月，全县纳入本月报的1项主要指标中，均没有已确认的年度目标，以下仅列示监测数据。")


def test_where_names_the_region_as_a_report_would():
    assert [commentary.where(REGIONS.get(code)) for code in
            ("330000000000", "330200000000", "330203000000", "330226000000", "330203001000")] == [
        "全省", "全市", "全区", "全县", "全街道"]


def test_lines_never_split_a_number_nor_start_with_closing_punctuation():
    text = ("截至2026年10月，全市慈善资金募集额本年累计84,753.6万元，完成年度目标110,000.0万元的77.0%，进度滞后于序时进度。"
            "分县(市、区)看，以海曙区最高（54.6张/万老年人），象山县最低（46.0张/万老年人）。")
    for width in range(3, 40):
        lines = break_lines(text, width, len)
        assert "".join(lines) == text
        for line in lines:
            assert not line.startswith(("，", "。", "、", "）")) and not line.endswith(("（", "“"))
        for number in NUMBER.findall(text):
            assert any(number in line for line in lines), (width, lines)
    assert break_lines("短", 100, len) == ["短"] and break_lines("", 10, len) == [""]
