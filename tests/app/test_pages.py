"""Each page through AppTest: it runs without an exception and shows what the warehouse holds."""

from __future__ import annotations

import sys
import types

import pytest

import etl
from etl import pipeline
from kpi import store
from kpi.catalog import load_catalog
from tests.app.conftest import run_app, sign_in
from tests.app.workbooks import FIRST_FILE, VALUES_PER_FILE, month_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def version(db) -> int:
    return store.current_version(store.Warehouse(db).connect())


# ---- frame -------------------------------------------------------------------------------------------------------------


def test_sidebar_shows_data_version_and_no_demo_badge(db):
    at = run_app()
    captions = texts(at.sidebar.caption)
    assert any(c.startswith("数据版本 v1 · 更新于 ") for c in captions), captions
    assert not any("示例数据" in m for m in texts(at.sidebar.markdown))


def test_first_request_straight_to_a_page_goes_through_the_router(db):
    """A page opened directly as the first request of a process still gets the frame. (With the pages in a folder
    named pages/, Streamlit would run the file bare and list every file there as a page: hence views/.)"""
    at = run_app("views/data.py")
    assert texts(at.title) == ["数据管理"]
    assert any(c.startswith("数据版本 v1") for c in texts(at.sidebar.caption))


def test_unreadable_warehouse_shows_what_to_do(tmp_path, monkeypatch):
    bad = tmp_path / "kpi.duckdb"
    bad.write_bytes(b"this is not a DuckDB file" * 100)
    monkeypatch.setenv("KPI_DB", str(bad))
    at = run_app()
    assert texts(at.error) == ["数据库文件无法读取，页面暂时无法显示数据。"]
    assert f"python -m etl build-demo --db {bad}" in texts(at.code)
    assert f"python -m etl restore --db {bad}" in texts(at.code)
    assert bad.read_bytes().startswith(b"this is not")  # left alone for the administrator


def test_a_lost_warehouse_is_not_replaced_by_the_demo(db, monkeypatch):
    """The file is gone but raw files were archived beside it: a working warehouse was lost, so the app says so and
    how to restore it, and does not quietly build demo data in its place."""
    started = []
    monkeypatch.setattr("views.shared.DemoBuild.start", lambda self, retry=False: started.append(retry))
    db.unlink()
    at = run_app()
    assert texts(at.error) == ["数据库文件不存在，页面暂时无法显示数据。"]
    assert f"python -m etl restore --db {db}" in texts(at.code)
    assert started == [] and not db.exists()


def test_first_run_builds_the_demo_warehouse_with_progress(tmp_path, monkeypatch):
    """No warehouse file: the app builds the demo through etl.demo.build(warehouse, progress=…), then shows the
    catalogue and the 示例数据 badge. etl.demo is replaced by a small stand-in with the same signature."""
    calls = []

    def build(warehouse, regenerate=False, counties=None, start="2019-01", end="2026-10", progress=None,
              out_dir=None) -> int:
        files = [(month_xlsx(f"2026年{m}月"), f"示例_海曙区_2026-{m:02d}.xlsx") for m in (8, 9)]
        for n, (_data, name) in enumerate(files, 1):
            progress(n, len(files), name)
        pipeline.load_batch(warehouse, files, who="demo", is_demo=True)
        calls.append(warehouse.path)
        return 0

    fake = types.ModuleType("etl.demo")
    fake.build = build
    monkeypatch.setitem(sys.modules, "etl.demo", fake)
    monkeypatch.setattr(etl, "demo", fake, raising=False)
    db = tmp_path / "new" / "kpi.duckdb"
    monkeypatch.setenv("KPI_DB", str(db))

    at = run_app()
    assert calls == [db]
    assert texts(at.title) == ["宁波市 · 2026年9月"]  # the overview of the home region at the latest month
    assert any("示例数据" in m for m in texts(at.sidebar.markdown))
    assert any(c.startswith("数据版本 v2") for c in texts(at.sidebar.caption))  # two demo files, two loads


def test_failed_first_run_says_how_to_build_the_demo(tmp_path, monkeypatch):
    fake = types.ModuleType("etl.demo")

    def build(warehouse, **kwargs):
        raise OSError("示例报表目录不存在")

    fake.build = build
    monkeypatch.setitem(sys.modules, "etl.demo", fake)
    monkeypatch.setattr(etl, "demo", fake, raising=False)
    db = tmp_path / "kpi.duckdb"
    monkeypatch.setenv("KPI_DB", str(db))
    at = run_app()
    assert texts(at.error) == ["示例数据库生成失败，页面暂时无法显示数据。"]
    assert f"python -m etl build-demo --db {db}" in texts(at.code)
    assert not db.exists()


# ---- 指标目录 ------------------------------------------------------------------------------------------------------------


