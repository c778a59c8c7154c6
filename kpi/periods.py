"""Report periods (month, quarter, year) and the windows of months each kind of indicator reads from them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


STANDARD_LOOKBACK_YEARS = 3


@dataclass(frozen=True, order=True)
class Period:
    """A period named by its last month; ``span`` is 'month', 'quarter' or 'year'."""

    year: int
    month: int
    span: str = "month"

    @classmethod
    def parse(cls, text: str) -> "Period":
        """'2026-10' (month), '2026Q3' (quarter), '2026' (year); ValueError in Chinese otherwise."""
        t = str(text).strip().upper()
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", t):
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                return cls(year, month, "month")
        elif m := re.fullmatch(r"(\d{4})Q([1-4])", t):
            return cls(int(m.group(1)), int(m.group(2)) * 3, "quarter")
        elif m := re.fullmatch(r"(\d{4})", t):
            return cls(int(m.group(1)), 12, "year")
        raise ValueError(f"无法识别的报告期“{text}”，应为 2026-10、2026Q3 或 2026")

    @property
    def end(self) -> dt.date:
        """First day of the last month (observations are stored per month, dated the 1st)."""
        return dt.date(self.year, self.month, 1)

    @property
    def start(self) -> dt.date:
        first = {"month": self.month, "quarter": self.month - 2, "year": 1}[self.span]
        return dt.date(self.year, first, 1)

    @property
    def level_start(self) -> dt.date:
        """How far back a standard (低保标准…) is looked for: it stays in force until changed, but not forever."""
        return dt.date(self.year - STANDARD_LOOKBACK_YEARS, 1, 1)

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    def window(self, kind: str) -> tuple[dt.date, dt.date]:
        """Months an indicator of this kind reads: a flow accumulates from January (本年累计); a stock, ratio part or
        standard takes the last value reported inside the period itself."""
        return (self.year_start if kind == "flow" else self.start), self.end

    def shift_months(self, months: int) -> "Period":
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1, self.span)

    def previous(self) -> "Period":
        return self.shift_months(-{"month": 1, "quarter": 3, "year": 12}[self.span])

    def same_period_last_year(self) -> "Period":
        return self.shift_months(-12)

    def last_year_end(self) -> "Period":
        return Period(self.year - 1, 12, "month")

    @property
    def label(self) -> str:
        if self.span == "quarter":
            return f"{self.year}年第{self.month // 3}季度"
        if self.span == "year":
            return f"{self.year}年"
        return f"{self.year}年{self.month}月"

    def __str__(self) -> str:
        if self.span == "quarter":
            return f"{self.year}Q{self.month // 3}"
        if self.span == "year":
            return f"{self.year}"
        return f"{self.year}-{self.month:02d}"
