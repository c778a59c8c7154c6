"""Page-data benchmark: the server-side numbers of each dashboard page, the project's way against a naive pandas way,
in one run (``python -m etl bench-pages``).

For every page scope it times, over ``--repeat`` runs (median printed):

- ours: the kpi functions the page calls, called directly — no Streamlit cache is involved, so every run computes
  everything again. 总览: ``kpi.scorecard.cards`` (every catalogue indicator at the period, the previous period, the
  same period last year, last year-end and twelve trend months) for a city, a county and a province. 指标详情:
  ``kpi.trend.monthly`` + ``kpi.ranking.ranking`` + ``kpi.provenance.figure_sources`` for a ratio (EC_R_BED_10K) and a
  flow (EC_BED_NEW) at the city. 地图: ``kpi.aggregate.figures`` of the map indicator for every current township of the
  city, and for every county of the city — the values a choropleth colours its cells with.
- naive: every observation in force loaded into pandas (``kpi.store.observations``, the product's own "current
  values" query), then the same numbers computed with pandas filters and groupby: rows under the region (the region
  hierarchy from ``kpi.regions.RegionIndex``), the window of each kind (stock and ratio part: last value in the month;
  flow: Jan..month summed; standard: last value in the three years before), the deepest level that reported, sums,
  Σnumerator ÷ Σdenominator × scale. The load is the same query for every page, so it is timed once per repeat and
  its median added to each page's naive compute median; both parts are printed.

Before anything is timed the two ways are compared on every scope: every figure of the overviews (all indicators,
standards included, at every period a card reads), the monthly values, the ranking (values and ranks), the
figure sources (the same units, months and values) and the map values. One mismatch stops the benchmark: timing two
computations that produce different numbers means nothing. ``compare_page_data`` is that check, also run by
tests/etl/test_page_bench.py on a small warehouse.

``--province`` also runs it on a province-scale warehouse built in a temporary directory with the foundation
benchmark's bulk generator (``bench.load_bench.build_query_warehouse``: 1,500 townships × 96 months of every stored
indicator, random values; regions and targets as documented there). That warehouse has no targets file: an empty
TargetBook is used. Nothing outside the temporary directory is written.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpi import aggregate, provenance, ranking, scorecard, store, trend
from kpi.catalog import Catalog, load_catalog
from kpi.periods import Period
from kpi.regions import RegionIndex, load_regions
from kpi.targets import TargetBook, load_targets

DEFAULT_REPEAT = 5
CITY, COUNTY, PROVINCE = "330200000000", "330212000000", "330000000000"  # 宁波市, 鄞州区, 浙江省
RATIO_CODE, FLOW_CODE = "EC_R_BED_10K", "EC_BED_NEW"
MAP_CODE = RATIO_CODE
REL_TOL = 1e-9
LEVEL_RANKS = {"province": 1, "city": 2, "county": 3, "township": 4}


class PageDataMismatch(AssertionError):
    """The naive and the engine numbers differ: the benchmark refuses to time them."""


# ---- the naive way: everything in pandas --------------------------------------------------------------------------


def naive_observations(con) -> pd.DataFrame:
    """Every observation in force, as the naive page starts: the product's own current-values query, unfiltered."""
    return store.observations(con)


def _subtree(regions: RegionIndex, targets: list[str]) -> pd.DataFrame:
    """(target, region_code, level_rank) for every target and each of its descendants or itself, former units
    included (their old values still count), as the warehouse's region_tree does."""
    rows = []
    for target in targets:
        for r in [regions.get(target), *regions.descendants(target)]:
            rows.append((target, r.code, LEVEL_RANKS[r.level]))
    return pd.DataFrame(rows, columns=["target", "region_code", "level_rank"])


def _expected(regions: RegionIndex, target: str, rank: int) -> int:
    """Current units at ``rank`` under ``target`` (itself included)."""
    return sum(1 for r in [regions.get(target), *regions.descendants(target)]
               if r.status == "current" and LEVEL_RANKS[r.level] == rank)


