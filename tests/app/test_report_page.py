"""月报 through AppTest: the page shows the report of the URL's region and month, with its summary and commentary, says
plainly when a month has no data yet, and remakes an older version when asked."""

from __future__ import annotations

import pytest

from tests.app.conftest import run_app
from tests.app.workbooks import HAISHU, make_warehouse, month_xlsx


@pytest.fixture
def wh(tmp_path, monkeypatch):
    path = tmp_path / "warehouse" / "kpi.duckdb"
    wh = make_warehouse(path, [(month_xlsx("2026年9月"), "海曙区_2026-09.xlsx"),
                               (month_xlsx("2026年10月"), "海曙区_2026-10.xlsx")])
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_HOME_REGION", HAISHU)
    return wh


def report_page(**params):
    at = run_app()
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page("views/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_report_of_the_latest_month(wh):
    at = report_page()
    assert at.title[0].value == "月报 · 海曙区 · 2026年10月"
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("截至2026年10月，全区纳入本月报的4项主要指标中") for t in texts)
    assert any(t.startswith("截至2026年10月，全区每万名老年人拥有养老床位数") for t in texts)
    assert at.caption[0].value.startswith("数据版本 v2（")
    assert not at.warning


def test_a_month_without_data_says_so(wh):
    at = report_page(period="2026-12")
    assert [w.value for w in at.warning] == ["2026年12月还没有数据：截至数据版本 v2，最新报告期为2026年10月。"]


def test_an_older_version(wh):
    at = report_page(period="2026-09")
    at.sidebar.number_input(key="version").set_value(1).run()
    assert not at.exception
    assert [i.value for i in at.info] == ["按数据版本 v1 重现：此后的导入、修订和撤销不计入（当前版本为 v2）。"]
    assert at.caption[0].value.startswith("数据版本 v1（")
    at.sidebar.number_input(key="version").set_value(None).run()
    assert not at.info and at.caption[0].value.startswith("数据版本 v2（")
