"""Boundaries for the map page: the outlines kept in the warehouse and the views the page draws (a city's counties, a
county's townships), plus the pure geometry both the page and the import share.

Outlines are stored as GeoJSON text in WGS-84 longitude/latitude, 5 decimals (about 1 m), simplified as a *coverage*:
neighbours share their edges vertex for vertex, so simplifying never opens gaps or overlaps between them. Like data,
boundaries arrive as events: each import is a new set, the newest set holding a region supplies its outline, and the
data version moves. Reading, checking and importing a bureau's boundary file is ``etl.boundaries``; this module never
imports etl.

Chinese web maps (高德/AMap, the source of the demo's county outlines) publish GCJ-02 coordinates, offset 300–700 m
from WGS-84 by a published obfuscation formula; ``gcj02_to_wgs84`` undoes it.

Kept free of streamlit; the page caches ``map_view`` results per data version.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import shapely

from kpi import sql, store
from kpi.regions import LEVELS, Region

COORD_DECIMALS = 5  # 1e-5 degree is about 1 m: finer than any screen, and half the bytes of full precision
# coverage_simplify's tolerance is roughly the square root of the area of the triangles it removes: 0.0005 degrees keeps
# a district's outline within a pixel or two at a county's zoom and makes the demo file a tenth of its source.
SIMPLIFY_TOLERANCE = 0.0005
# px, the map page's drawing area at its narrowest (a 1366-px screen with the sidebar open): wider screens show a
# margin around the region rather than cut it off.
VIEWPORT = (700, 640)
VIEWPORT_PADDING = 20  # px kept free around the outline
MAX_ZOOM = 14.0
LEVEL_RANK = {level: n for n, level in enumerate(LEVELS, 1)}


# ---- coordinates ----------------------------------------------------------------------------------------------------

_KRASOVSKY_A = 6378245.0  # GCJ-02 is defined on the Krasovsky 1940 ellipsoid
_KRASOVSKY_EE = 0.00669342162296594323


def _gcj02_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 shift (degrees) at a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    wave = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    root = np.sqrt(np.abs(x))
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root + wave
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y / 30.0 * np.pi)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root + wave
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad) ** 2
    dlat = dlat * 180.0 / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * np.sqrt(magic)) * np.pi)
    dlon = dlon * 180.0 / (_KRASOVSKY_A / np.sqrt(magic) * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 lon/lat (scalars or arrays) to GCJ-02. For points in China; no out-of-China cut-off."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _gcj02_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, tolerance: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat to WGS-84 by fixed-point iteration on the forward formula, to ``tolerance`` degrees (1e-10 is
    about 0.01 mm; the plain one-step inverse is off by up to a metre or so)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):  # converges in 3–5 steps: the shift changes by ~1e-3 of itself per degree
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if max(np.max(np.abs(elon), initial=0.0), np.max(np.abs(elat), initial=0.0)) < tolerance:
            break
    return wlon, wlat


# ---- geometry -------------------------------------------------------------------------------------------------------


def polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """Valid polygons only: ``make_valid`` keeps the area of a self-intersecting ring and drops collapsed slivers."""
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def round_coordinates(geometries) -> np.ndarray:
    """Coordinates to COORD_DECIMALS. Shared vertices round alike, so a valid coverage stays one; a ring that rounding
    pinches is made valid again."""
    out = shapely.transform(np.asarray(geometries, dtype=object), lambda xy: np.round(xy, COORD_DECIMALS))
    return np.array([polygonal(g) for g in out], dtype=object)


def simplify_coverage(geometries, tolerance: float = SIMPLIFY_TOLERANCE) -> tuple[np.ndarray, bool]:
    """Simplify polygons that tile an area, then round. Returns (geometries, whether they formed a valid coverage).

    A valid coverage (edges shared vertex for vertex, no overlaps) is simplified edge by edge, so neighbours keep
    meeting exactly. Otherwise each polygon is simplified alone (neighbours may then show hairline slivers).
    """
    geoms = np.asarray(geometries, dtype=object)
    if len(geoms) == 0:
        return geoms, True
    is_coverage = bool(shapely.coverage_is_valid(geoms))
    if is_coverage:
        simplified = shapely.coverage_simplify(geoms, tolerance)
    else:
        # Douglas-Peucker by distance; half the coverage tolerance removes about as much.
        simplified = shapely.simplify(geoms, tolerance / 2, preserve_topology=True)
    return round_coordinates(simplified), is_coverage


# ---- the warehouse --------------------------------------------------------------------------------------------------


def has_boundaries(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any boundary set was ever imported (False too for a warehouse last written before boundaries existed,
    which has no boundary tables yet: call this before ``map_view``)."""
    if not con.execute(sql.BOUNDARY_TABLES_PRESENT).fetchall()[0][0]:
        return False
    return con.execute(sql.COUNT_BOUNDARY_SETS).fetchall()[0][0] > 0


def list_boundary_sets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every imported boundary set, newest first, with how many of its outlines are still in force."""
    return con.execute(sql.LIST_BOUNDARY_SETS, {"version": store.current_version(con)}).df()


# ---- views ----------------------------------------------------------------------------------------------------------

_DRILL = {"province": "county", "city": "county", "county": "township"}


def drill_level(region: Region) -> str | None:
    """The level a map of ``region`` draws: a province's or city's counties, a county's townships; None below."""
    return _DRILL.get(region.level)


