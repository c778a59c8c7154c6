"""The bad-file corpus: every broken submission gets its exact Chinese error at its cell, and changes nothing.

Each case is built in code (tests/fixtures.py) so the corpus documents itself; `python -m pytest -k bad_files -s`
prints every message.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import io

import pytest

from etl import pipeline
from tests.conftest import db_fingerprint
from tests.fixtures import HEADER, ROWS, csv_bytes, table_rows, xls, xlsx

# Excel rows of the default table: 1 title, 2 填报单位/报告期, 3 header, 4-6 townships, 7 合计.


def _rows_with(index: int, col: int, value) -> list[list]:
    rows = [list(r) for r in ROWS]
    rows[index][col] = value
    return rows


def _corrupt_xlsx() -> bytes:
    data = xlsx()
    return data[: len(data) // 2]


def _xlsx_with_external_formula() -> bytes:
    # A cell holding a formula with no cached value (as written by a script): read as empty, never evaluated.
    grid = table_rows(rows=_rows_with(0, 1, "=[外部.xlsx]Sheet1!A1+1"))
    return xlsx(grid)


FORM = [
    ["民政统计月报表"],
    ["表号：YZH01表", None, "报告期：2026年10月"],
    ["指标名称", "单位", "代码", "数量"],
    ["甲", "乙", "丙", "1"],
    ["养老床位总数", "张", "", 1500],
]

TIDY_HEADER = ["地区", "指标", "报告期", "数值", "单位"]

# (case id, file name, bytes, expected (row, column, message) of one error — row/column None for file-level errors)
CASES = [
    ("unknown_township", "a.xlsx", xlsx(table_rows(rows=_rows_with(2, 0, "幸福镇"))),
     (6, "A", "未知的地区“幸福镇”：在海曙区范围内没有找到匹配的乡镇（街道）或县（市、区）")),
    ("unknown_header", "a.xlsx", xlsx(table_rows(header=HEADER[:5] + ["养老院数量(个)"])),
     (3, "F", "表头“养老院数量(个)”不是指标目录中的指标")),
    ("text_in_number", "a.xlsx", xlsx(table_rows(rows=_rows_with(1, 1, "约1200"))),
     (5, "B", "“养老床位总数”：单元格中是文字“约1200”，不是数字")),
    ("negative_count", "a.xlsx", xlsx(table_rows(rows=_rows_with(0, 4, -8000))),
     (4, "E", "“60周岁及以上户籍人口”为负数（-8000）")),
    ("share_over_100", "a.xlsx", xlsx(table_rows(rows=_rows_with(2, 3, 301))),
     (6, "D", "“养老机构护理型床位数”（301）大于“养老机构床位数”（300），“养老机构护理型床位占比”将超过100%")),
    ("duplicate_region", "a.xlsx", xlsx(table_rows(rows=ROWS + [["南门", 1, 1, 1, 1, 1]])),
     (7, "A", "地区“南门街道”出现了两行（另一行是第4行）")),
    ("missing_period", "a.xlsx", xlsx(table_rows(period=None)),
     (3, None, "没有找到报告期")),
    ("future_period", "a.xlsx", xlsx(table_rows(period="报告期：2031年1月")),
     (4, "B", "报告期2031年01月不合理（晚于本月或早于2000年）")),
    ("csv_named_xlsx", "a.xlsx", csv_bytes(table_rows()),
     (None, None, "文件内容与扩展名“.xlsx”不符（实际是文本）")),
    ("exe_renamed", "报表.xlsx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 64,
     (None, None, "文件内容与扩展名“.xlsx”不符（实际是二进制文件）")),
    ("html_as_xls", "导出.xls", "<html><body><table><tr><td>南门街道</td></tr></table></body></html>".encode(),
     (None, None, "文件扩展名是Excel/CSV，但内容其实是网页（HTML）")),
    ("empty_file", "a.csv", b"", (None, None, "文件是空的")),
    ("unsupported_type", "plan.pdf", b"%PDF-1.4 ...", (None, None, "不支持的文件类型“.pdf”")),
    ("corrupt_xlsx", "a.xlsx", _corrupt_xlsx(), (None, None, "文件已损坏或不是有效的xlsx工作簿（BadZipFile）")),
    ("unknown_encoding", "a.csv", b"\xff\xfe\x80\x81\x82" * 40 + b"\n",
     (None, None, "无法识别文件的文字编码（既不是UTF-8，也不是GBK/GB18030）")),
    ("unit_mixup", "a.xlsx", xlsx(table_rows(header=["乡镇（街道）", "养老床位总数(万元)"], rows=[["南门街道", 3]])),
     (4, "B", "单位“万元”无法换算为“养老床位总数”的计量单位“张”")),
    ("percent_in_count", "a.xlsx", xlsx(table_rows(rows=_rows_with(0, 5, "12%"))),
     (4, "F", "“新增养老床位数”的计量单位是张，单元格却是百分数“12%”")),
    ("date_in_number", "a.xlsx", xlsx(table_rows(rows=_rows_with(0, 1, dt.datetime(2026, 3, 1)))),
     (4, "B", "“养老床位总数”：单元格是日期“2026-03-01 00:00:00”，不是数字（可能被Excel自动转成了日期）")),
    ("ambiguous_township_no_scope", "a.xlsx",
     xlsx(table_rows(scope=None, header=HEADER[:2], rows=[["新桥镇", 10]])),
     (4, "A", "未知的地区“新桥镇”：没有找到匹配的乡镇（街道）或县（市、区）")),
    ("no_header", "a.xlsx", xlsx([["随便写的内容"], ["没有表头"], [1, 2, 3]]),
     (None, None, "无法识别表格格式：前25行中没有找到表头（如“乡镇（街道）”列、或“指标名称/代码”列、或“地区/指标/数值”列）")),
    ("duplicate_column", "a.xlsx", xlsx(table_rows(header=HEADER[:2] + ["养老床位数(张)"], rows=[["南门街道", 1, 1]])),
     (3, "C", "指标“养老床位总数”在表头中出现了两次")),
    ("row_without_name", "a.xlsx", xlsx(table_rows(rows=ROWS + [[None, 5, 5, 5, 5, 5]], total=False)),
     (7, "A", "这一行有数据但没有乡镇（街道）名称")),
    ("form_without_region", "form.xlsx", xlsx(FORM),
     (3, None, "没有找到填报地区：表头中既没有可识别的“地区编码”，也没有可识别的“填报单位”")),
    ("form_value_in_unit_column", "form.xlsx",
     xlsx(FORM[:1] + [["地区编码：330203000000", None, "报告期：2026年10月"]] + FORM[2:4] + [["养老床位总数", "1500", "", None]]),
     (5, "B", "“单位”列中是“1500”，不是计量单位（数值可能错填进了单位列）")),
    ("form_flow_cumulative", "form.xlsx",
     xlsx(FORM[:1] + [["地区编码：330203000000", None, "报告期：2026年10月"]] + FORM[2:4]
          + [["低保资金累计支出", "万元", "", 120.5]]),
     (5, "D", "“低保资金支出”在本系统按当月发生额入库，表中是本年累计数")),
    ("tidy_unknown_indicator", "long.csv",
     csv_bytes([TIDY_HEADER, ["南门街道", "养老床位总数", "2026-10", 300, "张"], ["南门街道", "幸福指数", "2026-10", 9, ""]]),
     (3, "B", "未知的指标“幸福指数”")),
    ("tidy_bad_period", "long.csv",
     csv_bytes([TIDY_HEADER, ["南门街道", "养老床位总数", "2026年13月", 300, "张"]]),
     (2, "C", "无法识别的报告期“2026年13月”")),
    ("tidy_duplicate_key", "long.csv",
     csv_bytes([TIDY_HEADER, ["南门街道", "养老床位总数", "2026-10", 300, "张"], ["南门街道", "EC_BED_TOTAL", "2026-10", 301, "张"]]),
     (3, "A", "南门街道“养老床位总数”2026-10出现了两行（另一行是第2行）")),
    ("no_values", "a.xlsx", xlsx(table_rows(rows=[["南门街道", None, "—", "-", None, ""]], total=False)),
     (None, None, "文件中没有可导入的数值")),
    ("formula_error", "a.xlsx", xlsx(table_rows(rows=_rows_with(1, 2, "#DIV/0!"))),
     (5, "C", "“养老机构床位数”：单元格是公式错误值“#DIV/0!”")),
    ("same_key_two_sheets", "a.xlsx", xlsx(sheets={"一": table_rows(), "二": table_rows(rows=ROWS[:1])}),
     (4, "B", "“养老床位总数”的同一地区、同一报告期在工作表“一”中也有数据")),
    ("gbk_csv_unknown_township", "gbk.csv", csv_bytes(table_rows(rows=_rows_with(0, 0, "某某镇")), encoding="gbk"),
     (4, "A", "未知的地区“某某镇”：在海曙区范围内没有找到匹配的乡镇（街道）或县（市、区）")),
    ("xls_text_in_number", "old.xls", xls(table_rows(rows=_rows_with(2, 4, "不详"))),
     (6, "E", "“60周岁及以上户籍人口”：单元格中是文字“不详”，不是数字")),
]


def test_corpus_is_large_enough():
    assert len(CASES) >= 25
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.fixture
def loaded_warehouse(warehouse):
    """A warehouse holding one good load, so 'unchanged' is tested against real content."""
    result = pipeline.load_bytes(warehouse, xlsx(table_rows(period="报告期：2026年9月")), "baseline.xlsx")
    assert result.status == "loaded"
    return warehouse


@pytest.mark.parametrize("case_id,name,data,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_reported_and_changes_nothing(loaded_warehouse, case_id, name, data, expected):
    row, col, message = expected
    before = db_fingerprint(loaded_warehouse)
    archived_before = set(loaded_warehouse.archive_dir.rglob("*"))

    result = pipeline.load_bytes(loaded_warehouse, data, name)

    assert result.status == "rejected"
    found = [(p.row, p.col, p.message) for p in result.report.errors]
    print(f"\n{case_id}:\n  " + "\n  ".join(p.format() for p in result.report.problems))
    assert (row, col, message) in found
    for p in result.report.errors:
        assert p.file == pipeline.safe_name(name)
        assert p.hint, "every error says how to fix it"
    assert db_fingerprint(loaded_warehouse) == before
    # The raw upload is kept even though it was refused.
    archived = set(loaded_warehouse.archive_dir.rglob("*")) - archived_before
    if data:
        assert any(p.is_file() and p.read_bytes() == data for p in archived | archived_before)


def test_formula_is_not_evaluated(warehouse):
    # The cached value of a formula cell is what Excel showed; a formula without one is read as empty, not executed.
    result = pipeline.load_bytes(warehouse, _xlsx_with_external_formula(), "formula.xlsx")
    assert result.status == "loaded"
    values = {(r.region_code, r.indicator_code) for r in result.report.records}
    assert ("330203001000", "EC_BED_TOTAL") not in values
    assert ("330203001000", "EC_BED_INST") in values


def test_all_problems_are_collected_at_once(warehouse):
    rows = _rows_with(0, 1, "abc")
    rows[1][4] = -5
    rows[2][0] = "不存在镇"
    report = pipeline.check_bytes(xlsx(table_rows(rows=rows)), "many.xlsx")
    cells = {(p.row, p.col) for p in report.errors}
    assert {(4, "B"), (5, "E"), (6, "A")} <= cells


def test_check_cli_prints_every_problem_and_exits_1(tmp_path, write_file, capsys):
    from etl.cli import main

    bad = write_file("bad.xlsx", xlsx(table_rows(rows=_rows_with(2, 0, "幸福镇"))))
    good = write_file("good.xlsx", xlsx(table_rows()))
    code = main(["check", str(bad), str(good), "--db", str(tmp_path / "none.duckdb")])
    out = capsys.readouterr().out
    assert code == 1
    assert "[错误] 文件「bad.xlsx」，工作表「Sheet1」，第6行，A列：未知的地区“幸福镇”" in out
    assert "共2个文件：1个可以导入，1个有错误。" in out
    assert not (tmp_path / "none.duckdb").exists()
    assert main(["check", str(good), "--db", str(tmp_path / "none.duckdb")]) == 0


def test_zip_bomb_like_workbook_is_refused_cleanly(warehouse):
    # A zip whose member is not a workbook part: openpyxl must not be asked to trust it.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("junk.txt", "x" * 1000)
    result = pipeline.load_bytes(warehouse, buf.getvalue(), "junk.xlsx")
    assert result.status == "rejected"
    assert result.report.errors[0].message.startswith("文件已损坏或不是有效的xlsx工作簿")
    assert not warehouse.path.exists()
