"""Deterministic demo data: the monthly .xlsx submissions of five demo bureaus, and `build-demo`.

The demo is only worth showing if it travels the road a real file travels. So this module writes bureau-style
spreadsheets (title, 填报单位/报告期 block, header variants, 合计 row, footer notes) and builds the warehouse by loading
them through ``etl.pipeline.load_batch`` — the same check, archive and load a township's upload gets. Nothing is
inserted behind the loader's back; if the parser cannot read a demo file, ``build`` fails loudly.

Values come from a small simulation per township and per county. Every random draw is seeded from ``seed`` and a stable
digest of the region code (never Python's salted ``hash()``), and every series starts at ``ORIGIN`` whatever the
requested range, so a region's numbers are the same in a full build and in a two-county test build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import queue
import random
import re
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from etl import pipeline
from etl import targets
from etl.boundaries import DEMO_BOUNDARIES, import_boundaries
from kpi import store
from kpi.catalog import Catalog, Indicator
from kpi.regions import Region, RegionIndex

DEFAULT_SEED = 2026
DEFAULT_START = "2019-01"
DEFAULT_END = "2026-10"
DEFAULT_OUT = store.PROJECT_ROOT / "data" / "demo" / "generated"
DEMO_WHO = "示例数据"
ORIGIN = dt.date(2019, 1, 1)  # every series starts here, so values do not depend on the requested range
# Bump when the model or the file layout changes: a generated folder from an older version is then regenerated.
GENERATOR_VERSION = 1
MANIFEST = "manifest.json"
PARALLEL_MIN_FILES = 300  # below this, starting worker processes costs more than it saves
# Confirmed targets loaded into the demo warehouse, each row saying where it came from: demo annual targets for the
# recent years, then the seed bureaus' own plan-year targets read from their real work plans (python -m etl
# demo-targets --seeds, reviewed by hand: 宁波's "培育慈善组织不少于70家" confirmed as 新增), which win where both
# exist, and demo 十五五 (2030) targets.
DEMO_TARGET_FILES = [store.PROJECT_ROOT / "data" / "targets" / name
                     for name in ("targets.csv", "seed_plans.csv", "plan_2030.csv")]
DEMO_NOTE = "注：本表为系统生成的示例数据，非真实统计数据。"

# Who collects each stored indicator. Townships report what a 乡镇(街道) keeps a ledger of (people, beds, caseloads,
# village facilities); the county bureau reports what is registered, paid or set at county level (社会组织 and 慈善
# registration, 婚姻登记 and 殡葬 offices, standards, the civil-affairs budget, the two disability subsidies, counts of
# townships with a station). Both parts of a ratio are collected at the same level, so every ratio can be recomputed
# at that level and above. Ratio indicators are never written: the system recomputes them from these parts.
COLLECTED_BY: dict[str, str] = {
    "POP60_HJ": "township", "POP60_CZ": "township", "VILLAGE_COMM_N": "township", "TOWNSHIP_N": "county",
    "MZ_EXPENDITURE": "county",
    "EC_INST_N": "township", "EC_BED_TOTAL": "township", "EC_BED_INST": "township", "EC_BED_COMM": "township",
    "EC_BED_NURSING": "township", "EC_BED_COG": "township", "EC_BED_NEW": "township",
    "EC_FAMILY_BED_NEW": "township", "EC_CAREGIVER_CERT": "township", "EC_CAREGIVER_NEW": "township",
    "EC_MEAL_SITES": "township", "EC_MEAL_SITES_NEW": "township", "EC_MEAL_VILLAGES": "township",
    "EC_HOME_ADAPT": "township", "EC_SPECIAL_ELDERLY": "township", "EC_SPECIAL_ELDERLY_VISITED": "township",
    "SA_DIBAO_STD": "county", "SA_DIBAO_PERSONS": "township", "SA_DIBAO_HH": "township", "SA_DIBAO_EXP": "township",
    "SA_TEKUN_PERSONS": "township", "SA_TEKUN_STD": "county", "SA_TEMP_AID": "township",
    "SA_TEMP_AID_EXP": "township",
    "CW_ORPHANS": "county", "CW_ORPHANS_INST": "county", "CW_ORPHANS_SCATTERED": "county",
    "CW_FACT_UNSUPPORTED": "township", "CW_ORPHAN_STD_INST": "county", "CW_DIRECTORS": "township",
    "CW_DIRECTOR_VILLAGES": "township", "CW_DIRECTORS_TRAINED": "township", "CW_MINOR_STATION_TOWNSHIPS": "county",
    "SO_TOTAL": "county", "SO_NEW": "county", "SO_3A_PLUS": "county", "SO_4A_PLUS": "county",
    "SO_GOV_PURCHASE": "county",
    "CS_CHARITY_FUNDS": "county", "CS_CHARITY_SPENT": "county", "CS_TRUST_NEW_AMT": "county",
    "CS_TRUST_TOTAL": "county", "CS_CHARITY_ORGS": "county", "CS_SW_CERT": "county",
    "CS_SW_STATION_TOWNSHIPS": "county",
    "AF_MARRIAGE": "county", "AF_DIVORCE": "county", "AF_CREMATION": "county", "AF_BURIAL_TOTAL": "county",
    "AF_BURIAL_ECO": "county", "AF_PUBLIC_CEMETERY": "county", "AF_DISABLED_ELIGIBLE": "county",
    "AF_DISABLED_SUBSIDY": "county", "AF_SEVERE_ELIGIBLE": "county", "AF_SEVERE_SUBSIDY": "county",
    "AF_VAGRANT_AID": "county",
    "GG_FACILITY_VILLAGES": "township", "GG_COMM_SERVICE_CENTERS": "township",
    "GG_COMM_SERVICE_STATIONS": "township", "GG_MINSHENG_PROJECTS": "township",
}


@dataclass(frozen=True)
class BureauProfile:
    """What differs between the five demo bureaus: local standards and the size of their caseloads."""

    code: str  # 6-digit code of the city (multi-county bureaus) or of the county itself
    unit: str  # 填报单位 of the county-level file
    dibao_2024: int  # 低保标准 (元/人·月) in force after the 2024 adjustment
    adjust_month: int  # the month standards change each year
    orphan_factor: float  # 集中养育孤儿标准 relative to 低保标准
    dibao_rate: float  # 低保对象 per 60+ resident (a proxy for the local caseload)
    cremation_rate: float
    charity_factor: float
    central: tuple[str, ...] = ()  # city-centre districts, whose 街道 are larger
    so_4a_target: tuple[int, int] | None = None  # (4A+ total in 2019, yearly increase) across the bureau


BUREAUS: tuple[BureauProfile, ...] = (
    BureauProfile("330200", "宁波市民政局", 1250, 7, 2.1, 0.028, 0.99, 1.0, ("330203", "330205", "330212"),
                  so_4a_target=(556, 12)),
    BureauProfile("330503", "湖州市南浔区民政局", 1230, 7, 2.1, 0.030, 0.99, 0.8),
    BureauProfile("420281", "大冶市民政局", 780, 1, 2.0, 0.100, 0.90, 0.6),
    BureauProfile("350582", "晋江市民政局", 1000, 7, 2.0, 0.025, 0.97, 3.0),
    BureauProfile("450100", "南宁市民政局", 900, 7, 2.0, 0.160, 0.75, 0.7, ("450102", "450103", "450105", "450107")),
)

# Month-of-year profiles (Jan..Dec), normalised to mean 1 below.
_SEASONS = {
    "project": (0.4, 0.5, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3, 1.8),  # works are accepted towards year end
    "relief": (1.6, 1.5, 1.0, 0.9, 0.8, 0.8, 0.9, 0.9, 0.9, 0.9, 1.0, 1.5),  # 春节 and winter
    "charity": (1.8, 1.2, 0.7, 0.7, 0.8, 0.8, 0.7, 0.8, 1.6, 0.9, 0.9, 1.3),  # 春节, 中华慈善日 (9月5日), year end
    "budget": (0.6, 0.8, 1.0, 0.9, 0.9, 1.1, 0.9, 0.9, 1.1, 0.9, 1.0, 1.9),
    "marriage": (1.25, 1.0, 0.8, 0.85, 1.15, 0.8, 0.75, 0.95, 0.95, 1.1, 0.9, 1.05),  # 5·20, 七夕, 国庆
    "divorce": (0.9, 0.7, 1.2, 1.1, 1.0, 1.0, 1.1, 1.1, 1.0, 0.9, 1.0, 0.9),
    "death": (1.25, 1.1, 1.0, 0.95, 0.9, 0.85, 0.85, 0.85, 0.9, 0.95, 1.05, 1.2),
}
SEASONS = {k: tuple(x * 12 / sum(v) for x in v) for k, v in _SEASONS.items()}
# Year-on-year marriage registrations, national pattern (2019 = 1).
MARRIAGE_YEAR = {2019: 1.0, 2020: 0.88, 2021: 0.87, 2022: 0.79, 2023: 0.88, 2024: 0.70, 2025: 0.74, 2026: 0.72}
# One-off shocks by (year, month): the 2020 lockdown and the 2022/23 winter wave.
SHOCKS = {
    "marriage": {(2020, 2): 0.1, (2020, 3): 0.45, (2020, 4): 0.8, (2022, 12): 0.7},
    "divorce": {(2020, 2): 0.1, (2020, 3): 0.5, (2020, 4): 0.8},
    "death": {(2022, 12): 1.5, (2023, 1): 1.9, (2023, 2): 1.1},
    "relief": {(2020, 2): 1.6, (2020, 3): 1.7, (2020, 4): 1.5, (2020, 5): 1.3},
}
REPORTERS = ("王丽", "陈静", "李娜", "张伟", "刘洋", "周敏", "吴芳", "黄磊", "赵倩", "徐亮", "孙杰", "朱红")


# ---- small helpers -------------------------------------------------------------------------------------------------


def stable_int(*parts: object) -> int:
    """A 63-bit integer from text that is the same in every process (``hash()`` of a str is salted per process)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def rng_for(seed: int, *parts: object) -> random.Random:
    return random.Random(seed ^ stable_int(*parts))


