"""The demo data: deterministic, labelled 示例数据, clean for the checker, and loaded only through the normal loader."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl import cli, demo, pipeline
from kpi import store
from tests.conftest import db_fingerprint

# 南浔区 is a single-county bureau (its county figures arrive as a 民政统计 form); 镇海区 puts units in a row of their
# own and money in 元. The range crosses a year end, so the build loads in two yearly batches plus the late files.
COUNTIES = ["330503", "330211"]
START, END = "2025-11", "2026-10"


def _cells(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _current(wh: store.Warehouse, version: int | None = None) -> pd.DataFrame:
    df = store.observations(wh.connect(), version)
    return df.assign(month=pd.to_datetime(df.period).dt.strftime("%Y-%m"))


def _records(path: Path) -> dict[tuple[str, str, str], float]:
    report = pipeline.check_file(path)
    assert report.ok, [p.format() for p in report.errors]
    return {(r.region_code, r.indicator_code, f"{r.period:%Y-%m}"): r.value for r in report.records}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Two counties over twelve months, generated and built once for the tests of this module."""
    root = tmp_path_factory.mktemp("demo")
    wh = store.Warehouse(root / "wh" / "kpi.duckdb")
    code = demo.build(wh, counties=COUNTIES, start=START, end=END, out_dir=root / "files",
                      progress=lambda *_: None)
    scenario = demo.scenario_for(COUNTIES, START, END)
    paths = [root / "files" / spec.relpath for spec in demo.plan(scenario)]
    return code, wh, scenario, paths


@pytest.fixture(scope="module")
def one_month(tmp_path_factory):
    """October 2026 of all 25 counties and 5 bureaus."""
    return demo.generate(tmp_path_factory.mktemp("all"), start="2026-10", end="2026-10")


def _load_of(wh: store.Warehouse, name_part: str) -> dict:
    loads = store.list_loads(wh.connect())
    hits = loads[loads.file_name.str.contains(name_part, regex=False)]
    assert len(hits) == 1, hits.file_name.tolist()
    return hits.iloc[0].to_dict()


# ---- the township/county split -------------------------------------------------------------------------------------


def test_every_stored_indicator_is_collected_at_exactly_one_level():
    catalog, _ = pipeline.reference()
    stored = {i.code for i in catalog if not i.is_ratio}
    assert set(demo.COLLECTED_BY) == stored
    assert set(demo.COLLECTED_BY.values()) == {"township", "county"}
    for ratio in (i for i in catalog if i.is_ratio):
        # Both parts at one level, so the ratio can be recomputed wherever the parts are.
        assert demo.COLLECTED_BY[ratio.numerator] == demo.COLLECTED_BY[ratio.denominator], ratio.code


