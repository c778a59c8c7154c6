"""Cell cleaning: the ways a number arrives in a township's spreadsheet, and the ways a period is written."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# A dash or a blank means "not reported", never zero: a missing township must show as missing.
MISSING_TOKENS = {"", "-", "--", "---", "—", "——", "–", "－", "/", "\\", "…", "...", "无数据", "空", "n/a", "na", "null",
                  "none", "#n/a", "暂无", "未报"}


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


class CellError(ValueError):
    """A cell that holds something other than a number; the message is Chinese and names the content."""


def text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_number(value: object) -> tuple[float | None, bool]:
    """Return (number or None for missing, whether the cell carried a percent sign).

    Accepts full-width digits, thousands separators, spaces, a trailing %, a trailing 万 or 亿 multiplier.
    Raises CellError for text, dates and formulas' error values.
    """
    if value is None:
        return None, False
    if isinstance(value, bool):
        raise CellError(f"单元格是逻辑值“{value}”，不是数字")
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return None, False
        return float(value), False
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise CellError(f"单元格是日期“{value}”，不是数字（可能被Excel自动转成了日期）")
    raw = str(value)
    if _PLAIN_NUMBER.fullmatch(raw):  # the common case in CSV files: nothing to clean
        return float(raw), False
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "").replace("\u3000", "")
    if text.lower() in MISSING_TOKENS:
        return None, False
    if text.startswith("#"):
        raise CellError(f"单元格是公式错误值“{raw.strip()}”")
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    multiplier = 1.0
    if text.endswith("万"):
        multiplier, text = 1e4, text[:-1]
    elif text.endswith("亿"):
        multiplier, text = 1e8, text[:-1]
    text = text.replace(",", "").replace("，", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise CellError(f"单元格中是文字“{raw.strip()[:30]}”，不是数字")
    return float(text) * multiplier, percent


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def parse_period(value: object) -> dt.date | None:
    """The report period written in a cell or title, as the first day of its last month; None if there is none.

    A quarter or "1-10月" range is reported as of its last month, because 季报 and 累计 figures describe the period end.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    text = unicodedata.normalize("NFKC", text_of(value)).replace(" ", "")
    m = re.search(r"(20\d{2})年(?:\d{1,2}(?:-|~|至|—))?(\d{1,2})月", text)
    if m:
        return _month(int(m.group(1)), int(m.group(2)))
    m = re.search(r"(20\d{2})年第?([一二三四1-4])季度?", text)
    if m:
        return _month(int(m.group(1)), _CN_DIGITS[m.group(2)] * 3)
    m = re.search(r"(20\d{2})年(上|下)半年", text)
    if m:
        return _month(int(m.group(1)), 6 if m.group(2) == "上" else 12)
    m = re.search(r"(?<!\d)(20\d{2})[-/.](\d{1,2})(?![\d])", text)
    if m:
        return _month(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(20\d{2})(\d{2})", text)
    if m:
        return _month(int(m.group(1)), int(m.group(2)))
    m = re.search(r"(20\d{2})年(度|年报|年末|全年)", text)
    if m:
        return _month(int(m.group(1)), 12)
    return None


def _month(year: int, month: int) -> dt.date | None:
    if 1 <= month <= 12:
        return dt.date(year, month, 1)
    return None