def parse_month(text: str) -> dt.date:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"月份应写作 YYYY-MM，例如 2026-10：{text!r}")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_index(period: dt.date) -> int:
    return (period.year - ORIGIN.year) * 12 + period.month - ORIGIN.month


def month_at(index: int) -> dt.date:
    year, month = divmod(ORIGIN.year * 12 + ORIGIN.month - 1 + index, 12)
    return dt.date(year, month + 1, 1)


def _count(x: float) -> int:
    return max(0, int(round(x)))


def _money(x: float) -> float:
    return max(0.0, round(x, 1))


def _shock(kind: str, period: dt.date) -> float:
    return SHOCKS.get(kind, {}).get((period.year, period.month), 1.0)


def _walk(rng: random.Random, value: float, step: float, limit: float) -> float:
    """A bounded random walk: stocks drift a little every month instead of jumping."""
    return min(limit, max(-limit, value + rng.gauss(0, step)))


# ---- regions -------------------------------------------------------------------------------------------------------


@dataclass
class County:
    region: Region
    bureau: BureauProfile
    ordinal: int  # position among all demo counties; picks the header style
    townships: list[Region]

    @property
    def code6(self) -> str:
        return self.region.code[:6]

    @property
    def unit(self) -> str:
        """填报单位 of the county's township file, e.g. 宁波市海曙区民政局."""
        if self.bureau.code == self.code6:
            return self.bureau.unit
        return f"{self.bureau.unit.removesuffix('民政局')}{self.region.name}民政局"


def demo_counties(regions: RegionIndex) -> list[County]:
    """Every county of the five bureaus, in code order, with its current townships."""
    out = []
    for bureau in BUREAUS:
        region = regions.get(bureau.code)
        counties = [region] if region.level == "county" else regions.descendants(region.code, "county")
        for county in counties:
            out.append(County(county, bureau, 0, regions.townships_of(county.code)))
    out.sort(key=lambda c: c.region.code)
    for n, county in enumerate(out):
        county.ordinal = n
    return out


def select_counties(all_counties: list[County], regions: RegionIndex, wanted: list[str] | None) -> list[County]:
    """Resolve codes (6 or 12 digits) or names to demo counties; ValueError names anything unknown."""
    if not wanted:
        return list(all_counties)
    by_code = {c.region.code: c for c in all_counties}
    chosen, unknown = [], []
    for text in wanted:
        region = regions.get(text) if str(text).isdigit() else regions.match(text)
        county = by_code.get(region.code) if region else None
        if county is None:
            unknown.append(str(text))
        elif county not in chosen:
            chosen.append(county)
    if unknown:
        names = "、".join(c.region.name for c in all_counties)
        raise ValueError(f"不是示例数据中的县（市、区）：{'、'.join(unknown)}。可选：{names}")
    return sorted(chosen, key=lambda c: c.region.code)


def _kind(region: Region) -> str:
    return {"街道": "street", "镇": "town", "乡": "xiang"}.get(region.type, "zone")


# ---- the simulation ------------------------------------------------------------------------------------------------


def standards(bureau: BureauProfile, period: dt.date) -> dict[str, int]:
    """The three standards in force in a month: they move once a year, in the bureau's adjustment month."""
    year = period.year if period.month >= bureau.adjust_month else period.year - 1
    dibao = int(round(bureau.dibao_2024 * 1.055 ** (year - 2024) / 10) * 10)
    return {"SA_DIBAO_STD": dibao, "SA_TEKUN_STD": int(round(dibao * 1.3)),
            "CW_ORPHAN_STD_INST": int(round(dibao * bureau.orphan_factor / 10) * 10)}


@dataclass
class TownshipParams:
    """Fixed traits of a township, drawn once; the monthly series are simulated from these."""

    region: Region
    pop0: float  # 60+ 户籍 population at ORIGIN
    growth: float
    cz_factor: float
    villages: int
    bed_weight: float  # relative bed provision; normalised within the county
    care_weight: float
    inst_share: float
    nursing0: float
    cog0: float
    inst_size: float
    meal_cover0: float
    villages_per_site: float
    adapt_rate: float
    family_rate: float
    special_share: float
    visit0: float
    dibao_rate: float
    household_size: float
    dibao_gap: float
    tekun_rate: float
    aid_rate: float
    aid_cost: float
    fact_rate: float
    director_cover0: float
    director_ratio: float
    facility0: float
    station0: float
    centers: int
    projects: float


_POP_RANGE = {"street_central": (12000, 32000), "street": (6000, 22000), "town": (5000, 25000),
              "xiang": (3000, 9000), "zone": (3000, 7000)}
