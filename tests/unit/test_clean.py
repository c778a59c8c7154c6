import datetime as dt

import pytest

from etl.clean import CellError, parse_number, parse_period
from etl.problems import ERROR, Problem, column_letter
from etl.read import sniff


@pytest.mark.parametrize(
    "cell,expected",
    [
        (12, (12.0, False)),
        (3.5, (3.5, False)),
        ("1,234", (1234.0, False)),
        ("１２３４", (1234.0, False)),  # full-width digits
        (" 1 234 ", (1234.0, False)),
        ("12.5%", (12.5, True)),
        ("１２．５％", (12.5, True)),
        ("1.5万", (15000.0, False)),
        ("2亿", (2e8, False)),
        ("-3", (-3.0, False)),  # negative is parsed; the validator decides whether it is allowed
        ("154,084.4", (154084.4, False)),
    ],
)
def test_numbers(cell, expected):
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", [None, "", "—", "-", "--", "——", "／", "  ", "N/A", "\u3000"])
def test_missing_is_none_not_zero(cell):
    assert parse_number(cell) == (None, False)


@pytest.mark.parametrize(
    "cell,message",
    [
        ("约300", "单元格中是文字“约300”，不是数字"),
        ("三百", "单元格中是文字“三百”，不是数字"),
        ("1.2.3", "单元格中是文字“1.2.3”，不是数字"),
        ("#REF!", "单元格是公式错误值“#REF!”"),
        (True, "单元格是逻辑值“True”，不是数字"),
        (dt.datetime(2024, 3, 1), "单元格是日期“2024-03-01 00:00:00”，不是数字（可能被Excel自动转成了日期）"),
    ],
)
def test_non_numbers_raise_in_chinese(cell, message):
    with pytest.raises(CellError) as exc:
        parse_number(cell)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    "text,expected",
    [
        ("报告期：2026年10月", (2026, 10)),
        ("2024年1-10月城市低保统计表", (2024, 10)),
        ("2024年第三季度", (2024, 9)),
        ("2024年第1季度", (2024, 3)),
        ("2024年上半年", (2024, 6)),
        ("2024-07", (2024, 7)),
        ("2024/7", (2024, 7)),
        ("202407", (2024, 7)),
        ("2024年度", (2024, 12)),
        ("２０２４年 ８ 月", (2024, 8)),
        (dt.datetime(2025, 5, 17), (2025, 5)),
    ],
)
def test_periods(text, expected):
    assert parse_period(text) == dt.date(*expected, 1)


@pytest.mark.parametrize("text", ["2024年13月", "民政统计月报表", "", None, "表号：JZH01表"])
def test_no_period(text):
    assert parse_period(text) is None


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]


def test_problem_names_every_place():
    p = Problem(ERROR, "a.xlsx", "原因", "改法", sheet="Sheet1", row=5, col="C")
    assert p.format() == "[错误] 文件「a.xlsx」，工作表「Sheet1」，第5行，C列：原因。处理办法：改法"


@pytest.mark.parametrize(
    "data,kind",
    [
        (b"PK\x03\x04rest", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "xls"),
        (b"\xef\xbb\xbf<html><body>", "html"),
        ("乡镇,床位\n".encode("gbk"), "text"),
        (b"MZ\x00\x00", "binary"),
    ],
)
def test_sniff(data, kind):
    assert sniff(data) == kind
