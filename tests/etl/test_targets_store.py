"""Targets in the warehouse: import all-or-nothing, revisions, states, export round trip, and 目标分解."""

import csv

import pytest

from etl import targets as et
from kpi import store
from kpi import targets as kt
from kpi.catalog import load_catalog
from kpi.decompose import DecomposeError, split, rows as split_rows
from kpi.regions import load_regions
from tests.conftest import db_fingerprint

CAT, REGIONS = load_catalog(), load_regions()
HEADER = "region_code,indicator_code,year,comparator,value,value_min,kind,keep,plan_attribute,base_value,document,sentence\n"
GOOD = HEADER + (
    "330203000000,EC_CAREGIVER_NEW,2026,+,150,,annual,,,,海曙区2026年工作要点,新增持证养老护理员不少于150人\n"
    "330203000000,SO_4A_PLUS,2026,>=,60,,annual,是,,,海曙区2026年工作要点,4A级以上社会组织动态保持在60家以上\n"
    "330203000000,EC_R_NURSING_BED,2030,>=,73,,five_year,,约束性,68,十五五规划纲要,养老机构护理型床位占比达到73%\n"
)


def test_import_checks_every_row_and_writes_all_or_nothing(warehouse):
    bad = GOOD + "330203000000,EC_BED_NEW,2026,>=,abc,,annual,,,,,\n999999999999,EC_BED_NEW,2026,>=,5,,annual,,,,,\n"
    assert et.import_bytes(warehouse, GOOD.encode(), "good.csv", who="t").status == "imported"
    before = db_fingerprint(warehouse)
    assert before is not None
    result = et.import_bytes(warehouse, bad.encode(), "bad.csv", who="t")
    assert result.status == "rejected" and db_fingerprint(warehouse) == before
    assert result.problems == ["第5行：目标值“abc”不是数字", "第6行：地区代码“999999999999”不在区划表中"]
    assert any(p.name.endswith("bad.csv") for p in warehouse.archive_dir.rglob("*"))  # the raw file is kept


def test_gbk_csv_and_chinese_headers(warehouse):
    text = "地区代码,指标代码,年度,比较方式,目标值,原文\n330203000000,EC_BED_NEW,2026,+,300,新增养老床位300张\n"
    result = et.import_bytes(warehouse, text.encode("gbk"), "目标.csv", who="t")
    assert result.status == "imported" and result.count == 1
    record = kt.book(warehouse.connect()).get("330203000000", "EC_BED_NEW", 2026)
    assert record.target.value == 300 and record.sentence == "新增养老床位300张"


def test_confirmed_targets_form_the_book_and_changes_are_revisions(warehouse):
    assert et.import_bytes(warehouse, GOOD.encode(), "plan.csv", who="甲").status == "imported"
    con = warehouse.connect()
    book = kt.book(con)
    assert len(book) == 3 and book.get("330203000000", "SO_4A_PLUS", 2026).target.keep
    five = book.get("330203000000", "EC_R_NURSING_BED", 2030, "five_year")
    assert (five.plan_attribute, five.base_value, five.target.value) == ("约束性", 68, 73)
    # A second import of the same key changes the value as a new revision of the same target.
    changed = GOOD.replace(",150,", ",180,")
    v2 = et.import_bytes(warehouse, changed.encode(), "plan-v2.csv", who="乙").version
    con = warehouse.connect()
    record = kt.book(con).get("330203000000", "EC_CAREGIVER_NEW", 2026)
    assert record.target.value == 180
    history = kt.history(con, record.target_id)
    assert list(history.value) == [150, 180] and list(history.changed_by) == ["甲", "乙"]
    # The book as of the first version still has 150: targets are versioned like data.
    assert kt.book(con, v2 - 1).get("330203000000", "EC_CAREGIVER_NEW", 2026).target.value == 150


def test_proposed_targets_do_not_count_until_confirmed_and_dropped_ones_never(warehouse):
    clean, problems = kt.check_rows(list(csv.DictReader(GOOD.splitlines())), CAT, REGIONS)
    assert not problems
    et.save(warehouse, clean, state="proposed", who="提取")
    con = warehouse.connect()
    assert len(kt.book(con)) == 0 and len(kt.proposed(con)) == 3
    ids = [r.target_id for r in kt.proposed(con)]
    et.set_state(warehouse, ids[:2], "confirmed", who="科长")
    et.set_state(warehouse, ids[2:], "dropped", who="科长")
    con = warehouse.connect()
    assert len(kt.book(con)) == 2 and kt.proposed(con) == []
    frame = kt.current_targets(con)
    assert sorted(frame.state) == ["confirmed", "confirmed", "dropped"]