_VILLAGE_RANGE = {"street": (6, 20), "town": (12, 40), "xiang": (6, 18), "zone": (2, 8)}


def township_params(region: Region, county: County, seed: int) -> TownshipParams:
    rng = rng_for(seed, "township", region.code)
    kind = _kind(region)
    central = kind == "street" and county.code6 in county.bureau.central
    rural = kind in ("town", "xiang")
    return TownshipParams(
        region=region,
        pop0=rng.uniform(*_POP_RANGE["street_central" if central else kind]),
        growth=rng.uniform(0.02, 0.03),
        cz_factor=rng.uniform(0.87, 1.13),
        villages=rng.randint(*_VILLAGE_RANGE[kind]),
        bed_weight=rng.uniform(0.6, 1.4),
        care_weight=rng.uniform(0.7, 1.3),
        inst_share=rng.uniform(0.58, 0.75),
        nursing0=rng.uniform(0.50, 0.56),
        cog0=rng.uniform(0.0, 0.02),
        inst_size=rng.uniform(30, 90),
        meal_cover0=rng.uniform(0.2, 0.45),
        villages_per_site=rng.uniform(1.3, 2.5),
        adapt_rate=rng.uniform(8, 25),
        family_rate=rng.uniform(0.3, 1.5),
        special_share=rng.uniform(0.025, 0.06),
        visit0=rng.uniform(0.86, 0.94),
        dibao_rate=county.bureau.dibao_rate * rng.uniform(0.6, 1.0 if kind == "street" else 1.5),
        household_size=rng.uniform(1.45, 1.9),
        dibao_gap=rng.uniform(0.55, 0.75),
        tekun_rate=rng.uniform(0.004, 0.012) * (1.5 if county.bureau.code == "450100" and rural else 1.0),
        aid_rate=rng.uniform(0.3, 2.5),
        aid_cost=rng.uniform(0.12, 0.3),
        fact_rate=rng.uniform(1, 6),
        director_cover0=rng.uniform(0.85, 0.97),
        director_ratio=rng.uniform(0.85, 1.0),
        facility0=rng.uniform(0.8, 0.95),
        station0=rng.uniform(0.45, 0.8),
        centers=2 if kind == "street" and rng.random() < 0.2 else 1,
        projects=rng.uniform(0.5, 3.0),
    )


@dataclass
class CountyModel:
    """A county's townships plus the county-wide parameters that tie them together."""

    county: County
    townships: list[TownshipParams]
    density0: float  # 每万名老年人拥有养老床位数 at ORIGIN
    density_growth: float
    care0: float  # 每万名老年人拥有持证养老护理员数 at ORIGIN
    care_growth: float

    @property
    def pop0(self) -> float:
        return sum(t.pop0 for t in self.townships)


def county_model(county: County, seed: int) -> CountyModel:
    """Draw the townships, then rescale their bed and caregiver weights so that the county ratios come out as
    intended (30–60 beds and 10–30 caregivers per 10,000 elderly) however the townships happen to be drawn."""
    rng = rng_for(seed, "county", county.region.code)
    params = [township_params(t, county, seed) for t in county.townships]
    pop = sum(t.pop0 for t in params)
    for attr in ("bed_weight", "care_weight"):
        mean = sum(getattr(t, attr) * t.pop0 for t in params) / pop
        for t in params:
            setattr(t, attr, getattr(t, attr) / mean)
    return CountyModel(county, params, density0=rng.uniform(33, 42), density_growth=rng.uniform(1.2, 2.0),
                       care0=rng.uniform(10.5, 14), care_growth=rng.uniform(1.3, 1.9))


def simulate_township(model: CountyModel, t: TownshipParams, n_months: int, seed: int) -> dict[str, list]:
    """Monthly values of every township-collected indicator for months 0..n_months-1 after ORIGIN.

    Stocks move smoothly (beds open in lumps no bigger than the loader's jump check tolerates), flows are the
    month's amounts with seasonality, and parts never exceed their wholes.
    """
    rng = rng_for(seed, "township-months", t.region.code)
    out: dict[str, list] = {code: [] for code, level in COLLECTED_BY.items() if level == "township"}
    beds = cert = sites = None
    cog = 0
    rw_special = rw_dibao = rw_tekun = rw_fact = 0.0
    for i in range(-1, n_months):  # month -1 only sets the opening stocks for month 0's flows
        period = month_at(i)
        years, m = i / 12, period.month
        year_index = period.year - ORIGIN.year
        pop_year = t.pop0 * (1 + t.growth) ** year_index  # 户籍 figures are year-end counts, updated each January
        pop = t.pop0 * (1 + t.growth) ** years

        target = pop * (model.density0 + model.density_growth * years) * t.bed_weight / 1e4
        if beds is None:
            beds = round(target)
        lump = max(3, round(0.03 * beds))
        deficit = target - beds
        opened = 0
        if deficit >= 3 * lump or (deficit >= lump and rng.random() < 0.35 * SEASONS["project"][m - 1]):
            opened = min(round(deficit + rng.uniform(0, lump)), max(9, round(0.4 * beds)))
        beds_before, beds = beds, beds + opened
        inst = round(beds * (t.inst_share - 0.004 * years))
        nursing = min(inst, round(inst * min(0.75, t.nursing0 + 0.024 * years)))
        cog = min(inst, max(cog, round(inst * min(0.1, t.cog0 + 0.007 * years))))  # units are not closed

        cert_before = cert
        cert = round(pop * (model.care0 + model.care_growth * years) * t.care_weight / 1e4)
        leavers = 1 if rng.random() < min(0.5, cert / 400) else 0
        sites_before = sites
        cover = min(0.98, t.meal_cover0 + 0.085 * years)
        meal_villages = round(t.villages * cover)
        sites = max(1, round(meal_villages / t.villages_per_site))

        rw_special = _walk(rng, rw_special, 0.004, 0.05)
        special = round(pop * t.special_share * (1 + rw_special))
        visited = min(special, round(special * min(1.0, t.visit0 + 0.012 * years + rng.uniform(-0.02, 0.02))))
        rw_dibao = _walk(rng, rw_dibao, 0.006, 0.06)
        dibao = round(pop * t.dibao_rate * max(0.6, 1 - 0.03 * years) * (1 + rw_dibao))
        rw_tekun = _walk(rng, rw_tekun, 0.004, 0.05)
        rw_fact = _walk(rng, rw_fact, 0.01, 0.1)
        aid = _count(pop / 1e4 * t.aid_rate * SEASONS["relief"][m - 1] * _shock("relief", period)
                     * rng.uniform(0.6, 1.4))
        director_villages = max(1, round(t.villages * min(1.0, t.director_cover0 + 0.04 * years)))
        directors = max(1, round(director_villages * t.director_ratio))
        if i < 0:
            continue

        std = standards(model.county.bureau, period)["SA_DIBAO_STD"]
        row = {
            "POP60_HJ": round(pop_year),
            "POP60_CZ": round(pop_year * (t.cz_factor + 0.002 * year_index)),
            "VILLAGE_COMM_N": t.villages,
            "EC_INST_N": max(1, round(inst / t.inst_size)),
            "EC_BED_TOTAL": beds,
            "EC_BED_INST": inst,
            "EC_BED_COMM": beds - inst,
            "EC_BED_NURSING": nursing,
            "EC_BED_COG": cog,
            "EC_BED_NEW": beds - beds_before,
            "EC_FAMILY_BED_NEW": _count(pop / 1e4 * t.family_rate * SEASONS["project"][m - 1]
                                        * rng.uniform(0.5, 1.5)) if period.year >= 2021 else 0,
            "EC_CAREGIVER_CERT": cert,
            "EC_CAREGIVER_NEW": max(0, cert - cert_before) + leavers,
            "EC_MEAL_SITES": sites,
            "EC_MEAL_SITES_NEW": max(0, sites - sites_before),
            "EC_MEAL_VILLAGES": meal_villages,
            "EC_HOME_ADAPT": _count(pop / 1e4 * t.adapt_rate / 12 * SEASONS["project"][m - 1]
                                    * rng.uniform(0.6, 1.4)),
            "EC_SPECIAL_ELDERLY": special,
            "EC_SPECIAL_ELDERLY_VISITED": visited,
            "SA_DIBAO_PERSONS": dibao,
            "SA_DIBAO_HH": max(1, round(dibao / t.household_size)) if dibao else 0,
            "SA_DIBAO_EXP": _money(dibao * std * t.dibao_gap / 1e4 * (1.12 if m == 1 else 1.0)),
            "SA_TEKUN_PERSONS": round(pop * t.tekun_rate * (1 + rw_tekun)),
            "SA_TEMP_AID": aid,
            "SA_TEMP_AID_EXP": _money(aid * t.aid_cost * rng.uniform(0.8, 1.2)),
            "CW_FACT_UNSUPPORTED": max(1, round(pop / 1e4 * t.fact_rate * (1 + rw_fact))),
            "CW_DIRECTORS": directors,
            "CW_DIRECTOR_VILLAGES": director_villages,
            # Training is counted afresh each year; most directors are trained at the start-of-year session.
            "CW_DIRECTORS_TRAINED": min(directors, round(directors * (0.58 + 0.40 * (m - 1) / 11))),
            "GG_FACILITY_VILLAGES": round(t.villages * min(1.0, t.facility0 + 0.03 * years)),
            "GG_COMM_SERVICE_CENTERS": t.centers,
            "GG_COMM_SERVICE_STATIONS": round(t.villages * min(1.0, t.station0 + 0.04 * years)),
            "GG_MINSHENG_PROJECTS": _count(t.projects * SEASONS["project"][m - 1] * rng.uniform(0.3, 1.7)),
        }
        for code, value in row.items():
            out[code].append(value)
    return out


