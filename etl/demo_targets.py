"""Demo targets: a plausible annual work-plan target for each demo bureau and district, written to
``data/targets/targets.csv``.

Real targets come from a bureau's 工作要点 (work-plan extraction will write them); the demo needs some so the pages
can show pace and status. Each one is set from the demo warehouse itself — last year-end's value plus a yearly step
the simulation would make, times a stretch factor picked per (region, indicator) from a stable digest — so a demo
bureau is ahead on some indicators and behind on others, the way a real one is. Every row says it is demo data.
"""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

from kpi import aggregate, provenance, store
from kpi.catalog import Catalog, load_catalog
from kpi.periods import Period
from kpi.ranking import sub_regions
from kpi.regions import RegionIndex, load_regions
from kpi import targets as kt
from kpi.targets import COLUMNS, default_targets_path

DEMO_BUREAUS = ("330200000000", "330503000000", "420281000000", "350582000000", "450100000000")

# (indicator, comparator, keep, sentence template) — phrased as work plans phrase them; {v} is the value.
TEMPLATES: tuple[tuple[str, str, bool, str], ...] = (
    ("EC_R_BED_10K", ">=", False, "每万名老年人拥有养老床位数达到{v}张以上"),
    ("EC_BED_NEW", "+", False, "新增养老床位{v}张"),
    ("EC_FAMILY_BED_NEW", "+", False, "新建家庭养老床位{v}张"),
    ("EC_CAREGIVER_NEW", "+", False, "新增持证养老护理员不少于{v}人"),
    ("EC_R_CAREGIVER_10K", ">=", False, "每万名老年人拥有持证养老护理员数达到{v}人"),
    ("EC_R_NURSING_BED", ">=", False, "养老机构护理型床位占比达到{v}%"),
    ("EC_R_COG_BED_10K", ">=", False, "每万名老年人拥有认知障碍照护床位数达到{v}张"),
    ("EC_MEAL_SITES_NEW", "+", False, "新增老年助餐服务点{v}个"),
    ("EC_R_MEAL_COVER", ">=", False, "城乡社区老年助餐服务覆盖率达到{v}%"),
    ("EC_HOME_ADAPT", "+", False, "完成特殊困难老年人家庭适老化改造{v}户"),
    ("EC_R_VISIT", ">=", True, "特殊困难老年人月探访率保持在{v}%以上"),
    ("SA_DIBAO_STD", ">=", False, "城乡低保标准提高至每人每月{v}元以上"),
    ("SO_4A_PLUS", ">=", True, "4A级以上社会组织动态保持在{v}家以上"),
    ("CS_CHARITY_FUNDS", ">=", False, "全年募集慈善资金{v}万元以上"),
    ("CS_TRUST_NEW_AMT", "+", False, "新增慈善信托备案金额{v}万元"),
    ("CS_R_SW_STATION", ">=", False, "乡镇(街道)社会工作站覆盖率达到{v}%"),
    ("AF_R_ECO_BURIAL", ">=", False, "节地生态安葬率达到{v}%以上"),
    ("AF_R_SEVERE_SUBSIDY", ">=", True, "重度残疾人护理补贴覆盖率保持在{v}%以上"),
    ("GG_R_COMM_FACILITY", ">=", False, "城乡社区综合服务设施覆盖率达到{v}%"),
)
# How far beyond what the simulation will reach each target is set; chosen per (region, indicator).
STRETCH = (0.8, 0.9, 1.0, 1.05, 1.15, 1.4)
RATE_CAP = 100.0


def _stretch(region: str, code: str, year: int) -> float:
    digest = hashlib.sha256(f"{region}|{code}|{year}".encode()).digest()
    return STRETCH[digest[0] % len(STRETCH)]


def _nice(value: float, unit: str) -> float:
    """Round the way plans write numbers: two significant figures for counts, one decimal for rates."""
    if unit == "%" or "/" in unit:
        return round(value, 1)
    if value <= 0:
        return 0.0
    digits = max(int(math.floor(math.log10(abs(value)))) - 1, 0)
    return float(round(value, -digits))


