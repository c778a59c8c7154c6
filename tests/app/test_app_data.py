"""The pure helpers behind the pages: kpi.app_data's frames and pages.shared.plain()."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from kpi import app_data
from views.shared import WORD_JOINER, plain
from tests import fixtures
from tests.app.workbooks import VALUES_PER_FILE, make_warehouse, month_xlsx


@pytest.mark.parametrize("text, shown", [
    ("南门街道", "南门街道"),
    ("**粗体**", "**粗体**"),
    ("![x](http://203.0.113.9/x.png)", "![x](http://203.0.113.9/x.png)"),
    (":red[红] $x^2$ <b>b</b> \\*", ":red[红] $x^2$ <b>b</b> \\*"),
    ("第一行\n第二行", "第一行 第二行"),
    (None, ""),
    (float("nan"), ""),
    (7, "7"),
])
def test_plain_text_decodes_to_exactly_what_was_typed(text, shown):
    out = plain(text)
    assert not any(ch in out for ch in "*[]()<>$:\\!"), out  # no Markdown syntax survives as such
    assert html.unescape(out).replace(WORD_JOINER, "") == shown


def test_plain_text_keeps_bare_urls_and_addresses_from_becoming_links():
    out = html.unescape(plain("见 http://a.example/x www.example.com zhang@example.cn"))
    assert "://" not in out and "www." not in out and "@e" not in out
    assert out.replace(WORD_JOINER, "") == "见 http://a.example/x www.example.com zhang@example.cn"


def test_load_state():
    assert app_data.load_state("active", None, None) == "有效"
    assert app_data.load_state("reverted", dt.datetime(2026, 11, 2, 9, 30), "张三") == "已撤销（2026-11-02 09:30 张三）"
    assert app_data.load_state("reverted", None, None) == "已撤销"


def test_freshness_counts_active_demo_loads(tmp_path):
    wh = make_warehouse(tmp_path / "kpi.duckdb",
                        [(month_xlsx(f"2026年{m}月"), f"示例{m}.xlsx") for m in (8, 9)], is_demo=True)
    info = app_data.freshness(wh.connect())
    assert (info["version"], info["demo_loads"]) == (2, 2)
    assert info["updated_at"] == max(app_data.load_history(wh.connect())["导入时间"])
    assert app_data.summary(wh.connect())["region_counts"][-1] == ("乡镇(街道)", 352)


def test_load_history_and_warnings(tmp_path):
    # A 合计 row that does not add up is loaded with a warning (合计 rows are never stored).
    grid = fixtures.table_rows()
    grid[-2][1] += 100  # the 合计 row (the footer follows it), column B: 养老床位总数
    wh = make_warehouse(tmp_path / "kpi.duckdb", [(fixtures.xlsx(grid), "a.xlsx")])
    con = wh.connect()
    history = app_data.load_history(con)
    assert list(history.iloc[0][["批次", "文件", "数值个数", "提示数", "状态", "数据版本"]]) == [
        "#1", "a.xlsx", VALUES_PER_FILE, 1, "有效", "v1"]
    assert (wh.path.parent / history["archive_path"].iloc[0]).is_file()
    warnings = app_data.load_warnings(con, 1)
    assert list(warnings.iloc[0][["级别", "工作表", "行", "列"]]) == ["提示", "Sheet1", 7, "B"]
    assert warnings.iloc[0]["问题"].startswith("合计行“养老床位总数”为2100，各地区相加为2000")