def _window_start(period: Period, kind: str) -> pd.Timestamp:
    if kind == "flow":
        return pd.Timestamp(period.year_start)
    if kind == "level":
        return pd.Timestamp(period.level_start)
    return pd.Timestamp(period.start)


def _parts(catalog: Catalog, codes: list[str]) -> dict[str, str]:
    """Stored indicators (code → kind) behind ``codes``: a ratio's numerator and denominator, anything else itself."""
    out: dict[str, str] = {}
    for code in codes:
        ind = catalog.get(code)
        for part in (catalog.parts(code) if ind.is_ratio else (ind,)):
            out[part.code] = part.kind
    return out


def naive_units(obs: pd.DataFrame, catalog: Catalog, regions: RegionIndex, codes: list[str], targets: list[str],
                periods: list[Period]) -> dict[Period, pd.DataFrame]:
    """Per period, each reporting unit's value of every stored part under every target, only at the deepest level
    that reported under that target: columns target, indicator_code, level_rank, region_code, value."""
    kinds = _parts(catalog, codes)
    first = pd.Timestamp(min(p.level_start for p in periods))
    last = pd.Timestamp(max(p.end for p in periods))
    rows = obs[obs.indicator_code.isin(list(kinds)) & (obs.period >= first) & (obs.period <= last)]
    rows = rows[["region_code", "indicator_code", "period", "value"]].merge(_subtree(regions, targets), on="region_code")
    rows["kind"] = rows.indicator_code.map(kinds)
    rows = rows.sort_values("period", kind="stable")
    keys = ["target", "indicator_code", "level_rank", "region_code"]
    out = {}
    for period in dict.fromkeys(periods):
        starts = rows.kind.map({k: _window_start(period, k) for k in ("flow", "level", "stock")})
        window = rows[(rows.period <= pd.Timestamp(period.end)) & (rows.period >= starts)]
        flow = window.kind == "flow"
        units = pd.concat([window[flow].groupby(keys).value.sum(),  # 本年累计: the months from January summed
                           window[~flow].groupby(keys).value.last()]).reset_index()  # last value in the window
        deepest = units.groupby(["target", "indicator_code"]).level_rank.transform("max")
        out[period] = units[units.level_rank == deepest]
    return out


def naive_series(obs: pd.DataFrame, catalog: Catalog, regions: RegionIndex, codes: list[str], targets: list[str],
                 periods: list[Period]) -> dict[tuple[str, str, Period], float | None]:
    """The value of every (target, indicator, period), keyed like ``kpi.aggregate.series``; None where missing."""
    out: dict[tuple[str, str, Period], float | None] = {}
    for period, units in naive_units(obs, catalog, regions, codes, targets, periods).items():
        sums = units.groupby(["target", "indicator_code"]).value.sum().to_dict()
        groups = {key: g for key, g in units.groupby(["target", "indicator_code"])}
        for target in targets:
            for code in codes:
                ind = catalog.get(code)
                if ind.is_ratio:
                    num, den = groups.get((target, ind.numerator)), groups.get((target, ind.denominator))
                    value = None
                    if num is not None and den is not None:
                        if num.level_rank.iat[0] == den.level_rank.iat[0]:
                            # A unit that reported one part only counts in neither sum.
                            both = set(num.region_code) & set(den.region_code)
                            num, den = num[num.region_code.isin(both)], den[den.region_code.isin(both)]
                        d = den.value.sum()
                        value = num.value.sum() / d * ind.scale if d else None
                elif ind.kind == "level":
                    group, value = groups.get((target, code)), None
                    if group is not None:
                        own = group[group.region_code == target]
                        if len(own):
                            value = float(own.value.iat[0])
                        elif (len(group) == (_expected(regions, target, int(group.level_rank.iat[0])) or len(group))
                              and group.value.nunique() == 1):
                            value = float(group.value.iat[0])  # every unit reported the same standard
                else:
                    value = sums.get((target, code))
                out[(target, code, period)] = value
    return out