def test_catalog_shows_every_indicator_and_the_summary(db):
    catalog = load_catalog()
    at = run_app("views/catalog.py")
    assert texts(at.title) == ["指标目录"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["指标"] == f"{len(catalog)} 个"
    assert metrics["当前有效数值"] == f"{VALUES_PER_FILE} 个"
    assert metrics["导入批次"] == "1 个有效"
    assert metrics["最新报告期"] == "2026-10"
    table = at.dataframe[0].value
    assert len(table) == len(catalog)
    assert f"共 {len(catalog)} 个指标" in at.caption[1].value
    ratio = table.set_index("代码").loc["EC_R_BED_10K"]
    assert (ratio["类型"], ratio["分子/分母"]) == ("比率", "养老床位总数 / 60周岁及以上户籍人口 ×10000")
    assert table.set_index("代码").loc["EC_BED_TOTAL", "方向"] == "越高越好"


def test_catalog_filters_by_area(db):
    at = run_app("views/catalog.py")
    at.multiselect[0].select("养老服务").run()
    table = at.dataframe[0].value
    expected = [i.code for i in load_catalog() if i.area == "养老服务"]
    assert list(table["代码"]) == expected
    assert at.caption[1].value.startswith(f"共 {len(expected)} 个指标（全部 ")


# ---- 数据管理 ------------------------------------------------------------------------------------------------------------


def test_data_page_shows_the_load_history(db):
    at = run_app("views/data.py")
    history = at.dataframe[0].value
    assert list(history["文件"]) == [FIRST_FILE]
    assert list(history["状态"]) == ["有效"]
    assert at.selectbox[0].options == [f"#1\u3000{FIRST_FILE}\u3000（有效）"]
    # Nobody signed in: the history is there, the uploader, the raw file and the revert button are not.
    assert not at.file_uploader and not at.get("download_button") and not [b for b in at.button if b.key == "revert"]
    assert texts(at.info)[0].startswith("导入报表需要登录（填报、管理角色）")
    sign_in(at, db, "查看员", "view").run()
    assert [b.label for b in at.get("download_button")] == ["下载原始文件"]
    assert not at.file_uploader  # 查看 may download, not load


def test_upload_check_then_load(db):
    at = sign_in(run_app("views/data.py"), db, "填报员", "load").run()
    base = version(db)  # the account is a write of its own
    at.file_uploader[0].set_value(("海曙区2026年9月.xlsx", month_xlsx("2026年9月"), XLSX)).run()
    assert not at.exception
    assert any("海曙区2026年9月" in m and "可以导入" in m for m in texts(at.markdown))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["错误"], metrics["识别出的数值"], metrics["报告期"]) == ("0", str(VALUES_PER_FILE), "2026-09")
    assert version(db) == base  # checking writes nothing

    at.button(key="load").click().run()
    assert not at.exception
    assert texts(at.success) == ["导入完成：已导入 1 个。"]
    assert version(db) == base + 1
    assert store.list_loads(store.Warehouse(db).connect())["loaded_by"].iloc[0] == "填报员"
    assert not [b for b in at.button if b.key == "revert"]  # 填报 loads; only 管理 reverts
    assert list(at.dataframe[0].value["文件"]) == ["海曙区2026年9月.xlsx", FIRST_FILE]
    assert len(at.file_uploader[0].value or []) == 0  # emptied for the next files


def test_bad_file_is_reported_with_its_cell_and_not_loaded(db):
    at = sign_in(run_app("views/data.py"), db, "填报员", "load").run()
    bad = month_xlsx(rows=[["南门街道", 300, 200, 120, 8000, 3], ["不存在街道", 90, 60, 30, 1000, 1]])
    at.file_uploader[0].set_value(("坏文件.xlsx", bad, XLSX)).run()
    assert not at.exception
    assert any("有错误，不能导入" in m for m in texts(at.markdown))
    problems = at.table[0].value
    first = problems.iloc[0]
    assert (first["级别"], first["行"], first["列"]) == ("错误", "5", "A")
    assert "未知的地区“不存在街道”" in first["问题"]
    load = at.button(key="load")
    assert load.disabled and load.label == "没有可导入的文件"
    assert version(db) == 2  # the load and the account only


def test_revert_asks_for_confirmation(db):
    at = sign_in(run_app("views/data.py"), db, "管理员", "admin").run()
    at.button(key="revert").click().run()
    assert texts(at.warning)[0].startswith("确定撤销导入批次 #1？")
    assert version(db) == 2  # nothing happens before the confirmation (v2 is the account)

    at.button(key="revert_cancel").click().run()
    assert not at.warning and version(db) == 2

    at.button(key="revert").click().run()
    at.button(key="revert_confirm_button").click().run()
    assert not at.exception
    assert texts(at.success)[0].startswith("已撤销导入批次 #1（数据版本 v3）")
    assert version(db) == 3
    assert at.dataframe[0].value["状态"].iloc[0].startswith("已撤销（")
    assert not [b for b in at.button if b.key == "revert"]  # a reverted load cannot be reverted again
