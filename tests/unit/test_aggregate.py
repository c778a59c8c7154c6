"""Aggregation rules on a small warehouse whose every number is known."""

import pytest

from etl import pipeline
from kpi import store
from kpi.aggregate import figure, figures
from kpi.catalog import load_catalog
from kpi.periods import Period
from tests.fixtures import csv_bytes

HAISHU, NANMEN, JIANGXIA, GULIN = "330203000000", "330203001000", "330203002000", "330203103000"
NINGBO = "330200000000"
TIDY = ["地区", "指标", "报告期", "数值"]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    rows = [TIDY]
    # Beds (stock) and 60+ population: 南门 and 江厦 report both; 古林 reports beds only in October.
    for period, nanmen, jiangxia in (("2026-09", 300, 1000), ("2026-10", 310, 1200)):
        rows += [[NANMEN, "EC_BED_TOTAL", period, nanmen], [JIANGXIA, "EC_BED_TOTAL", period, jiangxia]]
        rows += [[NANMEN, "POP60_HJ", period, 10000], [JIANGXIA, "POP60_HJ", period, 30000]]
    rows += [[GULIN, "EC_BED_TOTAL", "2026-10", 500]]
    # New beds (flow): monthly amounts; December of last year must not count in this year.
    rows += [[NANMEN, "EC_BED_NEW", "2025-12", 99], [NANMEN, "EC_BED_NEW", "2026-01", 4],
             [NANMEN, "EC_BED_NEW", "2026-09", 3], [JIANGXIA, "EC_BED_NEW", "2026-10", 5]]
    # A county-level indicator reported by the county itself.
    rows += [[HAISHU, "SO_4A_PLUS", "2026-10", 40], [HAISHU, "SA_DIBAO_STD", "2026-06", 1250]]
    wh = store.Warehouse(tmp_path_factory.mktemp("agg") / "k.duckdb")
    result = pipeline.load_bytes(wh, csv_bytes(rows), "agg.csv")
    assert result.status == "loaded", [p.format() for p in result.report.problems]
    return wh.connect()


CAT = load_catalog()


def test_stock_is_the_periods_last_value_summed_over_reporting_units(con):
    f = figure(con, CAT, "EC_BED_TOTAL", HAISHU, Period.parse("2026-10"))
    assert f.value == 310 + 1200 + 500
    assert f.reporting == 3 and f.expected == 17  # 海曙区 has 17 townships; only 3 reported


def test_stock_of_a_month_nobody_reported_is_missing_not_zero(con):
    f = figure(con, CAT, "EC_BED_TOTAL", HAISHU, Period.parse("2026-08"))
    assert f.value is None and f.missing


def test_quarter_takes_the_last_reported_month(con):
    assert figure(con, CAT, "EC_BED_TOTAL", NANMEN, Period.parse("2026Q3")).value == 300
    assert figure(con, CAT, "EC_BED_TOTAL", NANMEN, Period.parse("2026Q4")).value == 310


def test_flow_sums_from_january(con):
    assert figure(con, CAT, "EC_BED_NEW", NANMEN, Period.parse("2026-10")).value == 4 + 3
    assert figure(con, CAT, "EC_BED_NEW", HAISHU, Period.parse("2026-10")).value == 4 + 3 + 5
    assert figure(con, CAT, "EC_BED_NEW", HAISHU, Period.parse("2026-09")).value == 4 + 3
    assert figure(con, CAT, "EC_BED_NEW", NANMEN, Period.parse("2025")).value == 99


def test_ratio_is_recomputed_from_summed_parts_never_averaged(con):
    f = figure(con, CAT, "EC_R_BED_10K", HAISHU, Period.parse("2026-10"))
    # 古林 reported beds but no population: it is left out of both sums.
    assert (f.numerator, f.denominator) == (310 + 1200, 10000 + 30000)
    assert f.value == pytest.approx((310 + 1200) / 40000 * 10000)
    average_of_ratios = (310 / 10000 * 10000 + 1200 / 30000 * 10000) / 2
    assert f.value != pytest.approx(average_of_ratios)
    assert f.reporting == 2


def test_same_numbers_at_the_city_level(con):
    f = figure(con, CAT, "EC_R_BED_10K", NINGBO, Period.parse("2026-10"))
    assert f.value == pytest.approx(1510 / 40000 * 10000)
    assert figure(con, CAT, "EC_BED_TOTAL", NINGBO, Period.parse("2026-10")).expected > 100


def test_county_reported_indicator_aggregates_from_the_county(con):
    f = figure(con, CAT, "SO_4A_PLUS", NINGBO, Period.parse("2026-10"))
    assert f.value == 40 and f.unit_level_rank == 3 and f.expected == 10


def test_level_is_the_value_in_force_and_not_summed(con):
    assert figure(con, CAT, "SA_DIBAO_STD", HAISHU, Period.parse("2026")).value == 1250
    # Set in June, still in force in October; not yet set in May.
    assert figure(con, CAT, "SA_DIBAO_STD", HAISHU, Period.parse("2026-10")).value == 1250
    assert figure(con, CAT, "SA_DIBAO_STD", HAISHU, Period.parse("2026-05")).value is None
    # The city has no standard of its own and one county's is not the city's.
    assert figure(con, CAT, "SA_DIBAO_STD", NINGBO, Period.parse("2026-10")).value is None


def test_figures_for_many_regions_at_once(con):
    out = figures(con, CAT, ["EC_BED_TOTAL", "EC_R_BED_10K"], [NANMEN, JIANGXIA, GULIN], Period.parse("2026-10"))
    assert out[(NANMEN, "EC_R_BED_10K")].value == pytest.approx(310)
    assert out[(JIANGXIA, "EC_R_BED_10K")].value == pytest.approx(400)
    assert out[(GULIN, "EC_R_BED_10K")].value is None
    assert out[(GULIN, "EC_BED_TOTAL")].value == 500


def test_periods():
    p = Period.parse("2026-10")
    assert str(p.previous()) == "2026-09" and str(p.same_period_last_year()) == "2025-10"
    assert str(p.last_year_end()) == "2025-12" and str(Period.parse("2026-01").previous()) == "2025-12"
    assert Period.parse("2026Q3").label == "2026年第3季度" and Period.parse("2026").start.month == 1
    with pytest.raises(ValueError, match="无法识别的报告期"):
        Period.parse("2026-13")