def overview_periods(period: Period) -> list[Period]:
    """Every period a card reads: the period, 上期, 上年同期, 上年末 and the twelve trend months."""
    trend_months = [Period(period.year, period.month).shift_months(-i) for i in range(scorecard.TREND_MONTHS)]
    return list(dict.fromkeys([period, period.previous(), period.same_period_last_year(), period.last_year_end(),
                               *trend_months]))


def naive_overview(obs, catalog, regions, region: str, period: Period) -> dict[tuple[str, Period], float | None]:
    values = naive_series(obs, catalog, regions, [i.code for i in catalog], [region], overview_periods(period))
    return {(code, p): v for (_r, code, p), v in values.items()}


def _measured(ind, value, base, target) -> float | None:
    """A "新增" target on a stock is judged on the increase since last year-end."""
    if target is None or value is None or not (target.target.comparator == "+" and ind.kind != "flow"):
        return value
    return None if base is None else value - base


def naive_indicator(obs, loads: pd.DataFrame, catalog, regions, book: TargetBook, code: str, region: str,
                    period: Period) -> dict:
    """The indicator page's numbers: the monthly values, the ranking of the sub-regions, the sources of the figure."""
    ind = catalog.get(code)
    this_year = [Period(period.year, m) for m in range(1, 13)]
    last_year = [Period(period.year - 1, m) for m in range(1, 13)]
    base_p, two_back = period.last_year_end(), period.last_year_end().last_year_end()
    vals = naive_series(obs, catalog, regions, [code], [region], [*this_year, *last_year, two_back])
    target = book.get(region, code, period.year)
    base, prior = vals[(region, code, base_p)], vals[(region, code, two_back)]
    monthly = {("本年", m): (_measured(ind, vals[(region, code, this_year[m - 1])], base, target)
                            if m <= period.month else None) for m in range(1, 13)}
    monthly |= {("上年", m): _measured(ind, vals[(region, code, last_year[m - 1])], prior, target) for m in range(1, 13)}

    subs = [r.code for r in ranking.sub_regions(regions, region)]  # which regions a page ranks (tree logic only)
    sub_vals = naive_series(obs, catalog, regions, [code], subs, [period, base_p]) if subs else {}
    now = pd.Series({s: sub_vals[(s, code, period)] for s in subs}, dtype="float64")
    ranks = now.rank(method="min", ascending=ind.direction == "down")
    ranked = {s: (None if pd.isna(now[s]) else float(now[s]), None if pd.isna(ranks[s]) else int(ranks[s]))
              for s in subs}
    return {"monthly": monthly, "ranking": ranked, "sources": naive_sources(obs, loads, catalog, regions, code,
                                                                             region, period)}


def naive_sources(obs, loads: pd.DataFrame, catalog, regions, code: str, region: str, period: Period) -> pd.DataFrame:
    """The observations behind one figure, with their file: a flow's months from January, a stock's last month, a
    standard's last setting; the deepest level that reported; a ratio's units that reported both parts."""
    ind = catalog.get(code)
    kinds = _parts(catalog, [code])
    rows = obs[obs.indicator_code.isin(list(kinds))].merge(_subtree(regions, [region]), on="region_code")
    start = rows.indicator_code.map({c: _window_start(period, k) for c, k in kinds.items()})
    rows = rows[(rows.period >= start) & (rows.period <= pd.Timestamp(period.end))]
    rows = rows.sort_values("period", kind="stable")
    flow = rows.indicator_code.map(kinds) == "flow"
    rows = pd.concat([rows[flow], rows[~flow].groupby(["region_code", "indicator_code"]).tail(1)])
    rows = rows[rows.level_rank == rows.groupby("indicator_code").level_rank.transform("max")]
    if ind.kind == "level" and (rows.region_code == region).any():
        rows = rows[rows.region_code == region]
    if ind.is_ratio and rows.level_rank.nunique() == 1 and rows.indicator_code.nunique() == 2:
        both = set.intersection(*(set(g.region_code) for _, g in rows.groupby("indicator_code")))
        rows = rows[rows.region_code.isin(both)]
    rows = rows.merge(loads[["load_id", "file_name"]], on="load_id", how="left")
    return rows.sort_values(["indicator_code", "region_code", "period"]).reset_index(drop=True)


