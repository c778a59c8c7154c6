"""十五五规划: for a region and its 2030 (five-year) targets, the plan indicator table — 2020 (十三五末), 2025 base
(十四五末), 2030 target, the yearly pace the target requires — and whether the recent trend gets there.

Yearly values are December's figure of each year from 2019, and for the current year the latest month's figure (a stock
or ratio read in October is placed at x = year − 2/12 on the time axis; a flow's part-year total is not comparable with
whole years, so it is left out of the fit).

Required pace (年均增速/年均增量), from the 2025 base to the 2030 target over five years:
- counts and amounts (张, 人, 家, 万元 …) grow by a compound rate, (target ÷ base)^(1/5) − 1, the way plans write
  "年均增长 x%";
- ratios and percentages (每万名老年人拥有…, …率, …占比) move by a yearly increment, (target − base) ÷ 5, written
  "年均提高 x 个百分点 / x 张".

Projection: an ordinary least-squares line through the most recent ``RECENT_YEARS`` yearly values (five points at most:
anything fancier on so few points is a black box). The band is the textbook 95% prediction interval of that line,
±1.96 · s · √(1 + 1/n + (x − x̄)² / Σ(xᵢ − x̄)²) with s the residual standard deviation (n − 2 degrees of freedom): it
widens the further 2030 lies beyond the data. With two points there is no residual, so no band. Projections are kept
within 0–100 for percentages and at or above 0 otherwise.

Status of a target, from the projected 2030 value and its band (reversed for a lower-is-better indicator or a "<="
target): projection reaches the target → 按期可达; the target lies inside the band → 有风险; else → 难以达到.

Pure: the database is read only through kpi.aggregate; nothing here knows about pages.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import duckdb
import openpyxl
from openpyxl.styles import Alignment, Font

from kpi import aggregate, choropleth, display
from kpi.catalog import Catalog, Indicator
from kpi.periods import Period
from kpi.targets import TargetRecord

FIRST_YEAR = 2019
PREVIOUS_PLAN_END = 2020  # 十三五末
BASE_YEAR = 2025  # 十四五末: the base of the 十五五 plan
PLAN_YEAR = 2030
RECENT_YEARS = 5
Z95 = 1.96
REACH_HORIZON = 2050  # "the year reached" further out than this is reported as not reached
ON_COURSE, AT_RISK, OFF_COURSE, TOO_FEW = "按期可达", "有风险", "难以达到", "数据不足"
STATUSES = (ON_COURSE, AT_RISK, OFF_COURSE, TOO_FEW)
STATUS_RGB = {ON_COURSE: (46, 125, 50), AT_RISK: (239, 108, 0), OFF_COURSE: (198, 40, 40), TOO_FEW: (158, 158, 158)}
TABLE_COLUMNS = ("指标", "单位", "2020年", "2025年基期", "2030年目标", "年均增速/年均增量", "属性", "预计2030年", "状态")
# ColorBrewer Reds, light to dark: darker = further from the 2030 target.
REDS = [(254, 229, 217), (252, 174, 145), (251, 106, 74), (222, 45, 38), (165, 15, 21)]


# ---- the maths ------------------------------------------------------------------------------------------------------


def uses_increment(ind: Indicator) -> bool:
    """Ratios and percentages move by a yearly increment; counts and amounts by a compound rate."""
    return ind.is_ratio or ind.unit == "%"


def required_pace(ind: Indicator, base: float | None, target: float | None,
                  years: int = PLAN_YEAR - BASE_YEAR) -> float | None:
    """The yearly compound rate (0.05 = 5%) or yearly increment (in the unit) that takes ``base`` to ``target``."""
    if base is None or target is None:
        return None
    if uses_increment(ind):
        return (target - base) / years
    if base <= 0 or target < 0:
        return None
    return (target / base) ** (1 / years) - 1


def required_path(ind: Indicator, base: float, pace: float, year: float) -> float:
    """Where the plan should stand in ``year`` on the required path from the 2025 base."""
    t = year - BASE_YEAR
    return base + pace * t if uses_increment(ind) else base * (1 + pace) ** t


def pace_text(ind: Indicator, pace: float | None) -> str:
    if pace is None:
        return display.MISSING
    if uses_increment(ind):
        unit = "个百分点" if ind.unit == "%" else ind.unit
        return f"年均{'提高' if pace >= 0 else '降低'} {display.number(abs(pace), ind.unit)} {unit}"
    return f"年均{'增长' if pace >= 0 else '下降'} {abs(pace) * 100:.1f}%"


@dataclass(frozen=True)
class Projection:
    """A least-squares line value = intercept + slope · x through ``points`` (x in years), with its prediction band."""

    slope: float
    intercept: float
    residual_std: float | None  # None with two points: no residuals to speak of
    n: int
    x_mean: float
    sxx: float

    def at(self, x: float) -> float:
        return self.intercept + self.slope * x

    def band(self, x: float) -> tuple[float, float]:
        if self.residual_std is None:
            v = self.at(x)
            return v, v
        half = Z95 * self.residual_std * math.sqrt(1 + 1 / self.n + (x - self.x_mean) ** 2 / self.sxx)
        return self.at(x) - half, self.at(x) + half


def fit(points: list[tuple[float, float]], recent: int = RECENT_YEARS) -> Projection | None:
    """The line through the last ``recent`` points (x, value); None with fewer than two."""
    pts = sorted(points)[-recent:]
    n = len(pts)
    if n < 2:
        return None
    xm = sum(x for x, _ in pts) / n
    ym = sum(y for _, y in pts) / n
    sxx = sum((x - xm) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    slope = sum((x - xm) * (y - ym) for x, y in pts) / sxx
    intercept = ym - slope * xm
    std = None
    if n > 2:
        std = math.sqrt(sum((y - intercept - slope * x) ** 2 for x, y in pts) / (n - 2))
    return Projection(slope, intercept, std, n, xm, sxx)


def clamp(ind: Indicator, value: float) -> float:
    """A straight line runs past 100% and below zero; a percentage cannot."""
    if ind.unit == "%":
        return min(max(value, 0.0), 100.0)
    return max(value, 0.0)


def lower_is_better(ind: Indicator, record: TargetRecord | None) -> bool:
    return ind.direction == "down" or (record is not None and record.target.comparator == "<=")


def year_reached(proj: Projection | None, target: float, latest: tuple[float, float] | None, down: bool) -> int | None:
    """The first year (whole) in which the trend line reaches ``target``: the latest year when the latest value
    already does; None when the trend runs away from it or reaches it only after REACH_HORIZON."""
    if latest is not None and (latest[1] <= target if down else latest[1] >= target):
        return math.ceil(latest[0])
    if proj is None or proj.slope == 0 or (proj.slope < 0) != down:
        return None
    x = (target - proj.intercept) / proj.slope
    year = math.ceil(x - 1e-9)
    return year if year <= REACH_HORIZON else None


def status(projected: float | None, band: tuple[float, float] | None, target: float | None, down: bool) -> str:
    if projected is None or target is None:
        return TOO_FEW
    if (projected <= target) if down else (projected >= target):
        return ON_COURSE
    if band is not None and band[0] <= target <= band[1]:
        return AT_RISK
    return OFF_COURSE


# ---- one indicator's row --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    indicator: Indicator
    record: TargetRecord | None
    points: tuple[tuple[float, float], ...]  # (x, value): x = year for December, year − (12 − month)/12 otherwise
    value_2020: float | None
    base: float | None
    base_source: str  # 数据库 | 目标基期值 | ""
    target: float | None
    pace: float | None
    projection: Projection | None
    projected: float | None
    band: tuple[float, float] | None
    reached: int | None
    status: str
    inherited: bool = False  # the target is the parent region's (a sub-region without a 2030 target of its own)

    @property
    def attribute(self) -> str:
        return (self.record.plan_attribute if self.record else "") or ""

    @property
    def latest(self) -> tuple[float, float] | None:
        return self.points[-1] if self.points else None

    def value_in(self, year: int) -> float | None:
        return next((v for x, v in self.points if x == year), None)


def assess(ind: Indicator, record: TargetRecord | None, points: list[tuple[float, float]],
           inherited: bool = False) -> PlanRow:
    """A plan row from the yearly ``points`` (x, value) and the 2030 target ``record`` (None: monitored only)."""
    points = sorted(points)
    by_x = dict(points)
    base = by_x.get(BASE_YEAR)
    source = "数据库" if base is not None else ""
    if base is None and record is not None and record.base_value is not None and not inherited:
        base, source = record.base_value, "目标基期值"
    target = record.target.value if record else None
    proj = fit(points)
    projected = clamp(ind, proj.at(PLAN_YEAR)) if proj else None
    band = tuple(clamp(ind, v) for v in proj.band(PLAN_YEAR)) if proj else None
    down = lower_is_better(ind, record)
    reached = year_reached(proj, target, points[-1] if points else None, down) if target is not None else None
    return PlanRow(ind, record, tuple(points), by_x.get(PREVIOUS_PLAN_END), base, source, target,
                   required_pace(ind, base, target), proj, projected, band, reached,
                   status(projected, band, target, down), inherited)


# ---- reading the warehouse ------------------------------------------------------------------------------------------


def year_periods(latest: Period) -> list[Period]:
    """December of every year from FIRST_YEAR before ``latest``'s year, and ``latest`` itself (a month)."""
    last = Period(latest.year, latest.month, "month")
    return [Period(y, 12, "month") for y in range(FIRST_YEAR, last.year)] + [last]


