"""An indicator's months this year beside last year's, with the target and the pace line (序时进度线) to plot them against.

A flow is shown as it is reported and judged, 本年累计: January's amount, then January + February, and so on, so the
year's curve meets the target at December and the pace line is target × month / 12. A stock or ratio is shown as its
month-end value, the pace line running from last year-end's value to the target. A "keep at" target, a ceiling and a
standard are a flat line: they are met or not at every moment.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from kpi import aggregate
from kpi.catalog import Catalog
from kpi.periods import Period
from kpi.progress import elapsed_share
from kpi.scorecard import measured_value
from kpi.targets import TargetRecord


def measure_name(kind: str, target: TargetRecord | None) -> str:
    """What the monthly curve shows: 本年累计 for a flow, 较上年末新增 for a stock judged on a "新增" target, else 月末值."""
    if kind == "flow":
        return "本年累计"
    if target is not None and target.target.comparator == "+":
        return "较上年末新增"
    return "月末值"


def pace_at(month: int, target: TargetRecord | None, kind: str, base: float | None) -> float | None:
    """Where the value should stand at the end of ``month`` on its way to the target."""
    if target is None:
        return None
    t = target.target
    if t.comparator == "<=" or t.keep or kind == "level":
        return t.value
    if t.comparator == "+" or kind == "flow":
        start = 0.0
    elif base is None:
        return None
    else:
        start = base
    return start + (t.value - start) * elapsed_share(month)


def monthly(con: duckdb.DuckDBPyConnection, catalog: Catalog, code: str, region: str, period: Period,
            target: TargetRecord | None, version: int | None = None) -> pd.DataFrame:
    """One row per month of the period's year: 月, 本年 (up to the period), 上年, 目标, 序时进度 — in the unit the target
    is judged in (for a "新增" target on a stock: the increase since last year-end)."""
    ind = catalog.get(code)
    this_year = [Period(period.year, m) for m in range(1, 13)]
    last_year = [Period(period.year - 1, m) for m in range(1, 13)]
    base_period = period.last_year_end()
    two_back = base_period.last_year_end()
    figs = aggregate.series(con, catalog, [code], [region], [*this_year, *last_year, two_back], version)
    base_fig = figs[(region, code, base_period)]
    prior_base = figs[(region, code, two_back)]
    rows = []
    for month in range(1, 13):
        now, before = figs[(region, code, this_year[month - 1])], figs[(region, code, last_year[month - 1])]
        value = measured_value(ind, now, base_fig, target) if month <= period.month else None
        previous = measured_value(ind, before, prior_base, target)
        rows.append({"月": month, "本年": value, "上年": previous,
                     "目标": target.target.value if target else None,
                     "序时进度": pace_at(month, target, ind.kind, base_fig.value)})
    return pd.DataFrame(rows)