def naive_map(obs, catalog, regions, code: str, targets: list[str], period: Period) -> dict[str, float | None]:
    values = naive_series(obs, catalog, regions, [code], targets, [period])
    return {t: values[(t, code, period)] for t in targets}


# ---- the project's way ------------------------------------------------------------------------------------------


def ours_overview(con, catalog, book, region: str, period: Period):
    return scorecard.cards(con, catalog, book, region, period)


def ours_indicator(con, catalog, regions, book, code: str, region: str, period: Period):
    target = book.get(region, code, period.year)
    return (trend.monthly(con, catalog, code, region, period, target),
            ranking.ranking(con, catalog, regions, book, region, code, period),
            provenance.figure_sources(con, catalog, code, region, period))


def ours_map(con, catalog, code: str, targets: list[str], period: Period):
    return aggregate.figures(con, catalog, [code], targets, period)


# ---- comparing --------------------------------------------------------------------------------------------------


@dataclass
class Agreement:
    """How many numbers were compared, how many had data, and every pair that differs."""

    checked: int = 0
    with_data: int = 0
    mismatches: list[str] = field(default_factory=list)

    def add(self, label: str, ours, naive, abs_tol: float = 0.0) -> None:
        self.checked += 1
        if ours is None and naive is None:
            return
        self.with_data += 1
        if ours is None or naive is None or not math.isclose(ours, naive, rel_tol=REL_TOL, abs_tol=abs_tol):
            self.mismatches.append(f"{label}：本项目 {ours!r}，朴素 {naive!r}")

    def merge(self, other: "Agreement") -> "Agreement":
        return Agreement(self.checked + other.checked, self.with_data + other.with_data,
                         self.mismatches + other.mismatches)

    def text(self) -> str:
        if self.mismatches:
            return f"{len(self.mismatches)} 处不一致"
        return f"{self.with_data:,}/{self.checked:,} 一致"


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def compare_overview(cards, naive: dict) -> Agreement:
    agree = Agreement()
    for card in cards:
        figs = [card.figure, card.previous, card.last_year, card.year_end, *card.trend]
        for fig in {f.period: f for f in figs}.values():
            agree.add(f"总览 {card.indicator.code} {fig.region_code} {fig.period}", fig.value,
                      naive[(card.indicator.code, fig.period)])
    return agree


def compare_indicator(ours, naive: dict, code: str) -> Agreement:
    monthly, rows, sources = ours
    agree = Agreement()
    for row in monthly.itertuples(index=False):
        for column, value in (("本年", row[1]), ("上年", row[2])):
            # A "新增" target shows value − year-end: a difference, so its tolerance is absolute as well.
            agree.add(f"逐月 {code} {column}{row[0]}月", _num(value), naive["monthly"][(column, row[0])], abs_tol=1e-9)
    if {r.region.code for r in rows} != set(naive["ranking"]):
        agree.mismatches.append(f"排名 {code}：地区不同")
    for r in rows:
        value, rank = naive["ranking"].get(r.region.code, (None, None))
        agree.add(f"排名 {code} {r.region.code} 数值", r.figure.value, value)
        agree.checked += 1
        if r.rank != rank:
            agree.mismatches.append(f"排名 {code} {r.region.code} 名次：本项目 {r.rank}，朴素 {rank}")
    keys = ["indicator_code", "region_code", "period"]
    mine = {tuple(k): v for k, v in zip(sources[keys].itertuples(index=False), sources.value)} if len(sources) else {}
    theirs = dict(zip(map(tuple, naive["sources"][keys].itertuples(index=False)), naive["sources"].value))
    if set(mine) != set(theirs):
        agree.mismatches.append(f"来源 {code}：本项目 {len(mine)} 行，朴素 {len(theirs)} 行，"
                                f"差 {sorted(set(mine) ^ set(theirs))[:5]}")
    for key in set(mine) & set(theirs):
        agree.add(f"来源 {code} {key}", float(mine[key]), float(theirs[key]))
    if len(sources) and list(sources.file_name) != list(naive["sources"].file_name):
        agree.mismatches.append(f"来源 {code}：文件名不同")
    return agree


