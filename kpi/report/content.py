"""What a 月报 says: for one region, month and data version, the headline table, the business-area groups with each
indicator's months, the behind-pace list, the sub-region values for the map, the commentary and the stamp.

Every number is computed by the same kpi functions the dashboard uses (scorecard, trend, ranking, choropleth), each
called with the report's ``version``; targets and boundaries are versioned in the warehouse too. So a report made
again "as of" a version after newer loads, revisions or target changes says exactly what it said then. (The catalogue,
the region table and the status thresholds are files, not warehouse rows: they are read as they are now.)

Every number is formatted once, here, through kpi.display; the tables and the commentary both use these strings, so a
sentence can never quote a number the table does not show.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from kpi import choropleth, display, geo, provenance, ranking, scorecard, sql, store, targets, trend
from kpi.catalog import Catalog, Indicator
from kpi.choropleth import LegendEntry
from kpi.periods import Period
from kpi.progress import MET, MONITOR, STATUSES, Thresholds
from kpi.regions import LEVEL_NAMES, Region, RegionIndex
from kpi.report import commentary

# The four indicators every bureau report quotes (DOMAIN.md §4): always in the headline table, target or not.
KEY_INDICATORS = ("EC_R_BED_10K", "EC_CAREGIVER_CERT", "SO_4A_PLUS", "CS_CHARITY_FUNDS")
DEFAULT_MAP_INDICATOR = "EC_R_BED_10K"

HEADLINE_COLUMNS = ("指标", "单位", "本期", "较上月", "较上年同期", "较上年末", "年度目标", "完成度", "尚差", "状态")
OTHER_COLUMNS = ("指标", "单位", "本期", "较上月", "较上年同期", "较上年末")
BEHIND_COLUMNS = ("指标", "本期", "年度目标", "序时应达", "完成度", "与序时进度相比", "尚差", "状态")
UNIT_COLUMNS = ("排名", "地区", "数值", "状态")
TABLE_NOTE = ("本期：时点指标为月末数，累计指标为本年1月至本月累计数，比率按分子合计÷分母合计计算；"
              "比率（%）的变化以百分点计；累计指标不比较上年末；“—”表示无数据或不适用。")


class ReportError(ValueError):
    """A report that cannot be made as asked (unknown region, month or version); the message says why, in Chinese."""


@dataclass(frozen=True)
class Change:
    """A change between two figures as the table shows it: ``text`` the magnitude as kpi.display writes it ("" when
    either figure is missing) and ``sign`` −1, 0 or +1 (0 also when the magnitude rounds to zero)."""

    sign: int
    text: str

    @property
    def missing(self) -> bool:
        return self.text == ""

    @property
    def cell(self) -> str:
        """+1.8 · −1,204 · ±0.0 · —"""
        if self.missing:
            return display.MISSING
        return ("+" if self.sign > 0 else "−" if self.sign < 0 else "±") + self.text


def change_of(delta: float | None, unit: str) -> Change:
    if delta is None:
        return Change(0, "")
    text = display.number(abs(delta), unit)
    if not any(ch in "123456789" for ch in text):  # 0.04 个百分点 shows as 0.0: no change worth a word
        return Change(0, text)
    return Change(1 if delta > 0 else -1, text)


@dataclass(frozen=True)
class Row:
    """One indicator of the report: its card and every string the tables and the commentary show."""

    card: scorecard.Card
    value: str  # 本期 (a flow: 本年累计)
    previous: Change  # 较上月 (a flow: this month's amount; none in January, when the year's sum restarts)
    last_year: Change  # 较上年同期
    year_start: Change  # 较上年末 (none for a flow: its year starts from zero)
    target: str  # 不低于 51.0 · 新增 810 · 3～5 · —
    target_number: str  # the target's number(s) alone: 51.0 · 810 · 3～5; "" without a target
    completion: str  # 完成度 83.0%
    pace_value: str  # 序时应达
    gap: str  # 与序时进度相比: 落后 12.0 个百分点
    remaining: str  # 尚差 (for a ceiling: how far over it); — when met or unknown
    commentary: str = ""

    @property
    def indicator(self) -> Indicator:
        return self.card.indicator

    @property
    def code(self) -> str:
        return self.card.indicator.code

    @property
    def status(self) -> str:
        return self.card.progress.status

    @property
    def has_data(self) -> bool:
        return self.card.value is not None

    def cells(self, columns: tuple[str, ...] = HEADLINE_COLUMNS) -> list[str]:
        by_name = {
            "指标": self.indicator.name, "单位": self.indicator.unit, "本期": self.value,
            "较上月": self.previous.cell, "较上年同期": self.last_year.cell, "较上年末": self.year_start.cell,
            "年度目标": self.target, "完成度": self.completion, "尚差": self.remaining, "状态": self.status,
            "序时应达": self.pace_value, "与序时进度相比": self.gap,
        }
        return [by_name[c] for c in columns]


def target_texts(card: scorecard.Card) -> tuple[str, str]:
    """(table cell, number alone) of the card's target: ("不低于 51.0", "51.0"); ("—", "") without one."""
    if card.target is None:
        return display.MISSING, ""
    t, unit = card.target.target, card.indicator.unit
    number = display.number(t.value, unit)
    if t.value_min is not None:
        number = f"{display.number(t.value_min, unit)}～{number}"
    word = "保持" if t.keep else targets.COMPARATOR_NAMES[t.comparator]
    return f"{word} {number}", number