def x_of(period: Period) -> float:
    return period.year - (12 - period.month) / 12


def yearly_points(con: duckdb.DuckDBPyConnection, catalog: Catalog, codes: list[str], regions: list[str],
                  latest: Period, version: int | None = None) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(region, code) → [(x, value)] for the plan years, from one aggregate.series query."""
    periods = year_periods(latest)
    figs = aggregate.series(con, catalog, codes, regions, periods, version)
    out: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for region in regions:
        for code in codes:
            ind = catalog.get(code)
            pts = []
            for p in periods:
                value = figs[(region, code, p)].value
                if value is None or (ind.kind == "flow" and p.month != 12):
                    continue
                pts.append((x_of(p), value))
            out[(region, code)] = pts
    return out


def plan_targets(records: list[TargetRecord], region_code: str) -> dict[str, TargetRecord]:
    """The region's confirmed 2030 targets by indicator."""
    return {r.target.indicator_code: r for r in records
            if r.target.region_code == region_code and r.target.kind == "five_year" and r.target.year == PLAN_YEAR}


def plan(con: duckdb.DuckDBPyConnection, catalog: Catalog, records: list[TargetRecord], region_code: str,
         latest: Period, parent_code: str | None = None, version: int | None = None) -> list[PlanRow]:
    """One row per indicator with a 2030 target for ``region_code`` — or, for a region without any, the indicators of
    ``parent_code``'s plan (its ratio and percentage targets apply as they are; counts have no target of their own)."""
    own = plan_targets(records, region_code)
    inherited: dict[str, TargetRecord] = {}
    if parent_code:
        for code, rec in plan_targets(records, parent_code).items():
            if code not in own:
                inherited[code] = rec
    codes = list(own) + [c for c in inherited if c not in own]
    codes = [c for c in codes if c in catalog]
    points = yearly_points(con, catalog, codes, [region_code], latest, version)
    rows = []
    for code in codes:
        ind = catalog.get(code)
        if code in own:
            rows.append(assess(ind, own[code], points[(region_code, code)]))
        else:
            rec = inherited[code] if uses_increment(ind) else None
            rows.append(assess(ind, rec, points[(region_code, code)], inherited=rec is not None))
    return rows