def compare_map(ours: dict, naive: dict, code: str) -> Agreement:
    agree = Agreement()
    for region, value in naive.items():
        agree.add(f"地图 {code} {region}", ours[(region, code)].value, value)
    return agree


def compare_page_data(con, catalog: Catalog, regions: RegionIndex, book: TargetBook, period: Period,
                      overview_regions: list[str], indicator_codes: list[str], indicator_region: str,
                      map_code: str, map_targets: dict[str, list[str]],
                      obs: pd.DataFrame | None = None) -> dict[str, Agreement]:
    """Compute every scope both ways and compare; returns the agreement per scope label (see ``Agreement``)."""
    obs = naive_observations(con) if obs is None else obs
    loads = store.list_loads(con, limit=None)
    out = {}
    for region in overview_regions:
        out[f"总览 {region}"] = compare_overview(ours_overview(con, catalog, book, region, period),
                                               naive_overview(obs, catalog, regions, region, period))
    for code in indicator_codes:
        out[f"指标详情 {code}"] = compare_indicator(
            ours_indicator(con, catalog, regions, book, code, indicator_region, period),
            naive_indicator(obs, loads, catalog, regions, book, code, indicator_region, period), code)
    for label, targets in map_targets.items():
        out[f"地图 {label}"] = compare_map(ours_map(con, catalog, map_code, targets, period),
                                         naive_map(obs, catalog, regions, map_code, targets, period), map_code)
    return out


# ---- timing -----------------------------------------------------------------------------------------------------


@dataclass
class Scope:
    page: str
    label: str
    key: str  # the compare_page_data label
    ours: Callable[[], object]
    naive: Callable[[pd.DataFrame, pd.DataFrame], object]  # (observations, loads)
    ours_ms: list[float] = field(default_factory=list)
    naive_ms: list[float] = field(default_factory=list)