def test_standards_move_once_a_year_at_plausible_levels():
    ningbo, nanning = (next(b for b in demo.BUREAUS if b.code == code) for code in ("330200", "450100"))
    assert demo.standards(ningbo, dt.date(2024, 12, 1))["SA_DIBAO_STD"] == 1250
    assert demo.standards(nanning, dt.date(2024, 12, 1))["SA_DIBAO_STD"] == 900
    months = [dt.date(2023 + i // 12, i % 12 + 1, 1) for i in range(36)]
    changes = [m for a, m in zip(months, months[1:]) if demo.standards(ningbo, a) != demo.standards(ningbo, m)]
    assert [f"{m:%Y-%m}" for m in changes] == ["2023-07", "2024-07", "2025-07"]


# ---- generation ----------------------------------------------------------------------------------------------------


def test_generation_is_deterministic_and_uses_the_seed(tmp_path):
    args = dict(counties=["330205"], start="2026-09", end="2026-10")
    first = demo.generate(tmp_path / "a", **args)
    second = demo.generate(tmp_path / "b", **args)
    other_seed = demo.generate(tmp_path / "c", seed=7, **args)
    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    for a, b in zip(first, second):
        assert _cells(a) == _cells(b), a.name
        assert a.read_bytes() == b.read_bytes(), a.name  # fixed timestamps: same values, same content hash
    assert _cells(first[0]) != _cells(other_seed[0])


def test_a_countys_values_do_not_depend_on_which_counties_are_generated(tmp_path):
    alone = demo.generate(tmp_path / "alone", counties=["330211"], start="2026-10", end="2026-10")
    together = demo.generate(tmp_path / "together", counties=["330211", "330205"], start="2026-10", end="2026-10")
    name = "2026-10_镇海区乡镇民政业务月报.xlsx"
    a = _records(next(p for p in alone if p.name == name))
    b = _records(next(p for p in together if p.name == name))
    shared = a.keys() & b.keys()  # the late reporters (blank rows) are chosen per run
    assert len(shared) > 0.8 * len(a)
    assert all(a[k] == b[k] for k in shared)


def test_files_are_labelled_as_demo_data(small):
    _code, _wh, _scenario, paths = small
    for path in paths:
        cells = _cells(path)
        assert "示例数据" in cells[0][0], path.name
        firsts = [row[0] for row in cells if row]
        assert demo.DEMO_NOTE in firsts, path.name
        assert any(isinstance(v, str) and v.startswith("填报人：") for v in firsts), path.name


def test_every_county_and_header_style_checks_clean(one_month, tmp_path, capsys):
    """One month of all 25 counties and 5 bureaus: the checker finds neither errors nor warnings in any file."""
    paths = one_month
    assert cli.main(["check", "--db", str(tmp_path / "none.duckdb"), *map(str, paths)]) == 0
    assert f"共{len(paths)}个文件：{len(paths)}个可以导入，0个有错误。" in capsys.readouterr().out
    layouts = {}
    for path in paths:
        report = pipeline.check_file(path)
        assert report.problems == [], [p.format() for p in report.problems]
        layouts[path.name] = report.layout
    forms = sorted(n for n, layout in layouts.items() if layout == "official_form")
    assert forms == sorted(f"2026-10_{n}县级民政业务月报.xlsx" for n in ("南浔区", "大冶市", "晋江市"))
    # The header variants the generator promises all occur among the counties.
    styles = [demo.TableStyle.for_county(c.ordinal) for c in demo.demo_counties(pipeline.reference()[1])]
    for attr in ("units_row", "numbered", "aliases"):
        assert {getattr(s, attr) for s in styles} == {True, False}, attr
    assert {s.money_unit for s in styles} == {"元", "万元"}


def test_one_month_of_all_counties_has_plausible_county_figures(one_month):
    paths = one_month
    values: dict[tuple[str, str], float] = {}
    _, regions = pipeline.reference()
    for path in paths[:-2]:  # not the 补报/更正 duplicates of a county-month
        for (region, code, _month), value in _records(path).items():
            county = region if regions.get(region).level == "county" else regions.get(region).parent_code
            values[county, code] = values.get((county, code), 0) + value
    counties = {county for county, _code in values}
    assert len(counties) == 25
    for county in counties:
        assert 30 <= 1e4 * values[county, "EC_BED_TOTAL"] / values[county, "POP60_HJ"] <= 60, county
        assert 10 <= 1e4 * values[county, "EC_CAREGIVER_CERT"] / values[county, "POP60_HJ"] <= 30, county
        assert 0.5 <= values[county, "EC_BED_NURSING"] / values[county, "EC_BED_INST"] <= 0.75, county
    ningbo_4a = sum(v for (county, code), v in values.items() if code == "SO_4A_PLUS" and county.startswith("3302"))
    assert 550 <= ningbo_4a <= 650


# ---- build ---------------------------------------------------------------------------------------------------------


def test_build_loads_every_file_as_demo_data(small):
    code, wh, scenario, paths = small
    assert code == 0
    assert not list(wh.path.parent.glob("*.building*"))
    loads = store.list_loads(wh.connect(), limit=10_000)
    assert len(loads) == len(paths)
    assert loads.is_demo.all() and (loads.loaded_by == demo.DEMO_WHO).all() and (loads.status == "active").all()
    assert sorted(loads.file_name) == sorted(pipeline.safe_name(p.name) for p in paths)
    # The only warning is the intended one: the new community care centre, checked against the batch before it.
    township, month = scenario.new_centre
    warned = loads[loads.warnings > 0]
    assert list(warned.warnings) == [1]
    assert warned.file_name.iloc[0].startswith(f"{month:%Y-%m}_")
    message = store.load_messages(wh.connect(), int(warned.load_id.iloc[0])).message.iloc[0]
    assert "社区养老服务设施床位数" in message


def test_build_stores_the_expected_number_of_values(small):
    _code, wh, scenario, _paths = small
    n_township = sum(level == "township" for level in demo.COLLECTED_BY.values())
    n_county = len(demo.COLLECTED_BY) - n_township
    townships = [t for c in scenario.counties for t in c.townships]
    reported = sum(not scenario.blank(t.code, m) for t in townships for m in scenario.months)
    current = (reported + 1) * n_township + len(scenario.counties) * len(scenario.months) * n_county  # +1: 补报
    county_code, month = scenario.correction
    county = next(c for c in scenario.counties if c.region.code == county_code)
    resubmitted = sum(not scenario.blank(t.code, month) for t in county.townships) * n_township
    info = store.status(wh.connect())
    assert info["observations_current"] == current
    assert info["observations_all"] == current + resubmitted


def test_loaded_parts_give_plausible_ratios_and_respect_wholes(small):
    _code, wh, scenario, _paths = small
    df = _current(wh)
    wide = df.pivot_table(index=["region_code", "month"], columns="indicator_code", values="value")
    townships = wide.dropna(subset=["EC_BED_TOTAL"])
    assert (townships.EC_BED_NURSING <= townships.EC_BED_INST).all()
    assert (townships.EC_BED_INST + townships.EC_BED_COMM == townships.EC_BED_TOTAL).all()
    assert (townships.EC_SPECIAL_ELDERLY_VISITED <= townships.EC_SPECIAL_ELDERLY).all()
    assert (townships.CW_DIRECTORS_TRAINED <= townships.CW_DIRECTORS).all()
    assert (townships.CW_DIRECTOR_VILLAGES <= townships.VILLAGE_COMM_N).all()
    assert (townships.EC_MEAL_VILLAGES <= townships.VILLAGE_COMM_N).all()
    counties = wide.dropna(subset=["SO_TOTAL"])
    assert (counties.SO_4A_PLUS <= counties.SO_3A_PLUS).all() and (counties.SO_3A_PLUS <= counties.SO_TOTAL).all()
    assert (counties.AF_DISABLED_SUBSIDY <= counties.AF_DISABLED_ELIGIBLE).all()
    assert (counties.AF_BURIAL_ECO <= counties.AF_BURIAL_TOTAL).all()
    assert (counties.CW_ORPHANS == counties.CW_ORPHANS_INST + counties.CW_ORPHANS_SCATTERED).all()
    assert (counties.CS_SW_STATION_TOWNSHIPS <= counties.TOWNSHIP_N).all()
    # 每万名老年人拥有养老床位数 from the summed parts, per county and month (late reporters make a month a little low).
    _, regions = pipeline.reference()
    parent = {t.code: c.region.code for c in scenario.counties for t in c.townships}
    per_county = townships.reset_index().assign(county=lambda d: d.region_code.map(parent))
    sums = per_county.groupby(["county", "month"])[["EC_BED_TOTAL", "POP60_HJ"]].sum()
    density = 1e4 * sums.EC_BED_TOTAL / sums.POP60_HJ
    assert len(density) == len(scenario.counties) * len(scenario.months)
    assert density.between(30, 60).all(), density.describe()
    # Stocks move smoothly: no township's 60+ population or bed count changes by half from one month to the next.
    for code in ("POP60_HJ", "EC_BED_INST", "EC_SPECIAL_ELDERLY"):
        change = townships[code].groupby(level=0).pct_change().dropna().abs()
        assert change.max() < 0.5, code
    # The 低保标准 is a level: it changes only in the bureau's adjustment month.
    nanxun = counties.loc["330503000000", "SA_DIBAO_STD"]
    changed = [m for (a, b), m in zip(zip(nanxun, nanxun[1:]), nanxun.index[1:]) if a != b]
    assert changed == ["2026-07"]


def test_late_report_fills_the_blank_row(small):
    _code, wh, scenario, paths = small
    township, month = scenario.late_fill
    original = next(p for p in paths if p.name.startswith(f"{month:%Y-%m}_") and "乡镇" in p.name
                    and "补报" not in p.name and "更正" not in p.name and _owns(p, township))
    assert not any(region == township for region, _c, _m in _records(original))
    late = _load_of(wh, "补报")
    df = _current(wh)
    filled = df[(df.region_code == township) & (df.month == f"{month:%Y-%m}")]
    assert len(filled) == sum(level == "township" for level in demo.COLLECTED_BY.values())
    assert set(filled.load_id) == {late["load_id"]}
    # Before the 补报 arrived the township had nothing for that month.
    before = _current(wh, late["version"] - 1)
    assert before[(before.region_code == township) & (before.month == f"{month:%Y-%m}")].empty
    # Late reporters with two months outstanding are still blank in the last month.
    last = f"{scenario.months[-1]:%Y-%m}"
    for code in scenario.late:
        assert df[(df.region_code == code) & (df.month == last)].empty, code


def _owns(path: Path, township: str) -> bool:
    _, regions = pipeline.reference()
    return path.parent.name.startswith(regions.get(township).parent_code[:6])


def test_correction_supersedes_and_keeps_the_first_values(small):
    _code, wh, scenario, paths = small
    fixed_path = next(p for p in paths if "更正" in p.name)
    original_path = fixed_path.with_name(fixed_path.name.replace("（更正）", ""))
    original, fixed = _records(original_path), _records(fixed_path)
    assert original.keys() == fixed.keys()
    changed = {k for k in fixed if fixed[k] != original[k]}
    assert len(changed) >= 3
    correction, first = _load_of(wh, "更正"), _load_of(wh, original_path.name)
    now = _current(wh).set_index(["region_code", "indicator_code", "month"])
    before = _current(wh, correction["version"] - 1).set_index(["region_code", "indicator_code", "month"])
    for key in changed:
        assert now.loc[key, "value"] == fixed[key] and now.loc[key, "load_id"] == correction["load_id"]
        assert before.loc[key, "value"] == original[key] and before.loc[key, "load_id"] == first["load_id"]


def test_a_rejected_file_fails_the_build_and_keeps_the_old_warehouse(small, tmp_path, capsys):
    _code, built, _scenario, paths = small
    files = tmp_path / "files"
    shutil.copytree(paths[0].parents[1], files)
    wh = store.Warehouse(tmp_path / "wh" / "kpi.duckdb")
    wh.path.parent.mkdir()
    shutil.copyfile(built.path, wh.path)
    before = db_fingerprint(wh)
    bad = files / paths[0].relative_to(paths[0].parents[1])
    wb = openpyxl.load_workbook(bad)
    ws = wb.active
    row = next(r for r in ws.iter_rows() if isinstance(r[-1].value, (int, float)))
    row[-1].value = "十二"
    wb.save(bad)

    assert demo.build(wh, counties=COUNTIES, start=START, end=END, out_dir=files) == 1
    err = capsys.readouterr().err
    assert bad.name in err and "不是数字" in err and "原数据库保持不变" in err
    assert db_fingerprint(wh) == before
    assert [p.name for p in wh.path.parent.iterdir() if "building" in p.name] == []

    fresh = store.Warehouse(tmp_path / "fresh" / "kpi.duckdb")
    assert demo.build(fresh, counties=COUNTIES, start=START, end=END, out_dir=files, progress=lambda *_: None) == 1
    assert not fresh.exists()
