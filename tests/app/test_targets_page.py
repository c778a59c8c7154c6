"""目标管理 through AppTest: paste a work plan, confirm its targets, see them judged on the overview; bad edits are
refused whole; a target split to townships adds up."""

from __future__ import annotations

import pytest

from kpi import store
from kpi import targets as kt
from tests.app.conftest import run_app, sign_in
from tests.app.workbooks import HAISHU, make_warehouse, month_xlsx

PLAN = """海曙区民政局2026年工作要点
一、养老服务
全年新增养老床位不少于300张；每万名老年人拥有养老床位数达到400张以上。
二、2025年工作回顾
2025年共新增养老床位120张。
"""


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "warehouse" / "kpi.duckdb"
    make_warehouse(path, [(month_xlsx("2025年12月"), "海曙区_2025-12.xlsx"), (month_xlsx("2026年10月"), "海曙区_2026-10.xlsx")])
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_HOME_REGION", HAISHU)
    return path


def book(db):
    return kt.book(store.Warehouse(db).connect())


def targets_page():
    at = run_app("views/targets.py")
    assert at.title[0].value == "目标管理"
    return at


def test_paste_extract_confirm_and_see_it_on_the_overview(db):
    at = targets_page()
    at.text_area(key="plan_text").input(PLAN).run()
    at.button[0].click().run()  # 提取目标
    assert not at.exception, [e.value for e in at.exception]
    assert any("找到目标 2 条，完成情况和现行标准 1 条" in m.value for m in at.markdown)
    assert any("<mark>全年新增养老床位不少于300张</mark>" in m.value for m in at.markdown)  # highlighted in the text
    confirm = next(b for b in at.button if b.label == "确认所选")
    assert confirm.disabled and any("修改目标需要登录" in i.value for i in at.info)  # nobody signed in: read-only
    confirm.proto.disabled = False  # a forged client may still send the click: nothing may be written
    confirm.click().run()
    assert len(book(db)) == 0
    sign_in(at, db, "张三", "load").run()
    assert next(b for b in at.button if b.label == "确认所选").disabled  # 填报 may not change targets either
    sign_in(at, db, "管理员张三", "admin").run()
    next(b for b in at.button if b.label == "确认所选").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = book(db)
    beds = saved.get(HAISHU, "EC_BED_NEW", 2026)
    ratio = saved.get(HAISHU, "EC_R_BED_10K", 2026)
    assert beds.target.value == 300 and beds.sentence.startswith("全年新增养老床位不少于300张")
    assert ratio.target.value == 400
    history = kt.history(store.Warehouse(db).connect(), beds.target_id)
    assert list(history.changed_by) == ["管理员张三"] and list(history.state) == ["confirmed"]

    at.switch_page("views/overview.py").run()
    attention = at.dataframe[0].value  # 3 new beds of 300 by October: far behind, so it heads 需关注
    row = attention[attention["指标"] == "新增养老床位数"].iloc[0]
    assert row["目标"] == "不低于 300 张" and row["状态"] == "严重滞后"  # 不少于 on a flow: judged from zero each January


def test_a_bad_edit_is_refused_whole(db):
    from etl import targets as et

    good = ("region_code,indicator_code,year,comparator,value\n"
            f"{HAISHU},EC_BED_NEW,2026,+,300\n{HAISHU},EC_R_BED_10K,2026,>=,40\n")
    assert et.import_bytes(store.Warehouse(db), good.encode(), "t.csv", who="t").status == "imported"
    at = targets_page()
    assert "海曙区及下级地区的已确认目标 2 条" in " ".join(c.value for c in at.caption)


def test_split_to_townships_adds_up(db):
    from etl import targets as et

    good = f"region_code,indicator_code,year,comparator,value\n{HAISHU},EC_BED_NEW,2026,+,300\n"
    assert et.import_bytes(store.Warehouse(db), good.encode(), "t.csv", who="t").status == "imported"
    at = sign_in(targets_page(), db, "李四").run()
    at.radio[0].set_value("equal").run()
    assert any("下级合计 300" in s.value for s in at.success)
    next(b for b in at.button if b.label == "保存分解").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = book(db)
    towns = [r for r in saved.records if r.parent_id is not None]
    assert len(towns) == 17 and sum(r.target.value for r in towns) == 300
    assert {r.basis for r in towns} == {"平均分配"}