def demo_targets(con, catalog: Catalog, regions: RegionIndex, year: int) -> list[dict]:
    """Targets for ``year`` for every demo bureau and, for city bureaus, each district."""
    latest = provenance.latest_period(con)
    if latest is None:
        return []
    now = Period(year, 12) if latest.year > year else latest
    year_end = now.last_year_end()
    previous_end = year_end.last_year_end()
    targets: list[str] = []
    for bureau in DEMO_BUREAUS:
        targets.append(bureau)
        if regions.get(bureau).level == "city":
            targets += [r.code for r in sub_regions(regions, bureau)]
    codes = [t[0] for t in TEMPLATES]
    figs = aggregate.series(con, catalog, codes, targets, [now, year_end, previous_end])
    rows = []
    for region in targets:
        name = regions.get(region).name
        bureau = region if region in DEMO_BUREAUS else regions.get(region).parent_code
        document = f"示例：{regions.get(bureau).name}民政局{year}年工作要点（系统生成的示例目标）"
        if region != bureau:
            document = f"示例：{regions.get(bureau).name}民政局{year}年工作要点任务分解表（系统生成的示例目标）"
        for code, comparator, keep, template in TEMPLATES:
            ind = catalog.get(code)
            cur, base, before = (figs[(region, code, p)].value for p in (now, year_end, previous_end))
            if cur is None or base is None:
                continue
            f = _stretch(region, code, year)
            if ind.kind == "flow":
                # Where the year is heading, from the months so far.
                goal = cur * 12 / now.month * f
            elif keep:
                goal = base * (0.97 if f < 1 else 1.0 + (f - 1) / 20)
            else:
                step = abs(base - before) if before is not None else abs(base) * 0.05
                goal = base + max(step, abs(base) * 0.02) * f
            if ind.unit == "%":
                goal = min(goal, RATE_CAP)
            value = _nice(goal, ind.unit)
            rows.append({
                "region_code": region, "indicator_code": code, "year": year, "comparator": comparator,
                "value": f"{value:g}", "value_min": "", "kind": "annual", "keep": "true" if keep else "",
                "plan_attribute": "", "base_value": "", "document": document,
                "sentence": f"{name}{year}年" + template.format(v=f"{value:g}"),
            })
    return rows


