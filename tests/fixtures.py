"""Builders of submitted files, shared by every test tier: each returns the bytes a township would upload."""

from __future__ import annotations

import csv
import io

import openpyxl

SCOPE = "填报单位：宁波市海曙区民政局"
PERIOD = "报告期：2026年10月"
HEADER = ["乡镇（街道）", "养老床位总数(张)", "养老机构床位数(张)", "养老机构护理型床位数(张)", "60周岁及以上户籍人口(人)",
          "新增养老床位数(张)"]
ROWS = [
    ["南门街道", 300, 200, 120, 8000, 3],
    ["江厦街道", 1200, 800, 400, 20000, 5],
    ["古林镇", 500, 300, 150, 12000, 0],
]


def table_rows(rows=None, header=None, title="海曙区民政业务统计月报表", scope=SCOPE, period=PERIOD, total=True,
               footer=True) -> list[list]:
    """A layout-(a) township table as a grid: title, 填报单位/报告期, header, rows, 合计, notes."""
    rows = ROWS if rows is None else rows
    header = HEADER if header is None else header
    grid: list[list] = []
    if title:
        grid.append([title])
    meta = [c for c in (scope, period) if c]
    if meta:
        grid.append(meta)
    grid.append(list(header))
    grid.extend(list(r) for r in rows)
    if total:
        sums = ["合计"]
        for i in range(1, len(header)):
            vals = [r[i] for r in rows if i < len(r) and isinstance(r[i], (int, float))]
            sums.append(sum(vals) if vals else None)
        grid.append(sums)
    if footer:
        grid.append(["填报人：张三", None, "审核人：李四"])
    return grid


def xlsx(grid: list[list] | None = None, sheets: dict[str, list[list]] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, g in (sheets or {"Sheet1": grid if grid is not None else table_rows()}).items():
        ws = wb.create_sheet(name)
        for row in g:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls(grid: list[list]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Sheet1")
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(grid: list[list], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in grid:
        writer.writerow(["" if v is None else v for v in row])
    text = buf.getvalue()
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)
