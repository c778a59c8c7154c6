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

import math
from dataclasses import dataclass
from typing import NamedTuple

import duckdb

from kpi import sql, store
from kpi.catalog import Catalog, Indicator
from kpi.periods import STANDARD_LOOKBACK_YEARS, Period

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


class Unit(NamedTuple):
    """One reporting unit's value under a target region for one period (a row of sql.UNIT_VALUES)."""

    region_code: str
    value: float
    load_ids: tuple[int, ...]


def _unit_values(con, codes_kinds: dict[str, str], targets: list[str], periods: list[Period],
                 version: int) -> dict[tuple, tuple[int, list[Unit]]]:
    """Units per (period start, period end, target region, indicator), only those at the deepest level that reported
    there, with that level's rank."""
    rows = con.execute(
        sql.UNIT_VALUES,
        {"version": version, "ends": [p.end for p in periods], "starts": [p.start for p in periods],
         "first": min(p.level_start for p in periods), "first_other": min(p.window("flow")[0] for p in periods),
         "last": max(p.end for p in periods),
         "level_years": STANDARD_LOOKBACK_YEARS, "targets": list(targets), "codes": list(codes_kinds),
         "kinds": list(codes_kinds.values())},
    ).fetchall()
    groups: dict[tuple, tuple[int, list[Unit]]] = {}
    for start, end, ancestor, rank, region, code, value, _last, load_ids in rows:
        key = (start, end, ancestor, code)
        deepest, units = groups.get(key, (0, []))
        if rank > deepest:
            groups[key] = (rank, [Unit(region, value, tuple(load_ids))])
        elif rank == deepest:
            units.append(Unit(region, value, tuple(load_ids)))
    return groups


def _expected(con, targets: list[str]) -> dict[tuple[str, int], int]:
    rows = con.execute(sql.EXPECTED_UNITS, {"targets": list(targets)}).fetchall()
    return {(region, int(rank)): int(n) for region, rank, n in rows}


def series(con: duckdb.DuckDBPyConnection, catalog: Catalog, codes: list[str], targets: list[str],
           periods: list[Period], version: int | None = None) -> dict[tuple[str, str, Period], Figure]:
    """Figures for every (target region, indicator, period), keyed by (region_code, indicator_code, period), from one
    query whatever the number of periods."""
    if version is None:
        version = store.current_version(con)
    periods = list(dict.fromkeys(periods))
    wanted: dict[str, str] = {}
    for code in codes:
        ind = catalog.get(code)
        for part in (catalog.parts(code) if ind.is_ratio else (ind,)):
            wanted[part.code] = part.kind
    groups = _unit_values(con, wanted, targets, periods, version) if wanted and targets and periods else {}
    expected = _expected(con, targets) if targets else {}

    out: dict[tuple[str, str, Period], Figure] = {}
    for period in periods:
        for region in targets:
            def units_of(code: str, period=period, region=region) -> tuple[int, list[Unit]]:
                return groups.get((period.start, period.end, region, code), (0, []))

            for code in codes:
                ind = catalog.get(code)
                if ind.is_ratio:
                    fig = _ratio(ind, region, period, units_of(ind.numerator), units_of(ind.denominator), expected)
                else:
                    fig = _simple(ind, region, period, units_of(code), expected)
                out[(region, code, period)] = fig
    return out


def figures(con: duckdb.DuckDBPyConnection, catalog: Catalog, codes: list[str], targets: list[str], period: Period,
            version: int | None = None) -> dict[tuple[str, str], Figure]:
    """Figures for every (target region, indicator) pair of one period, keyed by (region_code, indicator_code)."""
    return {(region, code): fig
            for (region, code, _), fig in series(con, catalog, codes, targets, [period], version).items()}


def _loads(units) -> tuple[int, ...]:
    return tuple(sorted({x for u in units for x in u.load_ids}))


def _simple(ind: Indicator, region: str, period: Period, ranked: tuple[int, list[Unit]],
            expected: dict[tuple[str, int], int]) -> Figure:
    rank, units = ranked
    if not units:
        return Figure(region, ind.code, period, None)
    n_expected = expected.get((region, rank), len(units))
    if ind.kind == "level":
        # A standard is not additive. In force at a region is its own standard, or the one all of its units share
        # (a city-wide unified standard); units that differ or have not all reported give no single value.
        own = [u for u in units if u.region_code == region]
        values = {u.value for u in units}
        if own:
            value, units = own[0].value, own
        elif len(units) == n_expected and len(values) == 1:
            value = units[0].value
        else:
            value = None
    else:
        value = math.fsum(u.value for u in units)
    return Figure(region, ind.code, period, value, reporting=len(units), expected=n_expected,
                  unit_level_rank=rank, load_ids=_loads(units))


def _ratio(ind: Indicator, region: str, period: Period, num: tuple[int, list[Unit]], den: tuple[int, list[Unit]],
           expected: dict[tuple[str, int], int]) -> Figure:
    (num_rank, num_units), (den_rank, den_units) = num, den
    if not num_units or not den_units:
        return Figure(region, ind.code, period, None)
    if num_rank == den_rank:
        # Both parts from the same units: a township that reported beds but not its elderly population (or the
        # reverse) is left out of both sums, or the ratio would be inflated by a half-reported township.
        both = {u.region_code for u in num_units} & {u.region_code for u in den_units}
        num_units = [u for u in num_units if u.region_code in both]
        den_units = [u for u in den_units if u.region_code in both]
        reporting, rank = len(both), num_rank
    else:
        reporting, rank = min(len(num_units), len(den_units)), max(num_rank, den_rank)
    # fsum: exactly rounded, so a figure is the same whatever order the units arrive in.
    n, d = math.fsum(u.value for u in num_units), math.fsum(u.value for u in den_units)
    value = n / d * ind.scale if d else None
    return Figure(region, ind.code, period, value, numerator=n, denominator=d, reporting=reporting,
                  expected=expected.get((region, rank), reporting), unit_level_rank=rank,
                  load_ids=_loads(num_units + den_units))


def figure(con, catalog: Catalog, code: str, region: str, period: Period, version: int | None = None) -> Figure:
    return figures(con, catalog, [code], [region], period, version)[(region, code)]
