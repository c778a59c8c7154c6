"""The page-data benchmark's naive pandas way and the engine compute the same numbers (bench/page_bench.py).

A benchmark that times two computations of different numbers means nothing, so the comparison it runs before timing
is checked here on a small demo warehouse built through the normal loader: 镇海区 (townships report) and 南浔区 (a
single-county bureau: county-level forms), across a year end so flows restart in January.
"""

from __future__ import annotations

import pytest

from bench import page_bench
from etl import demo
from kpi import provenance, store
from kpi.catalog import load_catalog
from kpi.regions import load_regions
from kpi.targets import load_targets

COUNTIES = ["330503", "330211"]
START, END = "2025-11", "2026-02"
CITY, ZHENHAI, NANXUN, PROVINCE = "330200000000", "330211000000", "330503000000", "330000000000"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("page_bench")
    wh = store.Warehouse(root / "wh" / "kpi.duckdb")
    assert demo.build(wh, counties=COUNTIES, start=START, end=END, out_dir=root / "files",
                      progress=lambda *_: None) == 0
    catalog, regions = load_catalog(), load_regions()
    con = wh.connect()
    return con, catalog, regions, load_targets(catalog, regions), provenance.latest_period(con)


def _compare(setup, obs=None):
    con, catalog, regions, book, period = setup
    towns = [r.code for r in regions.townships_of(ZHENHAI)]
    counties = [r.code for r in regions.descendants(CITY, "county") if r.status == "current"]
    return page_bench.compare_page_data(
        con, catalog, regions, book, period, overview_regions=[ZHENHAI, NANXUN, CITY, PROVINCE],
        indicator_codes=[page_bench.RATIO_CODE, page_bench.FLOW_CODE, "SA_DIBAO_STD"], indicator_region=ZHENHAI,
        map_code=page_bench.MAP_CODE, map_targets={"乡镇": towns, "县": counties}, obs=obs)


def test_naive_and_engine_numbers_agree(setup):
    checks = _compare(setup)
    assert [m for a in checks.values() for m in a.mismatches] == []
    # Not vacuous: every scope compared numbers that exist, standards (level) included.
    for label, agreement in checks.items():
        assert agreement.with_data > 0, label
    n_level = sum(1 for i in setup[1] if i.kind == "level")
    assert n_level > 0
    assert checks[f"总览 {ZHENHAI}"].with_data >= len(setup[1]) - n_level


def test_the_comparison_catches_a_wrong_number(setup):
    con, catalog, regions, book, period = setup
    obs = store.observations(con)
    town = regions.townships_of(ZHENHAI)[0].code
    hit = ((obs.region_code == town) & (obs.indicator_code == "EC_BED_TOTAL")
           & (obs.period == obs.period.max()))
    assert hit.sum() == 1
    obs.loc[hit, "value"] += 1
    checks = _compare(setup, obs)
    wrong = checks[f"总览 {ZHENHAI}"].mismatches
    assert any("EC_BED_TOTAL" in m for m in wrong) and any("EC_R_BED_10K" in m for m in wrong)
    assert checks["地图 乡镇"].mismatches