def row_of(card: scorecard.Card, period: Period) -> Row:
    """The strings of one card (commentary not yet written)."""
    ind, prog = card.indicator, card.progress
    unit = ind.unit
    flow = ind.kind == "flow"
    target, target_number = target_texts(card)
    previous = None if flow and period.month == 1 else scorecard.change(card.figure, card.previous)
    judged = card.target is not None and prog.status != MONITOR
    remaining = prog.remaining if judged and prog.status != MET else None
    return Row(
        card=card,
        value=display.number(card.value, unit),
        previous=change_of(previous, unit),
        last_year=change_of(scorecard.change(card.figure, card.last_year), unit),
        year_start=change_of(None if flow else scorecard.change(card.figure, card.year_end), unit),
        target=target,
        target_number=target_number,
        completion=display.percent(prog.completion) if judged else display.MISSING,
        pace_value=display.number(prog.pace_value, unit) if judged else display.MISSING,
        gap=display.points(prog.gap) if judged else display.MISSING,
        remaining=display.number(remaining, unit),
    )


@dataclass(frozen=True)
class Group:
    """The headline indicators of one business area, with each one's months (kpi.trend.monthly frames)."""

    area: str
    rows: tuple[Row, ...]
    monthly: tuple[pd.DataFrame, ...]  # same order as rows


@dataclass(frozen=True)
class UnitValue:
    """One sub-region on the map and in the list beside it."""

    code: str
    name: str
    value: float | None
    text: str  # the value as kpi.display writes it, or 未报送
    rank: int | None
    status: str


@dataclass(frozen=True)
class MapSection:
    """The choropleth of one indicator over the sub-regions, and their values."""

    indicator: Indicator
    view: geo.MapView
    cells: dict  # the view's FeatureCollection painted by kpi.choropleth (properties.fill: RGBA)
    legend: tuple[LegendEntry, ...]
    units: tuple[UnitValue, ...]  # best first, unreported last
    highlight: str | None  # a township report shows its county with the township outlined
    commentary: str = ""

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.view.level]


@dataclass(frozen=True)
class Stamp:
    """What the report was made from: the data version, when it was made, and the loads in force at it."""

    version: int
    version_at: dt.datetime | None
    loads: int
    latest_loaded_at: dt.datetime | None
    demo: bool

    @property
    def text(self) -> str:
        made = f"（{self.version_at:%Y-%m-%d %H:%M}）" if self.version_at else ""
        latest = f"，最近一次导入于 {self.latest_loaded_at:%Y-%m-%d %H:%M}" if self.latest_loaded_at else ""
        return f"数据版本 v{self.version}{made}：含有效导入批次 {self.loads} 个{latest}"