# ---- scenario -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Driver:
    """A ratio's numerator or denominator: its latest value and the yearly growth its own trend implies."""

    indicator: Indicator
    latest: tuple[float, float] | None  # (x, value)
    trend_growth: float | None  # compound yearly rate from the latest value to its trend's 2030 value

    def at(self, year: float, growth: float | None = None) -> float | None:
        g = self.trend_growth if growth is None else growth
        if self.latest is None or g is None:
            return None
        x, v = self.latest
        return v * (1 + g) ** (year - x)


def driver(ind: Indicator, points: list[tuple[float, float]]) -> Driver:
    points = sorted(points)
    if not points:
        return Driver(ind, None, None)
    x, v = points[-1]
    proj = fit(points)
    growth = None
    if proj is not None and v > 0 and PLAN_YEAR > x:
        end = proj.at(PLAN_YEAR)
        growth = (end / v) ** (1 / (PLAN_YEAR - x)) - 1 if end > 0 else -1.0
    return Driver(ind, (x, v), growth)


@dataclass(frozen=True)
class Scenario:
    numerator: float | None
    denominator: float | None
    value: float | None  # the ratio in the scenario year


def scenario(ratio: Indicator, numerator: Driver, denominator: Driver,
             overrides: dict[str, float] | None = None, year: int = PLAN_YEAR) -> Scenario:
    """The ratio in ``year`` from its parts grown at their trend rate, or at the yearly rate in ``overrides``
    (indicator code → rate, 0.03 = 3%) for either part: beds per 10,000 elderly fall when the 60+ population grows faster
    than the beds."""
    overrides = overrides or {}
    n = numerator.at(year, overrides.get(numerator.indicator.code))
    d = denominator.at(year, overrides.get(denominator.indicator.code))
    value = n / d * (ratio.scale or 1.0) if n is not None and d else None
    return Scenario(n, d, value)


