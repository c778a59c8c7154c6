"""十五五规划 (/plan) through AppTest, on 海曙区 with a December table for each of 2021–2025 and 2026年10月, and two
2030 targets: the table's 2025 base is the warehouse's December 2025 figure, and the exported xlsx holds the table."""

from __future__ import annotations

import io

import openpyxl
import pytest

from etl import targets
from kpi import plan
from kpi.aggregate import figure
from kpi.catalog import load_catalog
from kpi.periods import Period
from tests.app.conftest import run_app, sign_in
from tests.app.workbooks import HAISHU, make_warehouse, month_xlsx

TARGETS = """region_code,indicator_code,year,comparator,value,value_min,kind,keep,plan_attribute,base_value,document,sentence
330203000000,EC_R_BED_10K,2030,>=,600,,five_year,,预期性,1,测试规划,到2030年每万名老年人拥有养老床位数达到600张
330203000000,EC_BED_TOTAL,2030,>=,3000,,five_year,,约束性,,测试规划,到2030年养老床位总数达到3000张
"""
# 南门街道, 江厦街道, 古林镇 (tests/fixtures.ROWS), growing by year.
BASE_ROWS = [["南门街道", 300, 200, 120, 8000, 3], ["江厦街道", 1200, 800, 400, 20000, 5], ["古林镇", 500, 300, 150, 12000, 0]]


def rows_of(step: int) -> list[list]:
    return [[name, beds + 40 * step, inst + 20 * step, nursing + 10 * step, pop + 300 * step, new]
            for name, beds, inst, nursing, pop, new in BASE_ROWS]


@pytest.fixture
def planned(tmp_path, monkeypatch):
    path = tmp_path / "warehouse" / "kpi.duckdb"
    files = [(month_xlsx(f"{y}年12月", rows_of(y - 2021)), f"海曙区_{y}-12.xlsx") for y in range(2021, 2026)]
    files.append((month_xlsx("2026年10月", rows_of(5)), "海曙区_2026-10.xlsx"))
    wh = make_warehouse(path, files)
    imported = targets.import_bytes(wh, TARGETS.encode(), "plan.csv", who="测试")
    assert imported.status == "imported", imported.problems
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_HOME_REGION", HAISHU)
    return wh


def open_plan():
    at = run_app()
    at.switch_page("views/plan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_plan_table_shows_the_warehouse_2025_base_and_exports(planned):
    at = open_plan()
    assert at.title[0].value == "海曙区 · 十五五规划"
    table = at.dataframe[0].value
    assert list(table.columns) == list(plan.TABLE_COLUMNS)
    beds_10k = figure(planned.connect(), load_catalog(), "EC_R_BED_10K", HAISHU, Period.parse("2025-12")).value
    row = table[table["指标"] == "每万名老年人拥有养老床位数"].iloc[0]
    assert row["2025年基期"] == f"{beds_10k:.1f}"  # the warehouse, not the target file's base value of 1
    assert row["2030年目标"] == "600.0" and row["属性"] == "预期性"
    beds = table[table["指标"] == "养老床位总数"].iloc[0]
    assert beds["2025年基期"] == "2,480" and beds["2020年"] == "—"  # 300+1200+500 + 3 townships × 40 × 4 years; no 2020 data
    assert beds["年均增速/年均增量"] == f"年均增长 {((3000 / 2480) ** 0.2 - 1) * 100:.1f}%"
    assert [b.proto.label for b in at.get("download_button")] == ["导出规划指标表（xlsx）"]


def test_the_exported_xlsx_is_the_plan_table(planned):
    from kpi.regions import load_regions

    rows = plan.plan(planned.connect(), load_catalog(), targets_book(planned), HAISHU, Period.parse("2026-10"))
    data = plan.table_xlsx(rows, load_regions().get(HAISHU).name, Period.parse("2026-10"))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "海曙区民政事业发展“十五五”规划主要指标（数据截至2026年10月）"
    assert [c.value for c in sheet[2]] == list(plan.TABLE_COLUMNS)
    body = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert body["养老床位总数"][3] == 2480 and body["养老床位总数"][4] == 3000 and body["养老床位总数"][6] == "约束性"
    # 120 more beds each December (and 120 more again by 2026年10月): the trend passes 3000 before 2030.
    assert body["养老床位总数"][7] > 3000 and body["养老床位总数"][8] == plan.ON_COURSE
    assert body["养老床位总数"][5] == f"年均增长 {((3000 / 2480) ** 0.2 - 1) * 100:.1f}%"


def targets_book(wh):
    from kpi import targets as kt

    return kt.book(wh.connect()).records


def test_a_township_without_targets_uses_the_parents_ratio_targets(planned):
    at = open_plan()
    at.selectbox(key="plan_unit").select("330203001000").run()  # 南门街道
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value.startswith("南门街道")
    assert any("按上级地区的目标判断" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert table[table["指标"] == "每万名老年人拥有养老床位数"]["2030年目标"].iloc[0] == "600.0（上级目标）"
    assert table[table["指标"] == "养老床位总数"]["状态"].iloc[0] == "仅监测"


def test_editing_a_target_saves_a_confirmed_revision(planned):
    from kpi import targets as kt

    at = open_plan()
    assert any("修改十五五规划目标需要登录" in i.value for i in at.info)  # read-only until someone signs in
    sign_in(at, planned.path, "王五").run()
    at.selectbox(key="plan_edit_code").select("EC_R_BED_10K").run()
    form_value = next(n for n in at.number_input if n.label == "2030年目标值")
    assert form_value.value == 600.0  # the form starts from the current target
    form_value.set_value(650.0)
    next(b for b in at.button if b.label == "保存目标").click().run()
    assert not at.exception, [e.value for e in at.exception]
    record = kt.book(planned.connect()).get(HAISHU, "EC_R_BED_10K", 2030, "five_year")
    assert record.target.value == 650 and record.state == "confirmed"
    history = kt.history(planned.connect(), record.target_id)
    assert "王五" in set(history.changed_by) and len(history) == 2
    assert any("已保存每万名老年人拥有养老床位数2030年目标 650" in s.value for s in at.success)