def test_export_reads_back(warehouse, tmp_path):
    et.import_bytes(warehouse, GOOD.encode(), "plan.csv", who="t")
    data = et.export_xlsx(kt.current_targets(warehouse.connect()))
    other = store.Warehouse(tmp_path / "other.duckdb")
    result = et.import_bytes(other, data, "导出.xlsx", who="t")
    assert result.status == "imported" and result.count == 3
    a = kt.book(warehouse.connect()).get("330203000000", "SO_4A_PLUS", 2026)
    b = kt.book(other.connect()).get("330203000000", "SO_4A_PLUS", 2026)
    assert (a.target, a.sentence) == (b.target, b.sentence)


def test_a_rate_outside_0_to_100_is_refused():
    row = dict(zip(kt.COLUMNS, ["330203000000", "EC_R_NURSING_BED", "2026", ">=", "730", "", "", "", "", "", "", ""]))
    record, bad = kt.check_row(row, CAT, REGIONS)
    assert record is None and "不在0～100之间" in bad[0]


# ---- 目标分解 ---------------------------------------------------------------------------------------------------------


def parent(code="EC_CAREGIVER_NEW", value=150.0, comparator="+", keep=False):
    row = dict(zip(kt.COLUMNS, ["330203000000", code, 2026, comparator, value, None, "annual", keep, "", None,
                                "海曙区2026年工作要点", "新增持证养老护理员不少于150人"]))
    return kt.record_of(kt.check_row(row, CAT, REGIONS)[0], target_id=7)


def test_split_by_population_adds_up_exactly():
    towns = REGIONS.townships_of("330203000000")[:3]
    basis = {towns[0].code: 10000, towns[1].code: 20000, towns[2].code: 30001}
    shares = split(CAT.get("EC_CAREGIVER_NEW"), parent(), towns, basis, "pop60")
    assert [s.value for s in shares] == [25, 50, 75]
    assert sum(s.value for s in shares) == 150
    rows = split_rows(parent(), shares, "pop60")
    assert rows[0]["parent_id"] == 7 and rows[0]["basis"] == "按60岁以上户籍人口"


def test_split_rounds_by_largest_remainder():
    towns = REGIONS.townships_of("330203000000")[:3]
    shares = split(CAT.get("EC_CAREGIVER_NEW"), parent(value=100.0), towns, {}, "equal")
    assert sorted(s.value for s in shares) == [33, 33, 34] and sum(s.value for s in shares) == 100


def test_a_ratio_target_is_not_shared_out():
    towns = REGIONS.townships_of("330203000000")[:4]
    shares = split(CAT.get("EC_R_BED_10K"), parent("EC_R_BED_10K", 40.0, ">="), towns, {}, "pop60")
    assert {s.value for s in shares} == {40.0}


def test_missing_basis_is_named():
    towns = REGIONS.townships_of("330203000000")[:2]
    with pytest.raises(DecomposeError, match=towns[1].name):
        split(CAT.get("EC_CAREGIVER_NEW"), parent(), towns, {towns[0].code: 5}, "pop60")


def test_the_demo_warehouse_carries_confirmed_demo_and_plan_targets(tmp_path):
    from etl import demo

    wh = store.Warehouse(tmp_path / "wh" / "kpi.duckdb")
    assert demo.build(wh, counties=["330503"], start="2026-10", end="2026-10", out_dir=tmp_path / "files",
                      progress=lambda *_: None) == 0
    con = wh.connect()
    frame = kt.current_targets(con)
    assert len(frame) and frame.is_demo.all() and (frame.state == "confirmed").all()
    book = kt.book(con)
    assert book.get("330503000000", "EC_R_BED_10K", 2026) is not None
    national = book.get("330503000000", "EC_R_NURSING_BED", 2030, "five_year")
    assert national.target.value == 73 and national.plan_attribute == "约束性" and "十五个五年规划纲要" in national.document


def test_cli_import_and_export(tmp_path, capsys):
    from etl.cli import main

    db = tmp_path / "wh" / "kpi.duckdb"
    plan = tmp_path / "plan.csv"
    plan.write_text(GOOD, encoding="utf-8")
    assert main(["targets", "import", str(plan), "--db", str(db), "--user", "王五"]) == 0
    assert "已导入目标值 3 条" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD.replace(",150,", ",很多,"), encoding="utf-8")
    assert main(["targets", "import", str(bad), "--db", str(db)]) == 1
    assert "第2行：目标值“很多”不是数字" in capsys.readouterr().out
    out = tmp_path / "out.xlsx"
    assert main(["targets", "export", str(out), "--db", str(db)]) == 0
    assert et.read_rows(out.read_bytes(), out.name)[0]["原文"] == "新增持证养老护理员不少于150人"
