"""十五五规划 maths (kpi.plan): required pace, the trend line and its band, the year a target is reached, status, and the
scenario of a ratio whose parts grow at chosen rates."""

from __future__ import annotations

import dataclasses

import pytest

from kpi import plan
from kpi.catalog import load_catalog
from kpi.progress import Target
from kpi.targets import TargetRecord

CATALOG = load_catalog()
BEDS = CATALOG.get("EC_BED_TOTAL")
BEDS_10K = CATALOG.get("EC_R_BED_10K")
POP60 = CATALOG.get("POP60_HJ")


def target(code: str, value: float, comparator: str = ">=", base: float | None = None) -> TargetRecord:
    return TargetRecord(Target("330203000000", code, 2030, comparator, value, kind="five_year"), "预期性", base)


def test_required_pace_is_compound_for_counts_and_an_increment_for_ratios():
    # 1000 → 1610.51 beds in five years is 10% a year, compounded.
    assert plan.required_pace(BEDS, 1000, 1610.51) == pytest.approx(0.10, abs=1e-6)
    assert plan.required_path(BEDS, 1000, 0.10, 2027) == pytest.approx(1210)
    # 49.2 → 57 beds per 10,000 elderly: 1.56 more each year.
    assert plan.required_pace(BEDS_10K, 49.2, 57) == pytest.approx(1.56)
    assert plan.pace_text(BEDS_10K, 1.56) == "年均提高 1.56 张/万老年人"
    assert plan.pace_text(BEDS, 0.1) == "年均增长 10.0%"
    assert plan.required_pace(BEDS, None, 10) is None


def test_a_straight_line_projects_exactly_with_no_band():
    points = [(2021, 40.0), (2022, 42.0), (2023, 44.0), (2024, 46.0), (2025, 48.0)]
    proj = plan.fit(points)
    assert proj.at(2030) == pytest.approx(58.0)
    low, high = proj.band(2030)
    assert low == pytest.approx(58.0) and high == pytest.approx(58.0)


def test_the_band_comes_from_the_residuals_and_widens_with_the_horizon():
    points = [(2021, 40.0), (2022, 43.0), (2023, 43.0), (2024, 47.0), (2025, 47.0)]
    proj = plan.fit(points)
    assert proj.slope == pytest.approx(1.8) and proj.residual_std > 0
    w2026 = proj.band(2026)[1] - proj.band(2026)[0]
    w2030 = proj.band(2030)[1] - proj.band(2030)[0]
    assert w2030 > w2026 > 0
    # The textbook prediction interval: 1.96 · s · sqrt(1 + 1/n + (x − x̄)²/Sxx).
    s = proj.residual_std
    assert w2030 / 2 == pytest.approx(1.96 * s * (1 + 1 / 5 + (2030 - 2023) ** 2 / 10) ** 0.5)


def test_only_the_last_five_years_are_fitted():
    points = [(2019, 0.0), (2020, 100.0)] + [(y, 10.0 + (y - 2021)) for y in range(2021, 2026)]
    assert plan.fit(points).slope == pytest.approx(1.0)
    assert plan.fit([(2025, 1.0)]) is None


def test_year_reached_and_status_for_a_rising_indicator():
    points = [(2021, 40.0), (2022, 42.0), (2023, 44.0), (2024, 46.0), (2025, 48.0)]
    row = plan.assess(BEDS_10K, target("EC_R_BED_10K", 57, base=47), points)
    assert row.base == 48.0 and row.base_source == "数据库"  # the warehouse wins over the target's base value
    assert row.projected == pytest.approx(58.0)
    assert row.reached == 2030  # 40 + 2·(x − 2021) = 57 at x = 2029.5
    assert row.status == plan.ON_COURSE
    far = plan.assess(BEDS_10K, target("EC_R_BED_10K", 70), points)
    assert far.status == plan.OFF_COURSE and far.reached == 2036
    noisy = [(2021, 40.0), (2022, 43.0), (2023, 43.0), (2024, 47.0), (2025, 47.0)]
    at_risk = plan.assess(BEDS_10K, target("EC_R_BED_10K", 57), noisy)
    assert at_risk.projected < 57 < at_risk.band[1]
    assert at_risk.status == plan.AT_RISK