def drivers(con: duckdb.DuckDBPyConnection, catalog: Catalog, ratio_code: str, region_code: str, latest: Period,
            version: int | None = None) -> tuple[Driver, Driver]:
    num, den = catalog.parts(ratio_code)
    pts = yearly_points(con, catalog, [num.code, den.code], [region_code], latest, version)
    return driver(num, pts[(region_code, num.code)]), driver(den, pts[(region_code, den.code)])


# ---- the map: sub-regions against their share of the target --------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    region_code: str
    latest: float | None
    target: float | None  # the unit's own 2030 target, or its share of the parent's
    basis: str  # 本级目标 | 上级目标（比率） | 按2025年基期值分摊上级目标
    gap: float | None  # the way still to go as a share of the target: 0 = reached, 0.2 = 20% short

    @property
    def text(self) -> str:
        return display.MISSING if self.gap is None else f"尚差 {max(self.gap, 0) * 100:.1f}%"


def gaps(con: duckdb.DuckDBPyConnection, catalog: Catalog, records: list[TargetRecord], parent: PlanRow,
         parent_code: str, units: list[str], latest: Period, version: int | None = None) -> list[Gap]:
    """How far each of ``units`` is from its 2030 target: its own target when it has one; otherwise the parent's for a
    ratio or percentage, and for a count the parent's target shared in proportion to the unit's 2025 base."""
    ind = parent.indicator
    pts = yearly_points(con, catalog, [ind.code], units, latest, version)
    down = lower_is_better(ind, parent.record)
    out = []
    for code in units:
        points = dict(pts[(code, ind.code)])
        latest_value = points[max(points)] if points else None
        own = plan_targets(records, code).get(ind.code)
        if own is not None:
            target, basis = own.target.value, "本级目标"
        elif parent.target is None:
            target, basis = None, ""
        elif uses_increment(ind):
            target, basis = parent.target, "上级目标（比率）"
        else:
            base = points.get(BASE_YEAR)
            share = base / parent.base if base is not None and parent.base else None
            target = parent.target * share if share is not None else None
            basis = "按2025年基期值分摊上级目标"
        gap = None
        if latest_value is not None and target:
            gap = (latest_value - target) / abs(target) if down else (target - latest_value) / abs(target)
        out.append(Gap(code, latest_value, target, basis, gap))
    return out


