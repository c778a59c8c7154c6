"""Class breaks, palettes and painted cells of the choropleth."""

import pytest

from kpi import choropleth
from kpi.aggregate import Figure
from kpi.catalog import load_catalog
from kpi.periods import Period
from kpi.progress import MONITOR, Progress
from kpi.ranking import RankRow
from kpi.regions import load_regions

CAT, REGIONS = load_catalog(), load_regions()


def test_quantile_breaks_put_about_equal_numbers_in_each_class():
    values = list(range(1, 11))
    assert choropleth.quantile_breaks(values, 5) == [2, 4, 6, 8, 10]


def test_natural_breaks_find_the_gaps():
    values = [1, 2, 3, 50, 51, 52, 100, 101]
    assert choropleth.natural_breaks(values, 3) == [3, 52, 101]


def test_fewer_distinct_values_give_fewer_classes():
    assert choropleth.breaks([7, 7, 7]) == [7]
    assert choropleth.breaks([]) == []


def test_palette_darker_is_better_and_monitor_is_neutral():
    import dataclasses

    up, monitor = CAT.get("EC_R_BED_10K"), CAT.get("SA_DIBAO_PERSONS")
    down = dataclasses.replace(up, direction="down")  # the catalogue has no "lower is better" indicator yet
    assert choropleth.palette(up, 5) == choropleth.BLUES
    assert choropleth.palette(down, 5) == choropleth.BLUES[::-1]
    assert monitor.direction == "monitor" and choropleth.palette(monitor, 5) == choropleth.PURPLES
    assert choropleth.palette(up, 3) == [choropleth.BLUES[0], choropleth.BLUES[2], choropleth.BLUES[4]]


def test_paint_colours_reported_units_and_greys_the_rest():
    ind = CAT.get("EC_BED_TOTAL")
    towns = REGIONS.townships_of("330203000000")[:4]
    period = Period(2026, 10)
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": t.code, "name": t.name, "schematic": True},
         "geometry": {"type": "Point", "coordinates": [0, 0]}} for t in towns]}
    values = [100.0, 200.0, 300.0, None]
    rows = [RankRow(t, Figure(t.code, ind.code, period, v, reporting=1, expected=1), Figure(t.code, ind.code, period, None),
                    None, Progress(MONITOR, None, None, None, None, None), None) for t, v in zip(towns, values)]
    painted, legend = choropleth.paint(features, rows, ind, "quantile")
    props = [f["properties"] for f in painted["features"]]
    assert props[3]["fill"][:3] == list(choropleth.MISSING_RGB) and props[3]["value_text"] == "未报送"
    assert props[0]["fill"] != props[2]["fill"]
    assert props[2]["value_text"] == "300 张" and props[0]["target_text"] == "无目标值"
    assert [e.label for e in legend][-1] == "未报送" and len(legend) == 4
    assert features["features"][0]["properties"] == {"code": towns[0].code, "name": towns[0].name, "schematic": True}
