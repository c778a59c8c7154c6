"""The report's pictures: PNG panels at 2× resolution, each as wide as the text of an A4 page, so a panel pasted into
Word is neither scaled nor cut. Drawn with matplotlib's Agg renderer (no browser, no network) in the CJK font of
kpi.report.fonts, and stamped at the foot with the region, month and data version it shows.

Panels: the headline table; per business area, each headline indicator's months (本年, 上年, 目标 and the 序时进度
line, as on the 指标详情 page); the map of the sub-regions with their values; the behind-pace list. A table or a grid
taller than a page continues on a further panel (（续）).
"""

from __future__ import annotations

import io
import math
import re
import threading
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.font_manager import get_font
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, MaxNLocator

from kpi import display
from kpi.report import fonts
from kpi.report.lines import break_lines
from kpi.report.content import BEHIND_COLUMNS, HEADLINE_COLUMNS, TABLE_NOTE, Report, Row
from kpi.trend import measure_name

PT_PER_MM = 72 / 25.4
PAGE_WIDTH_MM = 170.0  # A4 (210 mm) less 20 mm margins each side: the text width of the Word and PDF pages
MAX_HEIGHT_MM = 230.0  # what fits under a heading on an A4 page (297 mm less margins, heading and footer)
DPI = 192  # 2× a screen's 96 px per inch: crisp on a high-density screen and in print
W = PAGE_WIDTH_MM * PT_PER_MM  # panel width in points; panels are laid out in points, y growing downwards
MARGIN = 8.0
SIZE = 7.5  # body text, pt
LINE = 1.4  # line height as a multiple of the font size
GREY, DARK, RULE, BAND, STRIPE = "#666666", "#222222", "#bbbbbb", "#e8eef6", "#f7f7f7"
GRID_COLUMNS = 3
GRID_ROWS = 4

_LOCK = threading.Lock()  # matplotlib's rcParams and the cached FreeType faces are process-wide


_UNSAFE = re.compile(r'[\\/:*?<>|"\s]+')  # characters a file name cannot hold on Windows


@dataclass(frozen=True)
class Panel:
    key: str  # headline, area-1, map, behind … (continuations: headline-2)
    title: str
    png: bytes
    width_mm: float
    height_mm: float

    def filename(self, number: int) -> str:
        """01_主要指标完成情况.png"""
        return f"{number:02d}_{_UNSAFE.sub('_', self.title)}.png"


def rgb(colour: tuple[int, int, int]) -> tuple[float, float, float]:
    return tuple(c / 255 for c in colour)


