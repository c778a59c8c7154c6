"""Where a number came from: the loads, files, sheets and cells behind a figure.

Staff quote these figures upward, so every figure on screen can be opened down to the cells it was summed from. The
same rules as kpi.aggregate choose the rows (a flow's months from January, a stock's last month in the period, the
deepest level that reported), so the rows listed here add up to the figure shown.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from kpi import sql, store
from kpi.catalog import Catalog
from kpi.periods import Period


def figure_sources(con: duckdb.DuckDBPyConnection, catalog: Catalog, code: str, region: str, period: Period,
                   version: int | None = None) -> pd.DataFrame:
    """The observations behind the figure of ``code`` at ``region`` and ``period`` (for a ratio: behind both parts),
    one row per unit and month, with the load, file, sheet and cell of each."""
    if version is None:
        version = store.current_version(con)
    ind = catalog.get(code)
    parts = catalog.parts(code) if ind.is_ratio else (ind,)
    rows = con.execute(sql.FIGURE_SOURCES, {
        "version": version, "ancestor": region, "codes": [p.code for p in parts], "kinds": [p.kind for p in parts],
        "start": period.start, "end": period.end, "year_start": period.year_start, "level_start": period.level_start,
    }).df()
    if rows.empty:
        return rows
    deepest = rows.groupby("indicator_code")["level_rank"].transform("max")
    rows = rows[rows.level_rank == deepest]
    if ind.kind == "level":
        # The standard in force: the region's own if it set one, else the units' (aggregate shows a value only when
        # they all agree, and then any one of them is the source).
        own = rows[rows.region_code == region]
        rows = own if len(own) else rows
    if ind.is_ratio and rows.level_rank.nunique() == 1:
        # Units that reported only one part are left out of the ratio; leave them out of its sources too.
        both = set.intersection(*(set(g.region_code) for _, g in rows.groupby("indicator_code")))
        if rows.indicator_code.nunique() == 2:
            rows = rows[rows.region_code.isin(both)]
    return rows.reset_index(drop=True)


def loads(con: duckdb.DuckDBPyConnection, load_ids) -> pd.DataFrame:
    """The loads with these ids, newest first."""
    return con.execute(sql.LOADS_BY_ID, {"ids": [int(i) for i in load_ids]}).df()


def latest_period(con: duckdb.DuckDBPyConnection, version: int | None = None) -> Period | None:
    """The latest month with any value in force, or None for an empty warehouse."""
    if version is None:
        version = store.current_version(con)
    rows = con.execute(sql.LATEST_PERIOD, {"version": version}).fetchall()
    if not rows or rows[0][0] is None:
        return None
    day = rows[0][0]
    return Period(day.year, day.month, "month")