def _ms(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000, result


def _name(regions: RegionIndex, code: str) -> str:
    r = regions.get(code)
    return r.name if r else code


def run(wh: store.Warehouse, catalog: Catalog, regions: RegionIndex, book: TargetBook, repeat: int,
        say: Callable[[str], None]) -> list[str]:
    """Check, then time every scope on one warehouse; returns the printed table's lines."""
    con = wh.connect()
    period = provenance.latest_period(con)
    if period is None:
        raise RuntimeError(f"数据库 {wh.path} 没有数据")
    city_towns = [r.code for r in regions.townships_of(CITY)]
    city_counties = [r.code for r in regions.descendants(CITY, "county") if r.status == "current"]
    map_targets = {"乡镇": city_towns, "县": city_counties}
    overview = [CITY, COUNTY, PROVINCE]
    indicators = [RATIO_CODE, FLOW_CODE]
    n_level = sum(1 for i in catalog if i.kind == "level")

    say(f"报告期：{period.label}（kpi.provenance.latest_period）；目标值 {len(book)} 条")
    say("核对：两种做法算出的全部数值先逐个比较（相对误差 ≤ 1e-9），不一致则不计时……")
    t0 = time.perf_counter()
    checks = compare_page_data(con, catalog, regions, book, period, overview, indicators, CITY, MAP_CODE, map_targets)
    bad = [m for a in checks.values() for m in a.mismatches]
    if bad:
        raise PageDataMismatch("朴素做法与本项目算出的数值不一致，基准测试不计时：\n" + "\n".join(bad[:20]))
    total = Agreement()
    for a in checks.values():
        total = total.merge(a)
    say(f"  全部一致：比较 {total.checked:,} 个数值，其中 {total.with_data:,} 个有数据（用时 {time.perf_counter() - t0:.1f} 秒）。"
        f"总览含全部 {len(catalog)} 个指标（含 {n_level} 个“标准”类指标）× 每张卡片读取的 "
        f"{len(overview_periods(period))} 个报告期；指标详情含逐月值、排名（数值和名次）、来源明细（单位、月份、数值、文件）。")

    scopes = []
    for region in overview:
        level = regions.get(region).level
        scopes.append(Scope("总览", f"{_name(regions, region)}（{_level_name(level)}），{len(catalog)} 个指标",
                            f"总览 {region}", lambda r=region: ours_overview(con, catalog, book, r, period),
                            lambda obs, loads, r=region: naive_overview(obs, catalog, regions, r, period)))
    for code in indicators:
        ind = catalog.get(code)
        kind = {"ratio": "比率", "flow": "本年累计", "stock": "时点数"}.get(ind.kind, ind.kind)
        scopes.append(Scope("指标详情", f"{_name(regions, CITY)} {code}（{kind}）", f"指标详情 {code}",
                            lambda c=code: ours_indicator(con, catalog, regions, book, c, CITY, period),
                            lambda obs, loads, c=code: naive_indicator(obs, loads, catalog, regions, book, c, CITY,
                                                                       period)))
    for label, targets in map_targets.items():
        scopes.append(Scope("地图", f"{_name(regions, CITY)} {len(targets)} 个{'乡镇' if label == '乡镇' else '县（市、区）'}"
                                  f" {MAP_CODE}", f"地图 {label}",
                            lambda t=targets: ours_map(con, catalog, MAP_CODE, t, period),
                            lambda obs, loads, t=targets: naive_map(obs, catalog, regions, MAP_CODE, t, period)))

    load_ms: list[float] = []
    rows_loaded = 0
    for n in range(1, repeat + 1):
        for scope in scopes:
            scope.ours_ms.append(_ms(scope.ours)[0])
        ms, obs = _ms(lambda: (naive_observations(con), store.list_loads(con, limit=None)))
        load_ms.append(ms)
        obs, loads = obs
        rows_loaded = len(obs)
        for scope in scopes:
            scope.naive_ms.append(_ms(lambda s=scope: s.naive(obs, loads))[0])
        del obs, loads
        say(f"  第 {n}/{repeat} 轮完成")
    load = statistics.median(load_ms)
    say(f"朴素做法读取全部当前数值（kpi.store.observations + 导入记录）：中位数 {load:,.0f} ms，{rows_loaded:,} 行；"
        "每个页面的朴素时间 = 这次读取 + 该页的 pandas 计算（两者各取中位数）。")

    head = ["页面", "范围", "本项目 ms", "朴素 ms", "朴素/本项目", "其中朴素计算 ms", "仅计算之比", "核对"]
    body = []
    for s in scopes:
        ours, compute = statistics.median(s.ours_ms), statistics.median(s.naive_ms)
        body.append([s.page, s.label, f"{ours:,.0f}", f"{load + compute:,.0f}", f"{(load + compute) / ours:,.1f}×",
                     f"{compute:,.0f}", f"{compute / ours:,.1f}×", checks[s.key].text()])
    lines = _table(head, body)
    lines.append("注：仅计算之比 = 朴素做法的 pandas 计算（全部数值已在内存中，不含读取）÷ 本项目，"
                 "即朴素做法把全部当前数值常驻内存时的对比。")
    return lines


def _level_name(level: str) -> str:
    return {"province": "省", "city": "市", "county": "县", "township": "乡镇"}[level]


def _table(head: list[str], body: list[list[str]]) -> list[str]:
    from bench.load_bench import _pad, _width

    widths = [max(_width(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(_pad(c, w, right=1 < i < len(head) - 1) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
             for r in [head, *body]]
    lines.insert(1, "-" * (sum(widths) + 2 * (len(widths) - 1)))
    return lines


# ---- warehouses -------------------------------------------------------------------------------------------------


def demo_warehouse(db: str | None, say: Callable[[str], None]) -> store.Warehouse:
    wh = store.Warehouse(db)
    if not wh.exists():
        if db:
            raise store.WarehouseMissing(f"数据库文件不存在：{wh.path}")
        from etl import demo

        say(f"示例数据库不存在，先生成：python -m etl build-demo（{wh.path}）")
        if demo.build(wh) != 0:
            raise RuntimeError("示例数据库生成失败")
    return wh


def province_warehouse(work: Path, townships: int, months: int, say: Callable[[str], None]
                       ) -> tuple[store.Warehouse, RegionIndex]:
    """The foundation benchmark's bulk-built province-scale warehouse (see bench/load_bench.py), in ``work``."""
    from bench import load_bench

    catalog = load_catalog()
    plan = load_bench.build_region_table(townships, work / "regions.csv")
    regions = load_regions(plan.path)
    periods = load_bench.periods_back(months)
    columns = load_bench.stored_columns(catalog)
    path = work / "wh" / "kpi.duckdb"
    secs = load_bench.build_query_warehouse(path, catalog, regions, plan, periods, columns)
    rows = store.status(store.Warehouse(path).connect())["observations_current"]
    say(f"省级规模数据库：{plan.townships:,} 个乡镇（{plan.real} 个真实 + {plan.synthetic} 个合成）× {len(columns)} 个入库指标 × "
        f"{len(periods)} 个月（{periods[0]:%Y-%m} 至 {periods[-1]:%Y-%m}）= {rows:,} 个当前数值，"
        f"{path.stat().st_size / 1024 / 1024:,.1f} MB；用 bench.load_bench.build_query_warehouse 批量构造"
        f"（SQL，不经导入流程，随机数值），{secs:.1f} 秒。没有目标值文件：使用空的 TargetBook。")
    return store.Warehouse(path), regions


# ---- entry point ------------------------------------------------------------------------------------------------


def _say(text: str) -> None:
    print(text, flush=True)


def main(args: argparse.Namespace) -> int:
    from bench.load_bench import DEFAULT_MONTHS, DEFAULT_TOWNSHIPS, _load, environment

    repeat = getattr(args, "repeat", None) or DEFAULT_REPEAT
    if repeat < 1:
        print("错误：--repeat 须为正整数", file=sys.stderr)
        return 1
    catalog = load_catalog()
    _say("== 页面数据基准（每个页面在服务器端的数据计算；不经 Streamlit 缓存）==")
    _say(environment())
    _say(f"每项重复 {repeat} 次，取中位数。")

    wh = demo_warehouse(getattr(args, "db", None), _say)
    regions = load_regions()
    _say(f"\n== 示例数据库：{wh.path}（{wh.path.stat().st_size / 1024 / 1024:,.1f} MB）==")
    for line in run(wh, catalog, regions, load_targets(catalog, regions), repeat, _say):
        _say(line)

    if getattr(args, "province", False):
        townships = getattr(args, "townships", None) or DEFAULT_TOWNSHIPS
        months = getattr(args, "months", None) or DEFAULT_MONTHS
        work = Path(tempfile.mkdtemp(prefix="kpi-page-bench-"))
        try:
            _say(f"\n== 省级规模数据库（临时目录 {work}）==")
            pwh, pregions = province_warehouse(work, townships, months, _say)
            for line in run(pwh, catalog, pregions, TargetBook([]), repeat, _say):
                _say(line)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    _say(f"结束时系统负载（1/5/15 分钟）：{_load()}")
    return 0


def _parser() -> argparse.ArgumentParser:
    """Direct run (``python -m bench.page_bench``): the CLI's options plus the province warehouse's size."""
    p = argparse.ArgumentParser(prog="python -m bench.page_bench", description="页面数据基准")
    p.add_argument("--db", help="示例数据库（默认：环境变量 KPI_DB，否则 data/warehouse/kpi.duckdb）")
    p.add_argument("--province", action="store_true", help="另在省级规模的临时数据库上运行")
    p.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="每项重复次数（取中位数）")
    p.add_argument("--townships", type=int, help="省级规模数据库的乡镇数（默认 1500）")
    p.add_argument("--months", type=int, help="省级规模数据库的月数（默认 96）")
    return p


if __name__ == "__main__":
    raise SystemExit(main(_parser().parse_args()))
