"""Sub-regions of a region compared on one indicator: who leads, who lags, who has not reported.

The regions compared are the ones a bureau manages one level down: a county's townships, a city's districts. A city or
province with a single unit below it (湖州市 holds only 南浔区 here) is looked through to the level below that, so
a ranking never has one row.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kpi import aggregate
from kpi.aggregate import Figure
from kpi.catalog import Catalog
from kpi.periods import Period
from kpi.progress import Progress, Thresholds
from kpi.regions import Region, RegionIndex
from kpi.scorecard import judge
from kpi.targets import TargetBook, TargetRecord


@dataclass(frozen=True)
class RankRow:
    region: Region
    figure: Figure
    year_end: Figure
    target: TargetRecord | None
    progress: Progress
    rank: int | None  # 1 = best in the indicator's direction; None when missing (or the indicator is monitor-only)


def sub_regions(regions: RegionIndex, code: str) -> list[Region]:
    """The current units one level below ``code``, looking through a level that has a single unit."""
    children = [r for r in regions.children(code) if r.status == "current"]
    if len(children) == 1 and regions.children(children[0].code):
        return sub_regions(regions, children[0].code)
    return children


def rank(catalog: Catalog, code: str, rows: list[tuple[Region, Figure]]) -> dict[str, int | None]:
    """Competition ranking ("1, 2, 2, 4") by value in the indicator's direction; missing values are unranked."""
    ind = catalog.get(code)
    present = [(r, f) for r, f in rows if f.value is not None]
    reverse = ind.direction != "down"
    present.sort(key=lambda rf: rf[1].value, reverse=reverse)
    out: dict[str, int | None] = {r.code: None for r, _ in rows}
    previous, position = None, 0
    for i, (region, fig) in enumerate(present, start=1):
        if fig.value != previous:
            position, previous = i, fig.value
        out[region.code] = position
    return out


def ranking(con: duckdb.DuckDBPyConnection, catalog: Catalog, regions: RegionIndex, book: TargetBook, region: str,
            code: str, period: Period, thresholds: Thresholds = Thresholds(),
            version: int | None = None) -> list[RankRow]:
    """One row per sub-region, best first, missing last (in code order)."""
    return compare(con, catalog, book, sub_regions(regions, region), code, period, thresholds, version)


def compare(con: duckdb.DuckDBPyConnection, catalog: Catalog, book: TargetBook, units: list[Region], code: str,
            period: Period, thresholds: Thresholds = Thresholds(), version: int | None = None) -> list[RankRow]:
    """``units`` ranked on one indicator, each with its target and status: best first, missing last."""
    if not units:
        return []
    codes = [r.code for r in units]
    year_end_period = period.last_year_end()
    figs = aggregate.series(con, catalog, [code], codes, [period, year_end_period], version)
    ind = catalog.get(code)
    now = [(r, figs[(r.code, code, period)]) for r in units]
    ranks = rank(catalog, code, now)
    rows = []
    for r, fig in now:
        year_end = figs[(r.code, code, year_end_period)]
        target = book.get(r.code, code, period.year)
        rows.append(RankRow(r, fig, year_end, target, judge(ind, fig, year_end, target, period, thresholds),
                            ranks[r.code]))
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.region.code))
    return rows