def paint_gaps(features: dict, found: list[Gap], ind: Indicator, names: dict[str, str] | None = None
               ) -> tuple[dict, list[choropleth.LegendEntry]]:
    """Features filled by the gap class (darker red = further from the target; reached = the lightest class), grey
    where there is no value or no target."""
    by_code = {g.region_code: g for g in found}
    values = [max(g.gap, 0.0) for g in found if g.gap is not None]
    bounds = choropleth.breaks(values, "quantile") if values else []
    k = len(bounds)
    colours = [REDS[round(i * (len(REDS) - 1) / max(k - 1, 1))] for i in range(k)] if k > 1 else [REDS[2]]
    painted = []
    for feature in features["features"]:
        props = dict(feature["properties"])
        g = by_code.get(props["code"])
        if g is not None and g.gap is not None and bounds:
            rgb = colours[choropleth.class_of(max(g.gap, 0.0), bounds)]
        else:
            rgb = choropleth.MISSING_RGB
        props.update({
            "fill": [*rgb, 230],
            "value_text": display.value_with_unit(g.latest, ind.unit) if g and g.latest is not None else "未报送",
            "target_text": display.value_with_unit(g.target, ind.unit) if g and g.target is not None else "无目标值",
            "gap_text": g.text if g else display.MISSING,
            "basis": g.basis if g else "",
        })
        painted.append({**feature, "properties": props})
    legend = []
    low = 0.0
    for rgb, high in zip(colours, bounds):
        legend.append(choropleth.LegendEntry(rgb, f"{low * 100:.1f}% – {high * 100:.1f}%"))
        low = high
    legend.append(choropleth.LegendEntry(choropleth.MISSING_RGB, "无数据或无目标"))
    return {"type": "FeatureCollection", "features": painted}, legend


# ---- the plan table and its xlsx ------------------------------------------------------------------------------------


def table_rows(rows: list[PlanRow]) -> list[list]:
    """The plan table as plans print it (TABLE_COLUMNS), numbers as shown on screen."""
    out = []
    for r in rows:
        ind = r.indicator
        target = display.number(r.target, ind.unit) if r.target is not None else display.MISSING
        if r.inherited:
            target += "（上级目标）"
        out.append([ind.name, ind.unit, display.number(r.value_2020, ind.unit), display.number(r.base, ind.unit),
                    target, pace_text(ind, r.pace), r.attribute or display.MISSING,
                    display.number(r.projected, ind.unit), r.status if r.target is not None else "仅监测"])
    return out


def table_xlsx(rows: list[PlanRow], region_name: str, latest: Period) -> bytes:
    """The plan indicator table as an xlsx: a title row, the header, one row per indicator. Numbers are written as
    numbers (the 2020, 2025, 2030 and projected columns) so they can be recomputed in Excel."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "十五五规划指标"
    sheet.append([f"{region_name}民政事业发展“十五五”规划主要指标（数据截至{latest.label}）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TABLE_COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(TABLE_COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)

    def num(v):
        return None if v is None else round(float(v), 4)

    for r, shown in zip(rows, table_rows(rows)):
        sheet.append([shown[0], shown[1], num(r.value_2020), num(r.base), num(r.target), shown[5], r.attribute,
                      num(r.projected), shown[8]])
    for column, width in zip("ABCDEFGHI", (34, 14, 12, 12, 12, 22, 10, 12, 10)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Chart:
    """What the per-indicator chart draws, in plain lists (the page hands them to plotly)."""

    history: list[tuple[float, float]] = field(default_factory=list)
    required: list[tuple[float, float]] = field(default_factory=list)
    projection: list[tuple[float, float, float, float]] = field(default_factory=list)  # x, value, low, high


def chart(row: PlanRow) -> Chart:
    c = Chart(history=list(row.points))
    if row.base is not None and row.pace is not None:
        c.required = [(y, required_path(row.indicator, row.base, row.pace, y)) for y in range(BASE_YEAR, PLAN_YEAR + 1)]
    if row.projection is not None and row.points:
        start = row.points[-1][0]
        xs = [start] + [y for y in range(math.floor(start) + 1, PLAN_YEAR + 1)]
        ind = row.indicator
        c.projection = [(x, clamp(ind, row.projection.at(x)), *(clamp(ind, v) for v in row.projection.band(x)))
                        for x in xs]
    return c