def so_4a_allocation(models: dict[str, CountyModel], seed: int) -> dict[str, float]:
    """Each county's share of its bureau's 4A+ social organisations, from the whole bureau (not just the counties
    being generated), so that 宁波市 adds up to its target in a full build and a county's values never depend on
    which other counties were asked for."""
    shares = {}
    for bureau in BUREAUS:
        members = [m for m in models.values() if m.county.bureau is bureau]
        weights = [m.pop0 * rng_for(seed, "so", m.county.region.code).uniform(25, 45) for m in members]
        for m, w in zip(members, weights):
            shares[m.county.region.code] = w / sum(weights)
    return shares


def simulate_county(model: CountyModel, n_months: int, seed: int, so_share: float) -> dict[str, list]:
    """Monthly values of every county-collected indicator, months 0..n_months-1 after ORIGIN."""
    county, bureau = model.county, model.county.bureau
    rng = rng_for(seed, "county-months", county.region.code)
    pop0 = model.pop0
    growth = sum(t.pop0 * t.growth for t in model.townships) / pop0
    township_n = sum(1 for t in county.townships if t.type != "类似乡级单位")

    so_total = round(pop0 / 1e4 * rng_for(seed, "so", county.region.code).uniform(25, 45))
    share_4a = rng.uniform(0.05, 0.07)
    ratio_3a = rng.uniform(2.0, 2.6)
    purchase = so_total * rng.uniform(0.4, 1.2)
    mz_rate = rng.uniform(0.010, 0.016)
    charity_rate = rng.uniform(0.02, 0.05) * bureau.charity_factor
    trust = round(rng.uniform(100, 2500) * bureau.charity_factor, 1)
    charity_orgs = round(rng.randint(8, 30) * min(2.0, bureau.charity_factor))
    sw_cert = round(pop0 * rng.uniform(0.005, 0.01))
    sw_cover0 = rng.uniform(0.1, 0.3)
    orphans_inst, orphans_scattered = rng.randint(2, 25), rng.randint(15, 120)
    marriage_rate = rng.uniform(0.018, 0.03)
    burial_share, eco0 = rng.uniform(0.8, 0.95), rng.uniform(0.15, 0.3)
    cemeteries = max(2, round(township_n * rng.uniform(0.5, 1.5)))
    disabled_rate, severe_rate = rng.uniform(0.008, 0.016), rng.uniform(0.012, 0.02)
    vagrant_rate = rng.uniform(0.3, 1.5)
    rw_disabled = rw_severe = 0.0
    funds_before = None
    so_4a = so_3a = None

    out: dict[str, list] = {code: [] for code, level in COLLECTED_BY.items() if level == "county"}
    for i in range(-1, n_months):
        period = month_at(i)
        years, m = i / 12, period.month
        year_index = period.year - ORIGIN.year
        pop = pop0 * (1 + growth) ** years

        new_so = _count(so_total * 0.0055 * rng.uniform(0.4, 1.6))
        so_total += new_so - _count(so_total * 0.0035 * rng.uniform(0.4, 1.6))
        if so_4a is None or m == 1:  # evaluation grades are published once a year
            if bureau.so_4a_target:
                base, step = bureau.so_4a_target
                so_4a = round((base + step * year_index) * so_share)
            else:
                so_4a = round(so_total * (share_4a + 0.003 * year_index))
            so_3a = min(so_total, round(so_4a * ratio_3a))
            if i >= 0 and m == 1:
                charity_orgs += rng.randint(0, 4)
                cemeteries += 1 if rng.random() < 0.4 else 0
        if m == 12 and i >= 0:  # social-work certificates of the year's exam are counted at year end
            sw_cert = round(sw_cert * rng.uniform(1.10, 1.18))
        new_trust = round(rng.uniform(10, max(10.0, 0.4 * trust)), 1) if rng.random() < 0.1 else 0.0
        trust = round(trust + new_trust, 1)
        # Small counts never fall to 0: the loader (rightly) questions a stock that vanishes.
        step = rng.random()
        orphans_inst = max(1, orphans_inst + (-1 if step < 0.06 else 1 if step > 0.97 else 0))
        if rng.random() < 0.2:
            orphans_scattered = max(1, orphans_scattered + rng.choice((-2, -1, -1, 1)))
        funds = _money(pop * charity_rate / 12 * SEASONS["charity"][m - 1] * rng.uniform(0.6, 1.5))
        spent = _money(0.5 * (funds + (funds_before if funds_before is not None else funds)) * rng.uniform(0.7, 0.95))
        funds_before = funds
        rw_disabled = _walk(rng, rw_disabled, 0.004, 0.05)
        rw_severe = _walk(rng, rw_severe, 0.004, 0.05)
        if i < 0:
            continue

        deaths = pop * 0.032 / 12 * SEASONS["death"][m - 1] * _shock("death", period) * rng.uniform(0.85, 1.15)
        cremation = _count(deaths * bureau.cremation_rate)
        burials = _count(cremation * burial_share * (1.5 if m == 4 else 0.95))  # 清明 is when ashes are laid
        marriage_base = pop * marriage_rate / 12 * MARRIAGE_YEAR.get(period.year, 0.72)
        disabled = round(pop * disabled_rate * (1 + rw_disabled))
        severe = round(pop * severe_rate * (1 + rw_severe))
        row = {
            "TOWNSHIP_N": township_n,
            "MZ_EXPENDITURE": _money(pop * mz_rate * 1.05 ** years * SEASONS["budget"][m - 1]
                                     * rng.uniform(0.85, 1.15)),
            **standards(bureau, period),
            "CW_ORPHANS": orphans_inst + orphans_scattered,
            "CW_ORPHANS_INST": orphans_inst,
            "CW_ORPHANS_SCATTERED": orphans_scattered,
            # 未成年人保护工作站 were set up from mid-2021 and cover every township by the end of 2023.
            "CW_MINOR_STATION_TOWNSHIPS": round(township_n * min(1.0, max(0.0, (i - 28) / 31))),
            "SO_TOTAL": so_total,
            "SO_NEW": new_so,
            "SO_3A_PLUS": so_3a,
            "SO_4A_PLUS": so_4a,
            "SO_GOV_PURCHASE": _money(purchase * 1.06 ** years / 12 * SEASONS["budget"][m - 1] * rng.uniform(0.7, 1.3)),
            "CS_CHARITY_FUNDS": funds,
            "CS_CHARITY_SPENT": spent,
            "CS_TRUST_NEW_AMT": new_trust,
            "CS_TRUST_TOTAL": trust,
            "CS_CHARITY_ORGS": charity_orgs,
            "CS_SW_CERT": sw_cert,
            # 乡镇(街道)社会工作站 reach every township by the end of 2022.
            "CS_SW_STATION_TOWNSHIPS": round(township_n * min(1.0, sw_cover0 + (1 - sw_cover0) * i / 47)),
            "AF_MARRIAGE": _count(marriage_base * SEASONS["marriage"][m - 1] * _shock("marriage", period)
                                  * rng.uniform(0.85, 1.15)),
            # The 30-day 离婚冷静期 has cut divorce registrations since 2021.
            "AF_DIVORCE": _count(marriage_base * 0.38 * (0.62 if period.year >= 2021 else 1.0)
                                 * SEASONS["divorce"][m - 1] * _shock("divorce", period) * rng.uniform(0.85, 1.15)),
            "AF_CREMATION": cremation,
            "AF_BURIAL_TOTAL": burials,
            "AF_BURIAL_ECO": min(burials, round(burials * min(0.7, eco0 + 0.04 * years))),
            "AF_PUBLIC_CEMETERY": cemeteries,
            "AF_DISABLED_ELIGIBLE": disabled,
            "AF_DISABLED_SUBSIDY": min(disabled, round(disabled * rng.uniform(0.985, 1.0))),
            "AF_SEVERE_ELIGIBLE": severe,
            "AF_SEVERE_SUBSIDY": min(severe, round(severe * rng.uniform(0.985, 1.0))),
            "AF_VAGRANT_AID": _count(pop / 1e4 * vagrant_rate * SEASONS["relief"][m - 1] * rng.uniform(0.6, 1.4)),
        }
        for code, value in row.items():
            out[code].append(value)
    return out