# ---- text measuring --------------------------------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in points at ``size`` pt in the report's font."""
    face = get_font(str(fonts.font().path))
    face.set_size(size, 72)
    face.set_text(text, 0.0)
    return face.get_width_height()[0] / 64


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points at ``size`` pt."""
    return break_lines(text, width, lambda line: text_width(line, size))


# ---- a panel being laid out -----------------------------------------------------------------------------------------


class Sheet:
    """A figure of known height with one axes over all of it, in points from the top-left corner."""

    def __init__(self, height: float):
        self.height = height
        self.fig = Figure(figsize=(W / 72, height / 72), dpi=DPI, facecolor="white")
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, W)
        self.ax.set_ylim(height, 0)
        self.ax.axis("off")

    def text(self, x: float, y: float, text: str, size: float = SIZE, color=DARK, ha: str = "left") -> None:
        # parse_math off: a "$" in a name from a file is a character, not the start of a formula.
        self.ax.text(x, y, text, fontsize=size, color=color, ha=ha, va="top", clip_on=False, parse_math=False)

    def box(self, x: float, y: float, w: float, h: float, color, edge=None, lw: float = 0.0) -> None:
        self.ax.add_patch(Rectangle((x, y), w, h, facecolor=color, edgecolor=edge or "none", linewidth=lw))

    def rule(self, y: float, color=RULE, lw: float = 0.6) -> None:
        self.ax.plot([MARGIN, W - MARGIN], [y, y], color=color, linewidth=lw)

    def inset(self, x: float, y: float, w: float, h: float):
        """An axes occupying the given box (points from the top-left)."""
        return self.fig.add_axes((x / W, 1 - (y + h) / self.height, w / W, h / self.height))

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
        return buf.getvalue()


HEAD_HEIGHT = 34.0
FOOT_HEIGHT = 24.0


def heading(sheet: Sheet, report: Report, title: str) -> float:
    """Title and subtitle; returns the y where the content starts."""
    sheet.text(MARGIN, MARGIN, title, size=11, color="#0d3b66")
    sheet.text(MARGIN, MARGIN + 16, f"{report.region.name} · {report.period.label}", size=7, color=GREY)
    return HEAD_HEIGHT


def footer(sheet: Sheet, report: Report) -> None:
    """The stamp: data version and loads; 示例数据 when any load is demo data."""
    y = sheet.height - FOOT_HEIGHT + 4
    sheet.rule(y - 3)
    demo = "示例数据，非真实统计数 · " if report.stamp.demo else ""
    sheet.text(MARGIN, y, f"{demo}{report.stamp.text}", size=6, color=GREY)


# ---- tables ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    width_mm: float
    align: str = "right"  # left, right or center


# Widths are relative (mm at 170 mm): a table is scaled to the panel's width between the margins.
HEADLINE_LAYOUT = dict(zip(HEADLINE_COLUMNS, (
    Column("指标", 36, "left"), Column("单位", 17, "left"), Column("本期", 16), Column("较上月", 14),
    Column("较上年同期", 15), Column("较上年末", 13), Column("年度目标", 20), Column("完成度", 12), Column("尚差", 13),
    Column("状态", 13, "center"))))
BEHIND_LAYOUT = dict(zip(BEHIND_COLUMNS, (
    Column("指标", 40, "left"), Column("本期", 16), Column("年度目标", 22), Column("序时应达", 16), Column("完成度", 13),
    Column("与序时进度相比", 28), Column("尚差", 16), Column("状态", 13, "center"))))
TABLE_SIZE = 7.0
PAD = 2.5


def _widths(columns: list[Column]) -> list[float]:
    """Column widths in points, scaled to fill the panel between its margins."""
    scale = (W - 2 * MARGIN) / sum(c.width_mm for c in columns)
    return [c.width_mm * scale for c in columns]


def _cell_lines(columns: list[Column], cells: list[str], size: float) -> list[list[str]]:
    return [wrap(text, w - 2 * PAD, size) for w, text in zip(_widths(columns), cells)]


def _row_height(lines: list[list[str]], size: float) -> float:
    return max(len(x) for x in lines) * size * LINE + 2 * PAD


def _draw_cells(sheet: Sheet, columns: list[Column], lines: list[list[str]], y: float, size: float,
                colors: list | None = None) -> None:
    x = MARGIN
    for i, (col, cell, w) in enumerate(zip(columns, lines, _widths(columns))):
        tx = {"left": x + PAD, "right": x + w - PAD, "center": x + w / 2}[col.align]
        for n, text in enumerate(cell):
            sheet.text(tx, y + PAD + n * size * LINE, text, size=size, ha=col.align,
                       color=(colors[i] if colors else None) or DARK)
        x += w


def table_panels(report: Report, key: str, title: str, layout: dict[str, Column], items: list, note: str = "",
                 size: float = TABLE_SIZE) -> list[Panel]:
    """Tables with a header row, an optional band per group (``("group", label)``) and rows (``("row", Row)``), split
    into as many panels as the rows need; the status column is coloured."""
    columns = list(layout.values())
    names = list(layout)
    status_at = names.index("状态") if "状态" in names else None
    header = _cell_lines(columns, names, size)
    header_h = _row_height(header, size)
    measured = []
    for kind, item in items:
        if kind == "group":
            measured.append((kind, item, size * LINE + 2 * PAD))
        else:
            lines = _cell_lines(columns, item.cells(tuple(names)), size)
            measured.append((kind, (item, lines), _row_height(lines, size)))
    note_lines = wrap(note, W - 2 * MARGIN, 6.5) if note else []
    room = MAX_HEIGHT_MM * PT_PER_MM - HEAD_HEIGHT - FOOT_HEIGHT - header_h - len(note_lines) * 10 - 8
    pages, page, used = [], [], 0.0
    for n, entry in enumerate(measured):
        # A group's band stays with its first row.
        needed = entry[2] + (measured[n + 1][2] if entry[0] == "group" and n + 1 < len(measured) else 0)
        if page and used + needed > room:
            pages.append(page)
            page, used = [], 0.0
        page.append(entry)
        used += entry[2]
    pages.append(page)

    panels = []
    for n, page in enumerate(pages, start=1):
        body = sum(e[2] for e in page)
        height = HEAD_HEIGHT + header_h + body + len(note_lines) * 10 + 8 + FOOT_HEIGHT
        sheet = Sheet(height)
        y = heading(sheet, report, title if n == 1 else f"{title}（续）")
        sheet.box(MARGIN, y, W - 2 * MARGIN, header_h, "#0d3b66")
        _draw_cells(sheet, columns, header, y, size, colors=["white"] * len(columns))
        y += header_h
        stripe = False
        for kind, item, h in page:
            if kind == "group":
                sheet.box(MARGIN, y, W - 2 * MARGIN, h, BAND)
                sheet.text(MARGIN + PAD, y + PAD, item, size=size, color="#0d3b66")
                stripe = False
            else:
                row, lines = item
                if stripe:
                    sheet.box(MARGIN, y, W - 2 * MARGIN, h, STRIPE)
                colors = [None] * len(columns)
                if status_at is not None:
                    colors[status_at] = rgb(display.STATUS_RGB[row.status])
                _draw_cells(sheet, columns, lines, y, size, colors)
                stripe = not stripe
            y += h
            sheet.rule(y, lw=0.3)
        for n_line, text in enumerate(note_lines):
            sheet.text(MARGIN, y + 4 + n_line * 10, text, size=6.5, color=GREY)
        footer(sheet, report)
        panels.append(Panel(key if n == 1 else f"{key}-{n}", title if n == 1 else f"{title}（续{n - 1}）",
                            sheet.png(), PAGE_WIDTH_MM, height / PT_PER_MM))
    return panels


def headline_items(report: Report) -> list:
    items = []
    for group in report.groups:
        items.append(("group", group.area))
        items.extend(("row", row) for row in group.rows)
    return items


# ---- monthly charts per business area -----------------------------------------------------------------------------

CELL_TITLE = 34.0
CELL_CHART = 88.0
CELL_GAP = 16.0
LEGEND_HEIGHT = 16.0


def _axis_number(unit: str):
    return FuncFormatter(lambda v, _pos: display.number(v, unit) if math.isfinite(v) else "")


def _mini_chart(ax, row: Row, frame: pd.DataFrame) -> None:
    ind = row.indicator
    months = frame["月"].to_numpy()
    colour = rgb(display.STATUS_RGB[row.status]) if row.card.target else rgb((25, 118, 210))

    def values(column: str) -> np.ndarray:
        return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)

    ax.plot(months, values("上年"), color="#b0b0b0", linewidth=1.0)
    if frame["目标"].notna().any():
        ax.plot(months, values("目标"), color="#c62828", linewidth=0.9, linestyle=(0, (4, 2)))
    if frame["序时进度"].notna().any():
        ax.plot(months, values("序时进度"), color="#ef6c00", linewidth=0.9, linestyle=(0, (1, 1.5)))
    ax.plot(months, values("本年"), color=colour, linewidth=1.6, marker="o", markersize=2.2)
    ax.set_xlim(0.5, 12.5)
    ax.set_xticks([1, 3, 6, 9, 12], ["1月", "3月", "6月", "9月", "12月"])
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.yaxis.set_major_formatter(_axis_number(ind.unit))
    ax.tick_params(labelsize=5.5, length=2, pad=1.5, colors=GREY)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(RULE)
        ax.spines[side].set_linewidth(0.6)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.5)


def _legend(sheet: Sheet, y: float) -> None:
    x = MARGIN
    for label, colour, style, marker in (("本年", "#1976d2", "-", "o"), ("上年", "#b0b0b0", "-", None),
                                         ("年度目标", "#c62828", (0, (4, 2)), None),
                                         ("序时进度", "#ef6c00", (0, (1, 1.5)), None)):
        sheet.ax.plot([x, x + 16], [y + 4, y + 4], color=colour, linestyle=style, linewidth=1.3,
                      marker=marker, markersize=2.2, markevery=[1] if marker else None)
        sheet.text(x + 19, y, label, size=6.5, color=GREY)
        x += 19 + text_width(label, 6.5) + 14
    sheet.text(W - MARGIN, y, "本年线按状态着色；累计指标为本年累计数，“新增”目标为较上年末的增加数", size=6,
               color=GREY, ha="right")


def area_panels(report: Report) -> list[Panel]:
    """One panel per business area (continued when it has more than GRID_COLUMNS × GRID_ROWS indicators)."""
    panels = []
    cell_w = (W - 2 * MARGIN - (GRID_COLUMNS - 1) * CELL_GAP) / GRID_COLUMNS
    cell_h = CELL_TITLE + CELL_CHART + CELL_GAP
    per_panel = GRID_COLUMNS * GRID_ROWS
    for number, group in enumerate(report.groups, start=1):
        # An indicator without a single month of data has nothing to draw (its sentence says 暂无数据).
        pairs = [(row, frame) for row, frame in zip(group.rows, group.monthly)
                 if frame[["本年", "上年"]].notna().any(axis=None)]
        for part in range(0, len(pairs), per_panel):
            chunk = pairs[part:part + per_panel]
            grid_rows = math.ceil(len(chunk) / GRID_COLUMNS)
            height = HEAD_HEIGHT + LEGEND_HEIGHT + grid_rows * cell_h + FOOT_HEIGHT
            sheet = Sheet(height)
            title = f"{group.area}：主要指标逐月走势" + ("" if part == 0 else f"（续{part // per_panel}）")
            y0 = heading(sheet, report, title)
            _legend(sheet, y0)
            y0 += LEGEND_HEIGHT
            for i, (row, frame) in enumerate(chunk):
                x = MARGIN + (i % GRID_COLUMNS) * (cell_w + CELL_GAP)
                y = y0 + (i // GRID_COLUMNS) * cell_h
                # One line per title: a long name is set smaller rather than pushing its chart down.
                name = row.indicator.name
                sheet.text(x, y, name, size=min(7.5, 7.5 * cell_w / text_width(name, 7.5)))
                measure = measure_name(row.indicator.kind, row.card.target)
                status = f" · {row.status}" if row.card.target else ""
                sheet.text(x, y + 12, f"{measure} {display.value_with_unit(row.card.measured, row.indicator.unit)}"
                           f"{status}", size=6.5, color=rgb(display.STATUS_RGB[row.status]) if status else GREY)
                ax = sheet.inset(x + 22, y + CELL_TITLE - 6, cell_w - 24, CELL_CHART - 8)
                _mini_chart(ax, row, frame)
            footer(sheet, report)
            key = f"area-{number}" + ("" if part == 0 else f"-{part // per_panel + 1}")
            panels.append(Panel(key, title, sheet.png(), PAGE_WIDTH_MM, height / PT_PER_MM))
    return panels


# ---- the map --------------------------------------------------------------------------------------------------------

MAP_WIDTH_MM = 104.0
MAP_MAX_HEIGHT_MM = 130.0
LIST_SIZE = 6.5


def _patches(geometry: dict) -> list[MplPath]:
    """Matplotlib paths of a GeoJSON (Multi)Polygon, holes included."""
    shape = shapely.geometry.shape(geometry)
    paths = []
    for polygon in getattr(shape, "geoms", [shape]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        vertices, codes = [], []
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)
            vertices.extend(xy)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
        paths.append(MplPath(np.asarray(vertices), codes))
    return paths


def map_panels(report: Report) -> list[Panel]:
    section = report.map
    if section is None:
        return []
    view, ind = section.view, section.indicator
    west, south, east, north = view.bounds
    # Longitude degrees shrink with latitude: scale y so the map keeps its shape (close to what Web-Mercator shows).
    aspect = 1 / math.cos(math.radians((south + north) / 2))
    map_w = MAP_WIDTH_MM * PT_PER_MM
    map_h = min(map_w * (north - south) * aspect / max(east - west, 1e-9), MAP_MAX_HEIGHT_MM * PT_PER_MM)
    list_x = MARGIN + map_w + 12
    list_w = W - MARGIN - list_x
    legend_h = (len(section.legend) + 1) * 11 + 6
    list_h = legend_h + (len(section.units) + 1) * LIST_SIZE * LINE + 12
    notes = []
    if view.schematic:
        notes.append("乡镇(街道)为示意分区，非真实乡镇边界（虚线）；县(市、区)外轮廓为真实边界（实线）。")
    notes.append("示例地图，仅用于展示指标分布，不作为行政区划界线依据。灰色为未报送。")
    if view.missing:
        notes.append("无边界数据：" + "、".join(name for _, name in view.missing))
    note_lines = [line for note in notes for line in wrap(note, W - 2 * MARGIN, 6.5)]
    body = max(map_h, list_h)
    height = HEAD_HEIGHT + 14 + body + 6 + len(note_lines) * 10 + 6 + FOOT_HEIGHT
    sheet = Sheet(height)
    title = f"分地区：{ind.name}"
    y = heading(sheet, report, title)
    sheet.text(MARGIN, y, f"按{section.level_name}分级着色（分位数）· 单位：{ind.unit}", size=6.5, color=GREY)
    y += 14

    ax = sheet.inset(MARGIN, y, map_w, map_h)
    ax.set_axis_off()
    for feature in section.cells["features"]:
        props = feature["properties"]
        fill = rgb(tuple(props["fill"][:3]))
        for path in _patches(feature["geometry"]):
            ax.add_patch(PathPatch(path, facecolor=fill, edgecolor="white",
                                   linestyle=(0, (3, 2)) if props.get("schematic") else "-", linewidth=0.6))
    if view.outline:
        for path in _patches(view.outline["geometry"]):
            ax.add_patch(PathPatch(path, facecolor="none", edgecolor="#3c3c3c", linewidth=1.0))
    if section.highlight:
        for feature in section.cells["features"]:
            if feature["properties"]["code"] == section.highlight:
                for path in _patches(feature["geometry"]):
                    ax.add_patch(PathPatch(path, facecolor="none", edgecolor="#ff6f00", linewidth=1.6))
    if len(section.cells["features"]) <= 30:
        for feature in section.cells["features"]:
            point = shapely.geometry.shape(feature["geometry"]).representative_point()
            ax.text(point.x, point.y, feature["properties"]["name"], fontsize=5, ha="center", va="center",
                    color=DARK, parse_math=False)
    # Fill the box exactly: a map capped in height gets wider limits, centred.
    span_x = (north - south) * aspect * map_w / map_h
    middle = (west + east) / 2
    ax.set_xlim(middle - max(span_x, east - west) / 2, middle + max(span_x, east - west) / 2)
    ax.set_ylim(south, north)

    ly = y
    for entry in section.legend:
        sheet.box(list_x, ly + 1, 14, 7, rgb(entry.rgb), edge="#999999", lw=0.4)
        sheet.text(list_x + 19, ly, entry.label, size=LIST_SIZE)
        ly += 11
    ly += 8
    rank_w, value_w = 18, 46
    sheet.text(list_x, ly, "排名", size=LIST_SIZE, color=GREY)
    sheet.text(list_x + rank_w, ly, "地区", size=LIST_SIZE, color=GREY)
    sheet.text(list_x + list_w, ly, ind.unit, size=LIST_SIZE, color=GREY, ha="right")
    ly += LIST_SIZE * LINE
    for unit in section.units:
        sheet.text(list_x, ly, str(unit.rank) if unit.rank else "—", size=LIST_SIZE)
        name = unit.name if text_width(unit.name, LIST_SIZE) <= list_w - rank_w - value_w else unit.name[:6] + "…"
        sheet.text(list_x + rank_w, ly, name, size=LIST_SIZE)
        sheet.text(list_x + list_w, ly, unit.text, size=LIST_SIZE, ha="right",
                   color=DARK if unit.value is not None else GREY)
        ly += LIST_SIZE * LINE

    y += body + 6
    for line in note_lines:
        sheet.text(MARGIN, y, line, size=6.5, color=GREY)
        y += 10
    footer(sheet, report)
    return [Panel("map", title, sheet.png(), PAGE_WIDTH_MM, height / PT_PER_MM)]


# ---- all of them ----------------------------------------------------------------------------------------------------


def behind_panels(report: Report) -> list[Panel]:
    title = "需关注：落后于序时进度的指标"
    if not report.behind:
        sheet = Sheet(HEAD_HEIGHT + 24 + FOOT_HEIGHT)
        y = heading(sheet, report, title)
        sheet.text(MARGIN, y + 4, "设有年度目标的指标均未落后于序时进度。")
        footer(sheet, report)
        return [Panel("behind", title, sheet.png(), PAGE_WIDTH_MM, sheet.height / PT_PER_MM)]
    note = (f"序时进度：到{report.period.label}应完成全年的{display.percent(report.period.month / 12)}；"
            "时点和比率指标从上年末值起算。最落后的在前。")
    return table_panels(report, "behind", title, BEHIND_LAYOUT, [("row", r) for r in report.behind], note)


def render(report: Report) -> list[Panel]:
    """Every panel of the report, in report order. Raises fonts.FontMissing without a CJK font."""
    font = fonts.font()
    style = {"font.family": [font.family, "DejaVu Sans"], "axes.unicode_minus": False, "svg.fonttype": "none"}
    with _LOCK, matplotlib.rc_context(style):
        return [
            *table_panels(report, "headline", "主要指标完成情况", HEADLINE_LAYOUT, headline_items(report), TABLE_NOTE),
            *area_panels(report),
            *map_panels(report),
            *behind_panels(report),
        ]