def stamp(con: duckdb.DuckDBPyConnection, version: int) -> Stamp:
    version_at, loads, latest, demo = con.execute(sql.REPORT_STAMP, {"version": version}).fetchall()[0]
    return Stamp(version, version_at, int(loads), latest, bool(demo))


@dataclass(frozen=True)
class Report:
    region: Region
    period: Period
    stamp: Stamp
    where: str  # 全市 · 全区 · 全街道: how the commentary names the region
    rows: tuple[Row, ...]  # the headline table, catalogue order
    others: tuple[Row, ...]  # every other indicator with data (the appendix)
    groups: tuple[Group, ...]
    behind: tuple[Row, ...]  # behind pace, furthest behind first
    map: MapSection | None
    summary: str

    @property
    def title(self) -> str:
        return f"{self.region.name}民政主要指标月报（{self.period.label}）"

    @property
    def file_stem(self) -> str:
        """月报_宁波市_2026-10_v2826: the name every output file starts with."""
        return f"月报_{self.region.name}_{self.period}_v{self.stamp.version}"

    @property
    def counts(self) -> dict[str, int]:
        """How many headline rows are in each status, in STATUSES order (zero counts left out)."""
        counts = {s: 0 for s in STATUSES}
        for row in self.rows:
            counts[row.status] += 1
        return {s: n for s, n in counts.items() if n}


def check_version(con: duckdb.DuckDBPyConnection, version: int | None) -> int:
    """``version`` (default: the current one) if the warehouse has it; ReportError otherwise."""
    current = store.current_version(con)
    if current == 0:
        raise ReportError("数据库中还没有数据，请先导入报表。")
    if version is None:
        return current
    if not 1 <= int(version) <= current:
        raise ReportError(f"数据版本 v{version} 不存在：数据库当前为 v{current}，可选 v1 至 v{current}。")
    return int(version)


@dataclass(frozen=True)
class Basis:
    """The data version a report is made as of, and when that version was written: together they name one event even
    across a rebuilt or restored warehouse, whose versions start again at 1."""

    version: int
    at: dt.datetime | None


def data_version(con: duckdb.DuckDBPyConnection, regions: RegionIndex, region_code: str, period: Period,
                 version: int | None = None) -> Basis:
    """The newest version up to ``version`` (default: now) that changed anything the report of ``region_code`` for
    ``period`` reads: a load or revert with a value up to that month in the region's subtree, or in its county's for
    a township (whose map ranks the county's townships); or any target or boundary change. The report as of it says
    exactly what the report as of ``version`` says, so it is what the report is made as of and stamped with: a load for
    another county, or for a later month, leaves a report (and its cached pictures) as they were. Raises ReportError
    for a version the warehouse does not have; an unknown region or month is left to ``build`` to refuse."""
    version = check_version(con, version)
    region = regions.get(str(region_code).strip())
    changed = None
    if region is not None and period.span == "month":
        shown = region if geo.drill_level(region) is not None else regions.get(region.parent_code or "") or region
        changed = con.execute(sql.REPORT_DATA_VERSION,
                              {"version": version, "scope": shown.code, "until": period.end}).fetchall()[0][0]
    if changed is not None and changed < version:
        # The one thing read outside the region: the warehouse's latest month, which a report's month may not pass.
        latest = provenance.latest_period(con, changed)
        if latest is None or period > latest:
            changed = None
    made = version if changed is None else int(changed)
    return Basis(made, con.execute(sql.EVENT_TIME, {"version": made}).fetchall()[0][0])