def test_the_targets_base_value_is_the_fallback_and_two_points_are_enough():
    row = plan.assess(BEDS_10K, target("EC_R_BED_10K", 57, base=49.2), [(2024.0, 45.0), (2025 + 10 / 12 - 1, 46.0)])
    assert row.base == 49.2 and row.base_source == "目标基期值"
    assert row.band[0] == row.band[1] == row.projected
    assert plan.assess(BEDS_10K, target("EC_R_BED_10K", 57), []).status == plan.TOO_FEW


def test_lower_is_better_reverses_reached_and_status():
    down = dataclasses.replace(BEDS_10K, direction="down")
    points = [(2021, 20.0), (2022, 19.0), (2023, 18.0), (2024, 17.0), (2025, 16.0)]
    row = plan.assess(down, target(down.code, 12), points)
    assert row.projected == pytest.approx(11.0)
    assert row.status == plan.ON_COURSE and row.reached == 2029
    assert plan.required_pace(down, 16.0, 12.0) == pytest.approx(-0.8)
    late = plan.assess(down, target(down.code, 8), points)
    assert late.status == plan.OFF_COURSE and late.reached == 2033
    # Going up is going the wrong way: never reached.
    rising = plan.assess(down, target(down.code, 12), [(2024, 16.0), (2025, 17.0)])
    assert rising.reached is None and rising.status == plan.OFF_COURSE
    # A "<=" target is lower-is-better whatever the catalogue says.
    assert plan.assess(BEDS_10K, target(BEDS_10K.code, 12, "<="), points).status == plan.ON_COURSE


def test_already_reached_is_reported_as_the_latest_year():
    row = plan.assess(BEDS_10K, target("EC_R_BED_10K", 40), [(2024, 41.0), (2025 - 2 / 12, 42.0)])
    assert row.reached == 2025 and row.status == plan.ON_COURSE


def test_a_ratio_falls_when_its_denominator_grows_faster_in_the_scenario():
    beds = plan.Driver(BEDS, (2025.0, 5000.0), 0.02)
    elderly = plan.Driver(POP60, (2025.0, 1_000_000.0), 0.0)
    trend = plan.scenario(BEDS_10K, beds, elderly)
    assert trend.value == pytest.approx(50 * 1.02 ** 5)
    # 60+ population growing 3% a year with beds at their trend 2%: the ratio drops below today's 50.
    aging = plan.scenario(BEDS_10K, beds, elderly, {"POP60_HJ": 0.03})
    assert aging.denominator == pytest.approx(1_000_000 * 1.03 ** 5)
    assert aging.value == pytest.approx(50 * (1.02 / 1.03) ** 5) and aging.value < 50
    # 新增床位 faster compensates.
    assert plan.scenario(BEDS_10K, beds, elderly, {"POP60_HJ": 0.03, "EC_BED_TOTAL": 0.03}).value == pytest.approx(50)


def test_a_drivers_trend_growth_comes_from_its_fitted_line():
    d = plan.driver(POP60, [(2023, 100.0), (2024, 110.0), (2025, 120.0)])
    assert d.at(2030) == pytest.approx(170.0)


def test_the_xlsx_has_the_plan_table_layout():
    import io

    import openpyxl

    from kpi.periods import Period

    points = [(2020, 38.0), (2021, 40.0), (2022, 42.0), (2023, 44.0), (2024, 46.0), (2025, 48.0)]
    rows = [plan.assess(BEDS_10K, target("EC_R_BED_10K", 57), points)]
    sheet = openpyxl.load_workbook(io.BytesIO(plan.table_xlsx(rows, "海曙区", Period.parse("2026-10")))).active
    assert sheet["A1"].value.startswith("海曙区民政事业发展“十五五”规划主要指标")
    assert [c.value for c in sheet[2]] == list(plan.TABLE_COLUMNS)
    assert [c.value for c in sheet[3]][:5] == ["每万名老年人拥有养老床位数", "张/万老年人", 38.0, 48.0, 57.0]


def test_a_percentage_is_never_projected_past_100():
    cover = CATALOG.get("EC_R_MEAL_COVER")
    row = plan.assess(cover, target(cover.code, 100), [(2023, 70.0), (2024, 80.0), (2025, 90.0)])
    assert row.projected == 100.0 and row.band == (100.0, 100.0) and row.status == plan.ON_COURSE
    assert max(p[1] for p in plan.chart(row).projection) == 100.0
