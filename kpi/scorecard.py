"""Each indicator of a region and period as a card: its figure, the comparisons staff quote, its target and status.

One ``aggregate.series`` call computes every figure a page needs (the period, the previous period, the same period
last year, last year-end and the twelve months of the trend), so an overview costs one scan of the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kpi import aggregate
from kpi.aggregate import Figure
from kpi.catalog import Catalog, Indicator
from kpi.periods import Period
from kpi.progress import BEHIND, MONITOR, SEVERELY_BEHIND, Progress, Target, Thresholds, assess
from kpi.targets import TargetBook, TargetRecord

TREND_MONTHS = 12


@dataclass(frozen=True)
class Card:
    indicator: Indicator
    figure: Figure
    previous: Figure  # the period before (上期)
    last_year: Figure  # the same period a year earlier (同期)
    year_end: Figure  # last December (上年末): the start of a stock's path to its target
    target: TargetRecord | None
    progress: Progress
    trend: tuple[Figure, ...]  # the months up to the period, oldest first

    @property
    def value(self) -> float | None:
        return self.figure.value

    @property
    def behind(self) -> bool:
        return self.progress.status in (BEHIND, SEVERELY_BEHIND)

    @property
    def measured(self) -> float | None:
        """The number the target is judged on: the figure itself, or for a "新增" target on a stock (新增4A级社会组织
        10家) the increase since last year-end."""
        return measured_value(self.indicator, self.figure, self.year_end, self.target)


def change(now: Figure, then: Figure) -> float | None:
    """now − then, or None when either is missing. For a ratio in % this is in percentage points."""
    if now.value is None or then.value is None:
        return None
    return now.value - then.value


def change_rate(now: Figure, then: Figure) -> float | None:
    """Relative change (增幅); None when either is missing or the earlier value is zero."""
    if now.value is None or not then.value:
        return None
    return (now.value - then.value) / abs(then.value)


def measured_value(ind: Indicator, fig: Figure, year_end: Figure, target: TargetRecord | None) -> float | None:
    if target is None or fig.value is None:
        return fig.value
    if target.target.comparator == "+" and ind.kind != "flow":
        return None if year_end.value is None else fig.value - year_end.value
    return fig.value


def judge(ind: Indicator, fig: Figure, year_end: Figure, target: TargetRecord | None, period: Period,
          thresholds: Thresholds = Thresholds()) -> Progress:
    """The status of one figure against its annual target, paced by the period's last month."""
    goal: Target | None = target.target if target else None
    value = measured_value(ind, fig, year_end, target)
    kind = "flow" if goal is not None and goal.comparator == "+" else ind.kind
    return assess(value, goal, period.month, kind=kind, direction=ind.direction, base=year_end.value,
                  thresholds=thresholds)


def comparison_periods(period: Period) -> list[Period]:
    """Every period a card reads: the period, its comparisons and the trend months (month spans)."""
    trend = trend_periods(period)
    return [period, period.previous(), period.same_period_last_year(), period.last_year_end(), *trend]


def trend_periods(period: Period, months: int = TREND_MONTHS) -> list[Period]:
    last = Period(period.year, period.month, "month")
    return [last.shift_months(-i) for i in range(months - 1, -1, -1)]


def cards(con: duckdb.DuckDBPyConnection, catalog: Catalog, book: TargetBook, region: str, period: Period,
          codes: list[str] | None = None, thresholds: Thresholds = Thresholds(),
          version: int | None = None) -> list[Card]:
    """Cards of ``codes`` (default: the whole catalogue, in catalogue order) for one region and period."""
    codes = codes if codes is not None else [i.code for i in catalog]
    periods = comparison_periods(period)
    figs = aggregate.series(con, catalog, codes, [region], periods, version)
    trend = trend_periods(period)
    targets = book.for_region(region, period.year)
    out = []
    for code in codes:
        ind = catalog.get(code)
        fig = figs[(region, code, period)]
        year_end = figs[(region, code, period.last_year_end())]
        target = targets.get(code)
        out.append(Card(
            indicator=ind, figure=fig, previous=figs[(region, code, period.previous())],
            last_year=figs[(region, code, period.same_period_last_year())], year_end=year_end, target=target,
            progress=judge(ind, fig, year_end, target, period, thresholds),
            trend=tuple(figs[(region, code, p)] for p in trend),
        ))
    return out


def attention(cards_: list[Card]) -> list[Card]:
    """Indicators behind pace, the furthest behind first: 严重滞后 before 滞后, then by how far behind the pace line."""
    behind = [c for c in cards_ if c.behind]

    def key(c: Card) -> tuple:
        gap = c.progress.gap if c.progress.gap is not None else -1.0
        return (c.progress.status != SEVERELY_BEHIND, gap)

    return sorted(behind, key=key)


def status_counts(cards_: list[Card]) -> dict[str, int]:
    """How many cards are in each status, monitor-only ones included."""
    counts: dict[str, int] = {}
    for c in cards_:
        counts[c.progress.status] = counts.get(c.progress.status, 0) + 1
    return counts


def judged(cards_: list[Card]) -> list[Card]:
    """Cards with a target to judge against (not 仅监测)."""
    return [c for c in cards_ if c.progress.status != MONITOR]
