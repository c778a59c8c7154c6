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
    assert not at.info
    # The October load (v2) holds nothing of September or before: the current report is the one made as of v1, and
    # the page says why its stamp is older than the sidebar's version.
    assert at.caption[0].value.startswith("数据版本 v1（")
    assert at.caption[1].value == ("月报按 v1 的数据生成：其后至 v2 的导入、修订和撤销都不涉及海曙区2026年9月及以前的数据，"
                                   "数字与 v2 相同。")


def test_a_load_elsewhere_leaves_the_report_as_it_was(wh, monkeypatch):
    """A later month's file does not touch October's report: same stamp, same pictures, and they are not drawn again
    (the report is cached on the last change it reads, not on the snapshot)."""
    from etl import pipeline
    from kpi.report import worker

    drawn = []
    real = worker.drawn
    monkeypatch.setattr(worker, "drawn", lambda report: drawn.append(report.stamp.version) or real(report))
    first = report_page()
    assert first.caption[0].value.startswith("数据版本 v2（")
    before = [image.value for image in first.get("image")]
    assert before and drawn == [2]
    result = pipeline.load_bytes(wh, month_xlsx("2026年11月"), "海曙区_2026-11.xlsx")
    assert result.status == "loaded", result.message
    at = report_page(period="2026-10")
    assert at.caption[0].value.startswith("数据版本 v2（")
    assert "其后至 v3 的导入、修订和撤销都不涉及海曙区2026年10月" in at.caption[1].value
    assert [image.value for image in at.get("image")] == before
    assert drawn == [2]
    # November's report is new, and drawn as of v3.
    report_page(period="2026-11")
    assert drawn == [2, 3]