def build(con: duckdb.DuckDBPyConnection, catalog: Catalog, regions: RegionIndex, region_code: str, period: Period,
          version: int | None = None, thresholds: Thresholds = Thresholds(),
          map_indicator: str = DEFAULT_MAP_INDICATOR,
          key_indicators: tuple[str, ...] = KEY_INDICATORS) -> Report:
    """The 月报 of ``region_code`` for the month ``period`` as of data ``version`` (default: now).

    The headline table holds every indicator with a confirmed annual target for the region and year, plus
    ``key_indicators``; every other indicator with data goes to the appendix. Raises ReportError (Chinese message)
    for an unknown region or version, a period that is not a month or has no data yet, or a region without any data.
    """
    region = regions.get(str(region_code).strip())
    if region is None or region.status != "current":
        raise ReportError(f"区划代码“{region_code}”不在地区表中：应为现行地区的12位区划代码，如 330200000000。")
    if period.span != "month":
        raise ReportError(f"月报的报告期应为一个月份，如 2026-10（收到“{period}”）。")
    version = check_version(con, version)
    latest = provenance.latest_period(con, version)
    if latest is None:
        raise ReportError(f"截至数据版本 v{version}，数据库中还没有数据。")
    if period > latest:
        raise ReportError(f"{period.label}还没有数据：截至数据版本 v{version}，最新报告期为{latest.label}。")

    book = targets.book(con, version)
    cards = scorecard.cards(con, catalog, book, region.code, period, thresholds=thresholds, version=version)
    if all(c.value is None for c in cards):
        raise ReportError(f"{region.name}{period.label}没有任何指标数据（截至数据版本 v{version}）。")
    where = commentary.where(region)

    def written(card: scorecard.Card) -> Row:
        row = row_of(card, period)
        return dataclasses.replace(row, commentary=commentary.indicator(row, period, where))

    headline = [c for c in cards if c.target is not None or c.indicator.code in key_indicators]
    rows = tuple(written(c) for c in headline)
    by_code = {r.code: r for r in rows}
    others = tuple(row_of(c, period) for c in cards if c.indicator.code not in by_code and c.value is not None)
    groups = []
    for area in catalog.areas():
        in_area = tuple(r for r in rows if r.indicator.area == area)
        if in_area:
            monthly = tuple(trend.monthly(con, catalog, r.code, region.code, period, r.card.target, version=version)
                            for r in in_area)
            groups.append(Group(area, in_area, monthly))
    behind = tuple(by_code[c.indicator.code] for c in scorecard.attention(list(headline)))
    section = map_section(con, catalog, regions, book, region, period, map_indicator, thresholds, version)
    return Report(region, period, stamp(con, version), where, rows, others, tuple(groups), behind, section,
                  commentary.summary(rows, behind, period, where))


def map_section(con: duckdb.DuckDBPyConnection, catalog: Catalog, regions: RegionIndex, book: targets.TargetBook,
                region: Region, period: Period, code: str, thresholds: Thresholds, version: int) -> MapSection | None:
    """The map of ``region``'s sub-regions (a township: its county's, with it outlined) painted with ``code``, from the
    boundaries in force at ``version``; None when there is nothing to draw."""
    if code not in catalog or not geo.has_boundaries(con):
        return None
    shown = region if geo.drill_level(region) is not None else regions.get(region.parent_code or "")
    if shown is None:
        return None
    view = geo.map_view(con, shown.code, version=version)
    if not view.features["features"]:
        return None
    ind = catalog.get(code)
    units = [regions.get(f["properties"]["code"]) for f in view.features["features"]]
    ranked = ranking.compare(con, catalog, book, [u for u in units if u is not None], code, period, thresholds,
                             version)
    cells, legend = choropleth.paint(view.features, ranked, ind)
    values = tuple(UnitValue(r.region.code, r.region.name, r.figure.value,
                             display.number(r.figure.value, ind.unit) if r.figure.value is not None else "未报送",
                             r.rank, r.progress.status) for r in ranked)
    section = MapSection(ind, view, cells, tuple(legend), values, region.code if shown is not region else None)
    return dataclasses.replace(section, commentary=commentary.map_text(section))
