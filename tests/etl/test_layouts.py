"""Good files in every layout and encoding load, and land as the right numbers in the catalogue's units."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import pipeline
from kpi import store
from tests.fixtures import csv_bytes, table_rows, xls, xlsx

NANMEN, JIANGXIA, GULIN = "330203001000", "330203002000", "330203103000"


def _values(wh: store.Warehouse) -> dict[tuple[str, str, str], float]:
    df = store.observations(wh.connect())
    return {(r.region_code, r.indicator_code, f"{r.period:%Y-%m}"): r.value for r in df.itertuples()}


def _load_ok(wh, data, name):
    result = pipeline.load_bytes(wh, data, name)
    assert result.status == "loaded", [p.format() for p in result.report.problems]
    return result


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(warehouse, encoding):
    result = _load_ok(warehouse, csv_bytes(table_rows(), encoding=encoding), f"海曙_{encoding}.csv")
    expected = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（带BOM）", "gbk": "GBK", "gb18030": "GBK"}[encoding]
    assert result.report.encoding == expected
    assert _values(warehouse)[(NANMEN, "EC_BED_TOTAL", "2026-10")] == 300


def test_gb18030_only_characters_are_decoded(warehouse):
    # "㐀" is outside GBK but inside GB18030: a township name with a rare character must survive.
    data = csv_bytes(table_rows(title="海曙区㐀报表"), encoding="gb18030")
    result = _load_ok(warehouse, data, "rare.csv")
    assert result.report.encoding == "GB18030"


def test_xls_and_xlsx_give_the_same_numbers(tmp_path):
    a = store.Warehouse(tmp_path / "a" / "k.duckdb")
    b = store.Warehouse(tmp_path / "b" / "k.duckdb")
    _load_ok(a, xlsx(table_rows()), "t.xlsx")
    _load_ok(b, xls(table_rows()), "t.xls")
    assert _values(a) == _values(b)
    assert len(_values(a)) == 15


def test_township_table_with_two_header_rows_units_row_and_numbering():
    grid = [
        ["海曙区养老服务统计表"],
        ["填报单位：", "宁波市海曙区民政局", None, "报告期：", "2026年9月"],
        ["序号", "乡镇（街道）", "养老床位", None, "60周岁及以上户籍人口", "慈善资金募集额"],
        [None, None, "合计", "其中：养老机构床位", None, None],
        ["单位", "单位", "张", "张", "万人", "元"],
        ["甲", "乙", "1", "2", "3", "4"],
        [1, "南门", "３００", "2,00", "0.8", "12,345"],
        [2, " 江 厦 街 道 ", 1200, 800, 2, "—"],
        [3, "合 计", 1500, 1000, 2.8, 12345],
        ["注：本表为示例。"],
    ]
    report = pipeline.check_bytes(xlsx(grid), "two_rows.xlsx")
    assert report.ok, [p.format() for p in report.problems]
    values = {(r.region_code, r.indicator_code): (r.value, r.raw_unit, r.cell) for r in report.records}
    assert values[(NANMEN, "EC_BED_TOTAL")] == (300.0, "张", "C7")
    assert values[(NANMEN, "EC_BED_INST")] == (200.0, "张", "D7")
    assert values[(NANMEN, "POP60_HJ")] == (8000.0, "万人", "E7")  # 0.8 万人 -> 8000 人
    assert values[(NANMEN, "CS_CHARITY_FUNDS")][0] == pytest.approx(1.2345)  # 元 -> 万元
    assert (JIANGXIA, "CS_CHARITY_FUNDS") not in values  # "—" is missing, not zero
    assert {r.period for r in report.records} == {dt.date(2026, 9, 1)}
    assert not report.warnings


def test_total_row_mismatch_is_a_warning_and_the_load_goes_on(warehouse):
    grid = table_rows()
    grid[-2][1] = 9999  # 合计 row of 养老床位总数
    result = _load_ok(warehouse, xlsx(grid), "total.xlsx")
    messages = [p.message for p in result.report.warnings]
    assert "合计行“养老床位总数”为9999，各地区相加为2000，相差+7999" in messages
    assert store.load_messages(warehouse.connect(), result.load_id)["severity"].tolist() == ["warning"]


def test_total_row_within_rounding_is_quiet(warehouse):
    grid = table_rows()
    grid[-2][4] = 40000 + 150  # 0.375 % off: within the 0.5 % tolerance for hand-rounded totals
    result = _load_ok(warehouse, xlsx(grid), "total_ok.xlsx")
    assert not result.report.warnings


def test_month_on_month_jump_and_fall_to_zero_are_warnings(warehouse):
    _load_ok(warehouse, xlsx(table_rows(period="报告期：2026年9月")), "sep.xlsx")
    rows = [["南门街道", 3000, 200, 120, 8000, 3], ["江厦街道", 0, 800, 400, 20000, 5]]
    result = _load_ok(warehouse, xlsx(table_rows(rows=rows)), "oct.xlsx")
    messages = [p.message for p in result.report.warnings]
    assert "南门街道“养老床位总数”由上月的300变为3000，变动+900%" in messages
    assert "江厦街道“养老床位总数”从上月的1200降为0" in messages
    assert _values(warehouse)[(JIANGXIA, "EC_BED_TOTAL", "2026-10")] == 0


def test_official_form_layout():
    grid = [
        ["民政统计季报表"],
        ["表    号:JZH01 表"],
        ["编制单位:宁波市海曙区", "批准机关:国 家 统 计 局"],
        ["地区编码:330203000000", "2026年9月", "批准文号:国统制[2023]83号"],
        ["指标名称", "单位", "代码", "数量", "上期", "环比"],
        [None, None, None, "1", "2", "3"],
        ["一、综合", None, "JZH011000000", None, None, None],
        ["(一)乡级行政区划", None, "JZH011110000", 17, 17, None],
        ["(二)民政事业费累计支出", "万元", "JZH011310000", "1,540.4", "1,387.1", 11.08],
        ["1.养老床位总数", "张", None, "5,120", "5,100", None],
        ["其中:养老机构护理型床位数", "万张", None, "0.2", None, None],
        ["#每万名老年人拥有养老床位数", "张/万老年人", None, 41.5, None, None],
        ["(三)殡葬事业单位", "个", "JZH011400000", 2, 2, None],
    ]
    report = pipeline.check_bytes(xlsx(grid), "form.xlsx")
    values = {r.indicator_code: r.value for r in report.records}
    assert values == {"TOWNSHIP_N": 17, "EC_BED_TOTAL": 5120, "EC_BED_NURSING": 2000}
    assert {r.region_code for r in report.records} == {"330203000000"}
    errors = [p.message for p in report.errors]
    assert errors == ["“民政事业费支出”在本系统按当月发生额入库，表中是本年累计数"]
    warnings = [p.message for p in report.warnings]
    assert "“(三)殡葬事业单位”（代码JZH011400000）不在指标目录中，本行未导入" in warnings
    assert "“每万名老年人拥有养老床位数”是比率指标，由系统按分子、分母重新计算，本行未导入" in warnings


def test_tidy_layout_with_codes_units_and_periods(warehouse):
    grid = [
        ["地区", "指标", "报告期", "数值", "单位"],
        ["330203001000", "EC_BED_TOTAL", "2026-08", "300", "张"],
        ["南门街道", "养老床位总数", "2026年9月", "310", ""],
        ["南门街道", "最低生活保障标准", "2026-09", "15,000", "元/人·年"],
        ["海曙区", "慈善资金募集额", "2026-09", "1.5亿", "元"],
    ]
    result = _load_ok(warehouse, csv_bytes(grid, "gbk"), "long.csv")
    assert result.report.layout == "tidy"
    values = _values(warehouse)
    assert values[(NANMEN, "EC_BED_TOTAL", "2026-08")] == 300
    assert values[(NANMEN, "EC_BED_TOTAL", "2026-09")] == 310
    assert values[(NANMEN, "SA_DIBAO_STD", "2026-09")] == 1250  # 元/人·年 -> 元/人·月
    assert values[("330203000000", "CS_CHARITY_FUNDS", "2026-09")] == 15000  # 1.5亿元 -> 万元


def test_sheet_level_unit_note_applies_to_convertible_columns():
    grid = [
        ["海曙区慈善资金统计表"],
        ["填报单位：宁波市海曙区民政局", "报告期：2026年10月", "单位：元"],
        ["乡镇（街道）", "慈善资金募集额", "养老床位总数(张)"],
        ["南门街道", 50000, 300],
    ]
    report = pipeline.check_bytes(xlsx(grid), "note.xlsx")
    assert report.ok, [p.format() for p in report.problems]
    values = {r.indicator_code: (r.value, r.raw_unit) for r in report.records}
    assert values == {"CS_CHARITY_FUNDS": (5.0, "元"), "EC_BED_TOTAL": (300.0, "张")}


def test_name_variants_match_and_former_names_resolve():
    rows = [["南门", 1, 1, 1, 1, 1], ["ＪＩＡＮＧ".lower() if False else "江厦 街道", 2, 2, 2, 2, 2],
            ["海曙区古林镇", 3, 3, 3, 3, 3]]
    report = pipeline.check_bytes(xlsx(table_rows(rows=rows, total=False)), "v.xlsx")
    assert report.ok, [p.format() for p in report.problems]
    assert {r.region_code for r in report.records} == {NANMEN, JIANGXIA, GULIN}


def test_a_county_reporting_its_own_single_row():
    grid = [["南浔区社会组织统计表"], ["填报单位：湖州市南浔区民政局", "报告期：2026年10月"],
            ["县（市、区）", "4A级以上社会组织数(个)", "慈善资金募集额(万元)"], ["南浔区", 12, 35.5]]
    report = pipeline.check_bytes(xlsx(grid), "nanxun.xlsx")
    assert report.ok, [p.format() for p in report.problems]
    assert {(r.region_code, r.indicator_code, r.value) for r in report.records} == {
        ("330503000000", "SO_4A_PLUS", 12.0), ("330503000000", "CS_CHARITY_FUNDS", 35.5)}


def test_a_row_naming_the_county_above_its_townships_is_a_total():
    grid = table_rows(total=False)
    grid.insert(3, ["海曙区", 2000, 1300, 670, 40000, 8])
    report = pipeline.check_bytes(xlsx(grid), "total_first.xlsx")
    assert report.ok and not report.warnings
    assert "330203000000" not in {r.region_code for r in report.records}
    assert len(report.records) == 15