def _write_csv(path: Path, rows: list[dict]) -> None:
    """A targets file as etl.targets imports it: UTF-8 with BOM (Excel opens it), the COLUMNS in order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def write(path: Path | None = None, years: tuple[int, ...] = (2025, 2026), db: Path | None = None) -> tuple[Path, int]:
    """Write the demo targets file from the demo warehouse; returns its path and the number of targets."""
    path = Path(path) if path else default_targets_path()
    con = store.Warehouse(db).connect()
    catalog, regions = load_catalog(), load_regions()
    rows = [row for year in years for row in demo_targets(con, catalog, regions, year)]
    _write_csv(path, rows)
    return path, len(rows)


# ---- 十五五 (2030) --------------------------------------------------------------------------------------------------

PLAN_YEAR = kt.PLAN_YEAR
# The one real figure: the national 十五五 outline (国民经济和社会发展第十五个五年规划纲要, adopted by the 全国人大 in
# March 2026) sets 养老机构护理型床位占比 at 73% by 2030 (reported at the time, e.g. etnet.com.hk 2026-03-09). Demo
# bureaus carry it as their own binding target.
NATIONAL_NURSING_BED_SHARE = 73.0
NATIONAL_SOURCE = "国民经济和社会发展第十五个五年规划纲要（2026年3月全国人大通过）"
# (indicator, 属性, sentence template, yearly growth of the 2025 value used for the demo target)
PLAN_TEMPLATES: tuple[tuple[str, str, str, float], ...] = (
    ("EC_R_BED_10K", "预期性", "到2030年，每万名老年人拥有养老床位数达到{v}张", 0.03),
    ("EC_R_CAREGIVER_10K", "预期性", "到2030年，每万名老年人拥有持证养老护理员数达到{v}人", 0.06),
    ("EC_R_COG_BED_10K", "预期性", "到2030年，每万名老年人拥有认知障碍照护床位数达到{v}张", 0.10),
    ("EC_R_MEAL_COVER", "预期性", "到2030年，城乡社区老年助餐服务覆盖率达到{v}%", 0.04),
    ("SO_4A_PLUS", "预期性", "到2030年，4A级以上社会组织达到{v}家", 0.04),
    ("CS_R_SW_STATION", "约束性", "到2030年，乡镇(街道)社会工作站覆盖率保持{v}%", 0.0),
    ("AF_R_ECO_BURIAL", "预期性", "到2030年，节地生态安葬率达到{v}%", 0.03),
)


def plan_targets(con, catalog: Catalog, regions: RegionIndex) -> list[dict]:
    """Demo 十五五 targets (2030, with their 2025 base) for each demo bureau, plus the real national 73%."""
    base_period = Period(2025, 12)
    codes = [t[0] for t in PLAN_TEMPLATES] + ["EC_R_NURSING_BED"]
    figs = aggregate.series(con, catalog, codes, list(DEMO_BUREAUS), [base_period])
    rows = []
    for region in DEMO_BUREAUS:
        name = regions.get(region).name
        document = f"示例：{name}民政事业发展“十五五”规划（系统生成的示例目标）"
        nursing = figs[(region, "EC_R_NURSING_BED", base_period)].value
        rows.append(_plan_row(region, "EC_R_NURSING_BED", NATIONAL_NURSING_BED_SHARE, "约束性", nursing,
                              NATIONAL_SOURCE, "到2030年，养老机构护理型床位占比达到73%"))
        for code, attribute, template, growth in PLAN_TEMPLATES:
            base = figs[(region, code, base_period)].value
            if base is None:
                continue
            ind = catalog.get(code)
            goal = base * (1 + growth) ** 5
            if ind.unit == "%":
                goal = min(goal, RATE_CAP)
            value = _nice(goal, ind.unit)
            rows.append(_plan_row(region, code, value, attribute, base, document,
                                  f"{name}" + template.format(v=f"{value:g}")))
    return rows


def _plan_row(region: str, code: str, value: float, attribute: str, base: float | None, document: str,
              sentence: str) -> dict:
    return {"region_code": region, "indicator_code": code, "year": PLAN_YEAR, "comparator": ">=",
            "value": f"{value:g}", "value_min": "", "kind": "five_year", "keep": "", "plan_attribute": attribute,
            "base_value": "" if base is None else f"{base:.4g}", "document": document, "sentence": sentence}


def write_plan(path: Path | None = None, db: Path | None = None) -> tuple[Path, int]:
    path = Path(path) if path else default_targets_path().with_name("plan_2030.csv")
    con = store.Warehouse(db).connect()
    rows = plan_targets(con, load_catalog(), load_regions())
    _write_csv(path, rows)
    return path, len(rows)


# ---- the seed bureaus' own work plans -------------------------------------------------------------------------------


def seed_plan_targets(seeds_dir: Path, catalog: Catalog, regions: RegionIndex) -> list[dict]:
    """Targets read by etl.workplan from each seed bureau's real work plan (../shared/seeds), for its plan year:
    only those the extractor tied to a catalogue indicator, in the catalogue's unit. The committed
    data/targets/seed_plans.csv was made by this and then reviewed by hand, as a bureau's staff would on 目标管理."""
    from etl import workplan

    rows = []
    for path in sorted(Path(seeds_dir).glob("*.txt")):
        text = workplan.read_document(path)
        bureau = _bureau_of(text, regions)
        if bureau is None:
            continue
        title = next((line.strip(" •") for line in text.splitlines() if "工作要点" in line and len(line) < 60), path.name)
        for figure in workplan.extract(text, region=bureau, catalog=catalog):
            if figure.kind != "target" or figure.indicator_code is None:
                continue
            value, low, note = kt.in_catalog_unit(catalog, figure.indicator_code, figure.value, figure.value_min,
                                                  figure.unit, figure.sentence)
            if value is None:
                continue
            document = f"{regions.get(bureau).name}民政局《{title}》" + (f"（{note}）" if note else "")
            rows.append(kt.from_document(bureau, figure.indicator_code, figure.year, figure.comparator, f"{value:g}",
                                         "" if low is None else f"{low:g}", document, figure.sentence))
    return rows


def _bureau_of(text: str, regions: RegionIndex) -> str | None:
    """The demo bureau whose name the document mentions first."""
    found = [(text.find(regions.get(code).name), code) for code in DEMO_BUREAUS if regions.get(code).name in text]
    return min(found)[1] if found else None


def write_seed_plans(seeds_dir: Path, path: Path | None = None) -> tuple[Path, int]:
    path = Path(path) if path else default_targets_path().with_name("seed_plans.csv")
    rows = seed_plan_targets(seeds_dir, load_catalog(), load_regions())
    _write_csv(path, rows)
    return path, len(rows)
