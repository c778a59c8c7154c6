"""The value of any indicator at any region and period, aggregated the way the statistics mean it.

- stock (时点数): each reporting unit's last value in the period, summed over units;
- flow (本年累计): each unit's monthly amounts summed from January to the period end, summed over units;
- ratio: Σnumerator ÷ Σdenominator × scale at the level asked for — never an average of township ratios;
- level (标准): the value in force — a standard is set by one government, so it is read, not summed.

Data may arrive at different depths (townships report beds, the county reports 4A social organisations). Under each
region the deepest level holding data for an indicator is used, so a county's own figure and its townships' figures
are never added together. A missing submission stays missing: ``reporting`` of ``expected`` units tells how complete
an aggregate is.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from kpi import sql, store
from kpi.catalog import Catalog, Indicator
from kpi.periods import Period

LEVEL_RANKS = {"province": 1, "city": 2, "county": 3, "township": 4}


@dataclass(frozen=True)
class Figure:
    """One number on screen, with what it was made of."""

    region_code: str
    indicator_code: str
    period: Period
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    reporting: int = 0
    expected: int = 0
    unit_level_rank: int | None = None
    load_ids: tuple[int, ...] = ()

    @property
    def missing(self) -> bool:
        return self.value is None


def _unit_values(con, codes_kinds: dict[str, str], targets: list[str], period: Period, version: int) -> pd.DataFrame:
    return con.execute(
        sql.UNIT_VALUES,
        {"version": version, "level_start": period.level_start, "year_start": period.year_start, "start": period.start, "end": period.end,
         "targets": list(targets), "codes": list(codes_kinds), "kinds": list(codes_kinds.values())},
    ).df()


def _deepest(units: pd.DataFrame) -> pd.DataFrame:
    """Keep, per target and indicator, only the units at the deepest level that reported."""
    if units.empty:
        return units
    deepest = units.groupby(["ancestor_code", "indicator_code"])["level_rank"].transform("max")
    return units[units.level_rank == deepest]


def _expected(con, targets: list[str]) -> dict[tuple[str, int], int]:
    df = con.execute(sql.EXPECTED_UNITS, {"targets": list(targets)}).df()
    return {(r.region_code, int(r.level_rank)): int(r.expected) for r in df.itertuples()}


def figures(con: duckdb.DuckDBPyConnection, catalog: Catalog, codes: list[str], targets: list[str], period: Period,
            version: int | None = None) -> dict[tuple[str, str], Figure]:
    """Figures for every (target region, indicator) pair, keyed by (region_code, indicator_code)."""
    if version is None:
        version = store.current_version(con)
    wanted: dict[str, str] = {}
    for code in codes:
        ind = catalog.get(code)
        for part in (catalog.parts(code) if ind.is_ratio else (ind,)):
            wanted[part.code] = part.kind
    units = _deepest(_unit_values(con, wanted, targets, period, version)) if wanted and targets else pd.DataFrame()
    expected = _expected(con, targets) if targets else {}
    by_key = {k: g for k, g in units.groupby(["ancestor_code", "indicator_code"])} if not units.empty else {}

    out: dict[tuple[str, str], Figure] = {}
    for region in targets:
        for code in codes:
            ind = catalog.get(code)
            if ind.is_ratio:
                out[(region, code)] = _ratio(ind, catalog, region, period, by_key, expected)
            else:
                out[(region, code)] = _simple(ind, region, period, by_key.get((region, code)), expected)
    return out


def _simple(ind: Indicator, region: str, period: Period, units: pd.DataFrame | None,
            expected: dict[tuple[str, int], int]) -> Figure:
    if units is None or units.empty:
        return Figure(region, ind.code, period, None)
    rank = int(units.level_rank.iloc[0])
    if ind.kind == "level":
        # A standard is not additive. In force at a region is its own standard, or the one all of its units share
        # (a city-wide unified standard); units that differ or have not all reported give no single value.
        own = units[units.region_code == region]
        complete = len(units) == expected.get((region, rank), len(units))
        if len(own):
            value = float(own.value.iloc[0])
        elif complete and units.value.nunique() == 1:
            value = float(units.value.iloc[0])
        else:
            value = None
    else:
        value = float(units.value.sum())
    return Figure(region, ind.code, period, value, reporting=len(units), expected=expected.get((region, rank), len(units)),
                  unit_level_rank=rank, load_ids=tuple(sorted(set(int(x) for x in units.load_id))))


def _ratio(ind: Indicator, catalog: Catalog, region: str, period: Period, by_key: dict,
           expected: dict[tuple[str, int], int]) -> Figure:
    num = by_key.get((region, ind.numerator))
    den = by_key.get((region, ind.denominator))
    if num is None or den is None or num.empty or den.empty:
        return Figure(region, ind.code, period, None)
    num_rank, den_rank = int(num.level_rank.iloc[0]), int(den.level_rank.iloc[0])
    if num_rank == den_rank:
        # Both parts from the same units: a township that reported beds but not its elderly population (or the
        # reverse) is left out of both sums, or the ratio would be inflated by a half-reported township.
        paired = num.merge(den, on="region_code", suffixes=("_n", "_d"))
        n, d, reporting = float(paired.value_n.sum()), float(paired.value_d.sum()), len(paired)
        loads = set(paired.load_id_n) | set(paired.load_id_d)
        rank = num_rank
    else:
        n, d = float(num.value.sum()), float(den.value.sum())
        reporting = min(len(num), len(den))
        loads = set(num.load_id) | set(den.load_id)
        rank = max(num_rank, den_rank)
    value = n / d * ind.scale if d else None
    return Figure(region, ind.code, period, value, numerator=n, denominator=d, reporting=reporting,
                  expected=expected.get((region, rank), reporting), unit_level_rank=rank,
                  load_ids=tuple(sorted(int(x) for x in loads)))


def figure(con, catalog: Catalog, code: str, region: str, period: Period, version: int | None = None) -> Figure:
    return figures(con, catalog, [code], [region], period, version)[(region, code)]