# ---- what gets written ---------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    """The requested range and counties, plus the deterministic 'real life' events inside it."""

    counties: list[County]
    months: list[dt.date]
    seed: int
    late: dict[str, int] = field(default_factory=dict)  # township code -> number of trailing months left blank
    late_fill: tuple[str, dt.date] | None = None  # (township code, month) delivered later in a 补报 file
    correction: tuple[str, dt.date] | None = None  # (county code, month) re-submitted in a 更正 file
    # (township code, month) where a large community care centre opens: a real jump that the loader flags, so the
    # demo's load history shows what a plausibility warning looks like. Only in a January after the first month,
    # because the demo loads by year and the jump check compares with what is already loaded.
    new_centre: tuple[str, dt.date] | None = None

    def blank(self, township_code: str, period: dt.date) -> bool:
        n = self.late.get(township_code, 0)
        return n > 0 and period >= self.months[max(0, len(self.months) - n)]


def make_scenario(counties: list[County], start: dt.date, end: dt.date, seed: int) -> Scenario:
    """Choose the late reporters (~2 % of townships, at least one), the 补报, the 更正 and the one intended jump,
    all deterministically from ``seed``."""
    if start < ORIGIN:
        raise ValueError(f"示例数据最早从 {ORIGIN:%Y-%m} 开始")
    if end < start:
        raise ValueError("结束月份早于开始月份")
    months = [month_at(i) for i in range(month_index(start), month_index(end) + 1)]
    scenario = Scenario(counties, months, seed)
    townships = sorted((t for c in counties for t in c.townships), key=lambda t: stable_int(seed, "late", t.code))
    for t in townships[: max(1, round(0.02 * len(townships)))]:
        scenario.late[t.code] = 1 + stable_int(seed, "late-months", t.code) % 2
    if len(months) == 1:
        scenario.late = {code: 1 for code in scenario.late}
    longest = max(scenario.late, key=scenario.late.get)  # the first of those two months behind
    scenario.late_fill = (longest, months[len(months) - scenario.late[longest]])
    first = min(counties, key=lambda c: stable_int(seed, "correction", c.region.code))
    scenario.correction = (first.region.code, months[len(months) // 2])
    januaries = [p for p in months[1:] if p.month == 1]
    if januaries:
        township = min(townships[len(scenario.late):], key=lambda t: stable_int(seed, "centre", t.code), default=None)
        if township is not None:
            scenario.new_centre = (township.code, januaries[len(januaries) // 2])
    return scenario


@dataclass
class FileSpec:
    """One file to write: where, what kind, for which month and region."""

    relpath: str
    kind: str  # township | county | late | correction
    period: dt.date
    county: County | None = None  # township, late and correction files
    bureau: BureauProfile | None = None  # county-level files


def _township_file_name(county: County, period: dt.date, suffix: str = "") -> str:
    name = county.region.name
    return f"{county.code6}_{name}/{period:%Y-%m}_{name}乡镇民政业务月报{suffix}.xlsx"


def _bureau_short(bureau: BureauProfile) -> str:
    return bureau.unit.removesuffix("民政局").removeprefix("湖州市")


def plan(scenario: Scenario) -> list[FileSpec]:
    """Every file of the scenario, in the order it is loaded: month by month (township files, then the bureaus'
    county-level files), then the 补报 and the 更正, which arrive after everything else."""
    specs: list[FileSpec] = []
    for period in scenario.months:
        for county in scenario.counties:
            specs.append(FileSpec(_township_file_name(county, period), "township", period, county=county))
        for bureau in BUREAUS:
            if any(c.bureau is bureau for c in scenario.counties):
                short = _bureau_short(bureau)
                specs.append(FileSpec(f"{bureau.code}_{short}/{period:%Y-%m}_{short}县级民政业务月报.xlsx", "county",
                                      period, bureau=bureau))
    township, period = scenario.late_fill
    county = next(c for c in scenario.counties if any(t.code == township for t in c.townships))
    specs.append(FileSpec(_township_file_name(county, period, "（补报）"), "late", period, county=county))
    code, period = scenario.correction
    county = next(c for c in scenario.counties if c.region.code == code)
    specs.append(FileSpec(_township_file_name(county, period, "（更正）"), "correction", period, county=county))
    return specs


# ---- spreadsheet writing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableStyle:
    """How a county's clerk lays out the township table; varied so every branch of the parser is exercised."""

    units_row: bool  # units in a row under the header instead of in the header cells
    numbered: bool  # a 序号 column and a 甲/乙/1/2/3 column-number row
    money_unit: str  # 万元 or 元
    aliases: bool  # header texts use a common alias instead of the catalogue name

    @classmethod
    def for_county(cls, ordinal: int) -> "TableStyle":
        return cls(units_row=ordinal % 2 == 1, numbered=ordinal % 3 == 2,
                   money_unit="元" if ordinal % 4 == 3 else "万元", aliases=ordinal % 5 == 4)


@dataclass
class Column:
    indicator: Indicator
    title: str
    unit: str
    factor: float  # multiply the catalogue-unit value by this to get the displayed value


def _columns(catalog: Catalog, level: str, style: TableStyle) -> list[Column]:
    cols = []
    for ind in catalog:
        if ind.is_ratio or COLLECTED_BY.get(ind.code) != level:
            continue
        title = ind.aliases[0] if style.aliases and ind.aliases else ind.name
        unit, factor = (style.money_unit, 1e4) if ind.unit == "万元" and style.money_unit == "元" else (ind.unit, 1.0)
        cols.append(Column(ind, title, unit, factor))
    return cols


def _display(value, column: Column):
    """The cell as a clerk would type it: integers for counts, one decimal for 万元, whole 元, a dash if missing."""
    if value is None:
        return "—"
    if column.factor != 1.0:
        return int(round(value * column.factor))
    if column.indicator.unit == "万元":
        return round(float(value), 1)
    return int(value)


def _total(values: list, column: Column):
    present = [v for v in values if v is not None]
    if column.indicator.kind == "level" or not present:
        return "—"
    return _display(round(sum(present), 1) if column.indicator.unit == "万元" else sum(present), column)


def _bold(ws, value, size: int = 11):
    cell = WriteOnlyCell(ws, value=value)
    cell.font = Font(bold=True, size=size)
    return cell


def _footer(period: dt.date, seed: int, key: str, extra: str | None = None) -> list[str]:
    rng = rng_for(seed, "footer", key, period)
    reporter, reviewer = rng.sample(REPORTERS, 2)
    sent = period.replace(year=period.year + (period.month == 12), month=period.month % 12 + 1, day=rng.randint(3, 8))
    lines = [DEMO_NOTE] if extra is None else [DEMO_NOTE, extra]
    lines.append(f"填报人：{reporter}　　审核人：{reviewer}　　联系电话：{rng.randint(80000000, 89999999)}　　"
                 f"报出日期：{sent.year}年{sent.month}月{sent.day}日")
    return lines


def write_table(path: Path, *, title: str, unit: str, period: dt.date, region_header: str, sheet: str,
                columns: list[Column], rows: list[tuple[str, dict]], style: TableStyle, total_label: str | None,
                footer: list[str]) -> None:
    """A layout-(a) table: title, 填报单位/报告期, header (+units row, +column numbers), one row per region, 合计,
    notes. ``rows`` holds (region name, {indicator code: value in catalogue unit or None})."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    lead = 2 if style.numbered else 1  # 序号 and region columns
    ws.column_dimensions["A"].width = 8 if style.numbered else 16
    if style.numbered:
        ws.column_dimensions["B"].width = 16
    ws.append([_bold(ws, title, 14)])
    ws.append([f"填报单位：{unit}"] + [None] * (lead + len(columns) - 3) + [f"报告期：{period.year}年{period.month}月"])
    header = (["序号"] if style.numbered else []) + [region_header]
    if style.units_row:
        header += [c.title for c in columns]
    else:
        header += [f"{c.title}（{c.unit}）" for c in columns]
    ws.append([_bold(ws, h) for h in header])
    if style.units_row:
        ws.append([None] * (lead - 1) + ["计量单位"] + [c.unit for c in columns])
    if style.numbered:
        ws.append(["甲", "乙"] + list(range(1, len(columns) + 1)))
    for n, (name, values) in enumerate(rows, 1):
        cells = [_display(values.get(c.indicator.code), c) for c in columns]
        ws.append(([n] if style.numbered else []) + [name] + cells)
    if total_label:
        ws.append(([None] if style.numbered else []) + [total_label]
                  + [_total([v.get(c.indicator.code) for _n, v in rows], c) for c in columns])
    ws.append([])
    for line in footer:
        ws.append([line])
    _save(wb, path, period)


def write_form(path: Path, *, title: str, unit: str, period: dt.date, columns: list[Column], values: dict,
               footer: list[str]) -> None:
    """A layout-(b) 民政统计-style form (指标名称 | 计量单位 | 代码 | 本期数) for a bureau that reports only itself.

    Single-county bureaus use it because in a layout-(a) table a row naming the 填报单位's own county is read as the
    合计 row. The 单位 cell of 例 is left blank: etl/parse.py's list of form units lacks 例 and would reject the row.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("县级指标")
    ws.column_dimensions["A"].width = 36
    ws.append([_bold(ws, title, 14)])
    ws.append([f"填报单位：{unit}", None, None, f"报告期：{period.year}年{period.month}月"])
    ws.append([_bold(ws, h) for h in ("指标名称", "计量单位", "代码", "本期数")])
    ws.append(["甲", "乙", "丙", 1])
    areas: list[str] = []
    for c in columns:
        if c.indicator.area not in areas:  # section rows carry no value, so the parser passes over them
            areas.append(c.indicator.area)
            ws.append([f"{'一二三四五六七八九十'[len(areas) - 1]}、{c.indicator.area}"])
        is_part = c.indicator.code in ("CW_ORPHANS_INST", "CW_ORPHANS_SCATTERED", "SO_4A_PLUS", "AF_BURIAL_ECO")
        label = ("　　其中：" if is_part else "　") + c.title
        stock_code = c.indicator.form_codes[0] if c.indicator.form_codes and c.indicator.kind == "stock" else None
        ws.append([label, "" if c.unit == "例" else c.unit, stock_code, _display(values[c.indicator.code], c)])
    ws.append([])
    for line in footer:
        ws.append([line])
    _save(wb, path, period)


def _save(wb: Workbook, path: Path, period: dt.date) -> None:
    """Save with fixed timestamps, so the same values always give the same bytes (and the same content hash)."""
    stamp = dt.datetime(period.year, period.month, 1) + dt.timedelta(days=40)
    wb.properties.creator = "民政指标驾驶舱 示例数据"
    wb.properties.created = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso, data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6]), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(path)


# ---- generation ----------------------------------------------------------------------------------------------------


class Generator:
    """Simulates the chosen counties once and writes any file of the plan from the simulated series."""

    def __init__(self, scenario: Scenario, catalog: Catalog, all_counties: list[County]):
        self.scenario = scenario
        self.catalog = catalog
        seed = scenario.seed
        n = month_index(scenario.months[-1]) + 1
        chosen = {c.region.code for c in scenario.counties}
        models = {c.region.code: county_model(c, seed) for c in all_counties
                  if c.region.code in chosen or c.bureau.so_4a_target}
        shares = so_4a_allocation(models, seed)
        self.township: dict[str, dict[str, list]] = {}
        self.county: dict[str, dict[str, list]] = {}
        for code in chosen:
            model = models[code]
            for t in model.townships:
                self.township[t.region.code] = simulate_township(model, t, n, seed)
            self.county[code] = simulate_county(model, n, seed, shares[code])
        if scenario.new_centre:
            self._open_centre(*scenario.new_centre)

    def _open_centre(self, code: str, period: dt.date) -> None:
        """A community care centre with many beds opens: the township's community beds rise by well over half and
        stay up. Genuine, but exactly what the loader's jump check is there to question."""
        series, i = self.township[code], month_index(period)
        extra = round(series["EC_BED_COMM"][i - 1] * 0.6) + 12
        for j in range(i, len(series["EC_BED_COMM"])):
            series["EC_BED_COMM"][j] += extra
            series["EC_BED_TOTAL"][j] += extra
        series["EC_BED_NEW"][i] += extra

    def township_values(self, code: str, period: dt.date) -> dict:
        i = month_index(period)
        return {ind: series[i] for ind, series in self.township[code].items()}

    def county_values(self, code: str, period: dt.date) -> dict:
        i = month_index(period)
        return {ind: series[i] for ind, series in self.county[code].items()}

    def write(self, spec: FileSpec, out_dir: Path) -> Path:
        path = out_dir / spec.relpath
        if spec.kind == "county":
            self._write_county(spec, path)
        else:
            self._write_township(spec, path)
        return path

    def _township_rows(self, county: County, period: dt.date, honour_late: bool = True) -> list[tuple[str, dict]]:
        return [(t.name, {} if honour_late and self.scenario.blank(t.code, period)
                 else self.township_values(t.code, period)) for t in county.townships]

    def corrected_rows(self, county: County, period: dt.date) -> list[tuple[str, dict]]:
        """The county-month with a few values the township fixed after filing (the 更正 file's content)."""
        rows = self._township_rows(county, period)
        filled = [n for n, (_name, values) in enumerate(rows) if values]
        picks = sorted(filled, key=lambda n: stable_int(self.scenario.seed, "fix", county.region.code, n))[:3]
        for k, n in enumerate(picks):
            values = dict(rows[n][1])
            if k == 0:
                values["SA_TEMP_AID"] += 3
                values["SA_TEMP_AID_EXP"] = _money(values["SA_TEMP_AID_EXP"] + 0.6)
            elif k == 1:
                values["EC_SPECIAL_ELDERLY_VISITED"] = max(0, values["EC_SPECIAL_ELDERLY_VISITED"] - 5)
            else:
                values["EC_HOME_ADAPT"] += 2
            rows[n] = (rows[n][0], values)
        return rows

    def _write_township(self, spec: FileSpec, path: Path) -> None:
        county, period = spec.county, spec.period
        style = TableStyle.for_county(county.ordinal)
        name = county.region.name
        title, extra = f"{name}民政业务统计月报表（示例数据）", None
        total = "合计"
        if spec.kind == "late":
            code, _ = self.scenario.late_fill
            township = next(t for t in county.townships if t.code == code)
            rows = [(township.name, self.township_values(code, period))]
            title, total = f"{name}民政业务统计月报表（补报，示例数据）", None
            extra = f"说明：{township.name}{period.year}年{period.month}月数据逾期未报，现予补报。"
        elif spec.kind == "correction":
            rows = self.corrected_rows(county, period)
            title = f"{name}民政业务统计月报表（更正，示例数据）"
            extra = f"说明：更正{period.year}年{period.month}月部分乡镇（街道）数据，以本表为准。"
        else:
            rows = self._township_rows(county, period)
        write_table(path, title=title, unit=county.unit, period=period, region_header="乡镇（街道）",
                    sheet="乡镇月报", columns=_columns(self.catalog, "township", style), rows=rows, style=style,
                    total_label=total,
                    footer=_footer(period, self.scenario.seed, county.region.code + spec.kind, extra))

    def _write_county(self, spec: FileSpec, path: Path) -> None:
        bureau, period = spec.bureau, spec.period
        counties = [c for c in self.scenario.counties if c.bureau is bureau]
        style = TableStyle(units_row=bureau.code == "450100", numbered=bureau.code == "330200", money_unit="万元",
                           aliases=False)
        columns = _columns(self.catalog, "county", style)
        short = _bureau_short(bureau)
        title = f"{short}民政业务统计月报表（县级指标，示例数据）"
        footer = _footer(period, self.scenario.seed, bureau.code)
        if counties[0].region.code[:6] == bureau.code:  # a single-county bureau reports only itself
            write_form(path, title=title, unit=bureau.unit, period=period, columns=columns,
                       values=self.county_values(counties[0].region.code, period), footer=footer)
            return
        rows = [(c.region.name, self.county_values(c.region.code, period)) for c in counties]
        write_table(path, title=title, unit=bureau.unit, period=period, region_header="县（市、区）", sheet="县级指标",
                    columns=columns, rows=rows, style=style, total_label="全市合计", footer=footer)


def _resolve(counties: list[str] | None, start: str, end: str, seed: int) -> tuple[Scenario, list[County]]:
    catalog, regions = pipeline.reference()
    all_counties = demo_counties(regions)
    chosen = select_counties(all_counties, regions, counties)
    return make_scenario(chosen, parse_month(start), parse_month(end), seed), all_counties


def scenario_for(counties: list[str] | None = None, start: str = DEFAULT_START, end: str = DEFAULT_END,
                 seed: int = DEFAULT_SEED) -> Scenario:
    """The scenario ``generate`` would write for these arguments (late reporters, 补报, 更正, the new centre)."""
    return _resolve(counties, start, end, seed)[0]


def _manifest(scenario: Scenario, specs: list[FileSpec]) -> dict:
    return {"generator_version": GENERATOR_VERSION, "seed": scenario.seed,
            "start": f"{scenario.months[0]:%Y-%m}", "end": f"{scenario.months[-1]:%Y-%m}",
            "counties": [c.region.code for c in scenario.counties], "files": [s.relpath for s in specs]}


def generate(out_dir: Path, counties: list[str] | None = None, start: str = DEFAULT_START, end: str = DEFAULT_END,
             seed: int = DEFAULT_SEED, progress: Callable[[int, int, str], None] | None = None,
             workers: int | None = None) -> list[Path]:
    """Write every demo file of the range into ``out_dir`` and return their paths in load order.

    ``counties`` limits the output to some counties (codes or names); ``progress(done, total, name)`` is called after
    each file. A manifest records the parameters, so ``build`` knows whether the folder matches what it needs.
    Large runs are shared among ``workers`` processes (default: one per CPU, at most 4): openpyxl's cell writer is
    pure Python, and the values do not depend on which process writes a file.
    """
    out_dir = Path(out_dir)
    scenario, all_counties = _resolve(counties, start, end, seed)
    specs = plan(scenario)
    if workers is None:
        workers = min(4, os.cpu_count() or 1) if len(specs) >= PARALLEL_MIN_FILES else 1
    if workers > 1:
        job = {"counties": counties, "start": start, "end": end, "seed": seed, "out_dir": str(out_dir)}
        _write_in_subprocesses(job, len(specs), workers, progress)
    else:
        generator = Generator(scenario, pipeline.reference()[0], all_counties)
        for n, spec in enumerate(specs, 1):
            generator.write(spec, out_dir)
            if progress:
                progress(n, len(specs), Path(spec.relpath).name)
    (out_dir / MANIFEST).write_text(json.dumps(_manifest(scenario, specs), ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    return [out_dir / spec.relpath for spec in specs]


_DONE = "\x00written "  # marks a worker's progress line; anything else a worker prints is an error report


def _write_in_subprocesses(job: dict, total: int, workers: int, progress) -> None:
    """Run ``workers`` fresh interpreters, each writing every workers-th file. Plain subprocesses rather than
    multiprocessing: ``python -m etl`` has no __main__ guard to re-import safely, and the app calls us from a thread,
    where fork is unsafe."""
    code = "import sys; from etl.demo import _worker_main; _worker_main(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, json.dumps({**job, "part": k, "parts": workers})],
                              cwd=store.PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              encoding="utf-8") for k in range(workers)]
    lines: queue.Queue = queue.Queue()

    def pump(proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    for proc in procs:
        threading.Thread(target=pump, args=(proc,), daemon=True).start()
    done, finished, errors = 0, 0, []
    while finished < len(procs):
        line = lines.get()
        if line is None:
            finished += 1
        elif line.startswith(_DONE):
            done += 1
            if progress:
                progress(done, total, line[len(_DONE):])
        else:
            errors.append(line)
    if any(proc.wait() != 0 for proc in procs) or done != total:
        raise RuntimeError("生成示例报表的子进程出错：\n" + "\n".join(errors[-30:]))


def _worker_main(job_json: str) -> None:
    job = json.loads(job_json)
    scenario, all_counties = _resolve(job["counties"], job["start"], job["end"], job["seed"])
    generator = Generator(scenario, pipeline.reference()[0], all_counties)
    for spec in plan(scenario)[job["part"]::job["parts"]]:
        generator.write(spec, Path(job["out_dir"]))
        print(_DONE + Path(spec.relpath).name, flush=True)


# ---- build-demo ----------------------------------------------------------------------------------------------------


def _existing_files(out_dir: Path, scenario: Scenario) -> list[Path] | None:
    """The generated files, if the folder holds exactly this scenario's set; None means (re)generate."""
    specs = plan(scenario)
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest != _manifest(scenario, specs):
        return None
    paths = [out_dir / s.relpath for s in specs]
    return paths if all(p.exists() for p in paths) else None


def _batches(paths: list[Path], scenario: Scenario) -> list[tuple[str, list[Path]]]:
    """Load by year, then the late files: the load history then reads like a few years of real use."""
    specs = plan(scenario)
    batches: dict[str, list[Path]] = {}
    for spec, path in zip(specs, paths):
        label = "补报、更正报表" if spec.kind in ("late", "correction") else f"{spec.period.year}年"
        batches.setdefault(label, []).append(path)
    return list(batches.items())


def _say(text: str) -> None:
    print(text, flush=True)


def _warehouse_files(wh: store.Warehouse) -> list[Path]:
    """The file and everything DuckDB and the writer leave beside it."""
    path = wh.path
    return [path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".lock"),
            *path.parent.glob(path.name + ".tmp*")]


def build(warehouse: store.Warehouse, regenerate: bool = False, counties: list[str] | None = None,
          start: str = DEFAULT_START, end: str = DEFAULT_END,
          progress: Callable[[int, int, str], None] | None = None, out_dir: Path | None = None,
          seed: int = DEFAULT_SEED) -> int:
    """(Re)generate the demo files if needed and build a fresh warehouse from them through the normal loader.

    The new warehouse is built beside the old one and moved over it only when every file loaded, so an app reading
    the old one keeps working meanwhile and a failed build leaves it untouched. ``progress(done, total, name)``
    (steps: generate, check and write each file) replaces the printed progress. Returns 0, or 1 if any file was
    rejected (its problems are printed).
    """
    out_dir = Path(out_dir) if out_dir else DEFAULT_OUT
    started = time.monotonic()
    scenario, _ = _resolve(counties, start, end, seed)
    paths = None if regenerate else _existing_files(out_dir, scenario)
    n_files = len(plan(scenario))
    total = n_files * (3 if paths is None else 2)
    done = 0

    def step(name: str, line: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, name)
        elif done % 100 == 0:
            _say(line)

    if paths is None:
        if not progress:
            _say(f"生成示例报表：{n_files}个文件 → {out_dir}")
        paths = generate(out_dir, counties, start, end, seed,
                         progress=lambda n, of, name: step(f"生成 {name}", f"生成示例报表 {n}/{of}"))

    building = store.Warehouse(warehouse.path.with_name(warehouse.path.stem + ".building.duckdb"))
    for leftover in _warehouse_files(building):  # from a build that was killed
        leftover.unlink(missing_ok=True)
    published = False
    try:
        for label, batch in _batches(paths, scenario):
            if not progress:
                _say(f"导入 {label}（{len(batch)}个文件）…")
            results = pipeline.load_batch(
                building, [(p.read_bytes(), p.name) for p in batch], who=DEMO_WHO, is_demo=True,
                progress=lambda stage, n, of, name, label=label: step(
                    f"{'校验' if stage == 'check' else '导入'} {name}",
                    f"  {'校验' if stage == 'check' else '写入'} {label} {n}/{of}"))
            rejected = [r for r in results if r.status == "rejected"]
            if rejected:
                for result in rejected:
                    print(f"示例报表被拒绝：{result.report.file}（{result.message}）", file=sys.stderr)
                    for problem in result.report.errors:
                        print("  " + problem.format(), file=sys.stderr)
                print("示例数据库未生成，原数据库保持不变。", file=sys.stderr)
                return 1
        boundaries = import_boundaries(building, DEMO_BOUNDARIES, level=None, who=DEMO_WHO, is_demo=True,
                                       simplify=False)  # already simplified as one coverage when it was built
        if boundaries.status != "loaded":
            print(f"示例边界被拒绝：{boundaries.report.file}（{boundaries.message}）；示例数据库未生成，原数据库保持不变。",
                  file=sys.stderr)
            return 1
        for path in DEMO_TARGET_FILES:
            if not path.exists():
                continue
            result = targets.import_bytes(building, path.read_bytes(), path.name, who=DEMO_WHO, is_demo=True)
            if result.status != "imported":
                print(f"示例目标值被拒绝：{path.name}（{result.message}）；示例数据库未生成，原数据库保持不变。",
                      file=sys.stderr)
                for problem in result.problems:
                    print("  " + problem, file=sys.stderr)
                return 1
        with warehouse.writer_lock():  # never replace the file under another writer's feet
            os.replace(building.path, warehouse.path)
        published = True
    finally:
        for leftover in _warehouse_files(building):
            if not published or leftover.name.endswith(".lock"):
                leftover.unlink(missing_ok=True)
    if not progress:
        info = store.status(store.Warehouse(warehouse.path).connect())
        size = warehouse.path.stat().st_size / 2 ** 20
        _say(f"示例数据库已生成：{warehouse.path}（{size:.1f} MB）；{info['loads']}个导入批次，"
             f"当前有效数值{info['observations_current']}个（含修订共{info['observations_all']}个）；"
             f"用时{time.monotonic() - started:.0f}秒")
    return 0