@dataclass(frozen=True)
class MapView:
    """Everything the map page draws for one region, as plain JSON-ready values.

    ``features``: GeoJSON FeatureCollection of the region's current units at ``level`` that have an outline, in code
    order, properties ``code``, ``name``, ``schematic``. ``outline``: GeoJSON Feature of the region itself (its own
    outline, else the union of its counties or of the cells), properties ``code``, ``name``; None if nothing is
    drawn. ``bounds`` (west, south, east, north), ``center`` (lon, lat) and ``zoom`` (deck.gl/Web-Mercator) fit the
    outline into VIEWPORT; all three None when nothing is drawn. ``schematic``: some cell is a drawn partition, not a
    real boundary (label it 示意分区，非真实乡镇边界). ``missing``: (code, name) of current units at ``level`` without
    an outline.
    """

    region_code: str
    region_name: str
    level: str
    features: dict
    outline: dict | None
    bounds: tuple[float, float, float, float] | None
    center: tuple[float, float] | None
    zoom: float | None
    schematic: bool
    missing: tuple[tuple[str, str], ...]

    @property
    def payload_bytes(self) -> int:
        """Size of what goes to the browser (cells and outline as compact JSON)."""
        return len(json.dumps([self.features, self.outline], ensure_ascii=False, separators=(",", ":")).encode())


def map_view(con: duckdb.DuckDBPyConnection, region_code: str, level: str | None = None,
             version: int | None = None) -> MapView:
    """The map of ``region_code`` (12 digits) at ``level`` (default ``drill_level``: a city's or province's counties,
    a county's townships), from the boundaries in force at ``version`` (default: now).

    Raises KeyError for a region the warehouse does not know and ValueError for a level not below the region's.
    """
    found = con.execute(sql.REGION_NAME_LEVEL, {"code": region_code}).fetchall()
    if not found:
        raise KeyError(f"unknown region {region_code!r}")
    name, region_level = found[0]
    level = level or _DRILL.get(region_level)
    if level not in LEVEL_RANK or LEVEL_RANK[level] <= LEVEL_RANK[region_level]:
        raise ValueError(f"a map of a {region_level} cannot draw level {level!r}")
    if version is None:
        version = store.current_version(con)
    own_rank, cell_rank, county_rank = LEVEL_RANK[region_level], LEVEL_RANK[level], LEVEL_RANK["county"]
    ranks = sorted({own_rank, cell_rank} | ({county_rank} if own_rank < county_rank else set()))
    rows = con.execute(sql.BOUNDARIES_BELOW, {"region": region_code, "ranks": ranks, "version": version}).fetchall()
    cells = [r for r in rows if r[2] == cell_rank and r[4] is not None]
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "name": cell_name, "schematic": bool(schematic)},
         "geometry": json.loads(geometry)}
        for code, cell_name, _rank, schematic, geometry in cells]}
    missing = tuple((r[0], r[1]) for r in rows if r[2] == cell_rank and r[4] is None)
    outline_geom = _outline(rows, own_rank, county_rank, cells)
    if outline_geom is None:
        return MapView(region_code, name, level, features, None, None, None, None, False, missing)
    bounds = tuple(round(float(v), COORD_DECIMALS) for v in outline_geom.bounds)
    center, zoom = fit_view(bounds)
    outline = {"type": "Feature", "properties": {"code": region_code, "name": name},
               "geometry": json.loads(shapely.to_geojson(outline_geom))}
    return MapView(region_code, name, level, features, outline, bounds, center, zoom,
                   any(f["properties"]["schematic"] for f in features["features"]), missing)


def _outline(rows: list[tuple], own_rank: int, county_rank: int, cells: list[tuple]) -> shapely.Geometry | None:
    """The region's own outline; else the union of its counties (a city's shape), else of the cells drawn."""
    own = [r[4] for r in rows if r[2] == own_rank and r[4] is not None]
    if own:
        return shapely.from_geojson(own[0])
    counties = [r[4] for r in rows if r[2] == county_rank and r[4] is not None]
    parts = counties or [r[4] for r in cells]
    if not parts:
        return None
    union = shapely.union_all(shapely.from_geojson(parts))
    return round_coordinates([union])[0]


def fit_view(bounds: tuple[float, float, float, float], viewport: tuple[int, int] = VIEWPORT,
             padding: int = VIEWPORT_PADDING) -> tuple[tuple[float, float], float]:
    """(centre (lon, lat), zoom) that fit ``bounds`` into ``viewport`` px on a Web-Mercator map (deck.gl: the world is
    512 px wide at zoom 0)."""
    west, south, east, north = bounds
    width, height = viewport[0] - 2 * padding, viewport[1] - 2 * padding

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    y_south, y_north = mercator_y(south), mercator_y(north)
    span_x = max((east - west) / 360.0, 1e-9)
    span_y = max((y_north - y_south) / (2 * math.pi), 1e-9)
    zoom = min(math.log2(width / (512 * span_x)), math.log2(height / (512 * span_y)), MAX_ZOOM)
    center_lat = math.degrees(2 * math.atan(math.exp((y_south + y_north) / 2)) - math.pi / 2)
    return (round((west + east) / 2, COORD_DECIMALS), round(center_lat, COORD_DECIMALS)), round(zoom, 2)
