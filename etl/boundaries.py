"""Reading a bureau's boundary file and importing it into the warehouse (`python -m etl boundaries import`).

A file (GeoJSON, GeoPackage, Shapefile zipped or beside its sidecar files) is read, checked feature by feature against
the region table, reprojected to WGS-84, simplified as a coverage (``kpi.geo``) and, if there are no errors, added as a
new boundary set in one published snapshot. Every problem is reported in Chinese with the row and column it concerns;
a rejected file changes nothing in the warehouse. The page reads the outlines back through ``kpi.geo``.
"""

from __future__ import annotations

import io
import math
import re
import warnings
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyogrio
import shapely

from etl import journal, pipeline, read
from etl.problems import ERROR, WARNING, Checked, InputError, Problem
from kpi import audit, sql, store
from kpi.geo import has_boundaries, polygonal, round_coordinates, simplify_coverage
from kpi.regions import LEVEL_NAMES, LEVELS, Region, RegionIndex

DEMO_BOUNDARIES = store.PROJECT_ROOT / "data" / "boundaries" / "demo.geojson"
IMPORT_LEVELS = ("county", "township")
# Where a file's coordinates must fall, as lon/lat: China with its islands. Anything else means a wrong CRS.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
# Columns a bureau's file commonly holds codes or names in, tried when no column is named (XZQDM/XZQMC: 国土调查).
CODE_COLUMNS = ("code", "adcode", "XZQDM", "区划代码", "行政区划代码", "代码")
NAME_COLUMNS = ("name", "XZQMC", "名称", "行政区名称", "乡镇名称", "区县名称")
# A Shapefile whose .dbf declares no encoding (no .cpg) is read by GDAL as ISO-8859-1.
UNDECLARED_DBF_ENCODING = "ISO-8859-1"
READABLE = "GeoJSON、GeoPackage（.gpkg）或 Shapefile（.shp，或把 .shp/.shx/.dbf/.prj/.cpg 打包成的 .zip）"


# ---- reading a bureau's file ----------------------------------------------------------------------------------------


@dataclass
class Boundary:
    region_code: str
    level: str
    geometry: shapely.Geometry
    schematic: bool = False

    @property
    def geojson(self) -> str:
        return shapely.to_geojson(self.geometry)


@dataclass
class BoundaryFile(Checked):
    """One boundary file, read and checked: its outlines (only if no errors) and every problem found."""

    file: str
    content_hash: str
    boundaries: list[Boundary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None
    crs: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.boundaries)

    @property
    def levels(self) -> str:
        return ",".join(level for level in LEVELS if any(b.level == level for b in self.boundaries))

    @property
    def schematic(self) -> bool:
        return any(b.schematic for b in self.boundaries)

    @cached_property
    def data_hash(self) -> str:
        """A fingerprint of the outlines themselves, so re-importing the same shapes is recognised."""
        lines = sorted(f"{b.region_code}|{b.level}|{b.schematic}|{b.geojson}" for b in self.boundaries)
        return pipeline.content_hash("\n".join(lines).encode())


class _Rejected(Exception):
    """A file-level problem after which nothing more can be checked."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def boundary_file_bytes(path: Path | str) -> tuple[bytes, str]:
    """The bytes to archive and read for ``path``: the file itself, or for a .shp its sidecar files zipped together
    (a Shapefile is several files; the zip keeps the upload whole in the archive)."""
    path = Path(path)
    if path.suffix.lower() != ".shp":
        return path.read_bytes(), path.name
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(p for p in path.parent.iterdir() if p.stem == path.stem and p.is_file()):
            zf.write(part, part.name)
    return buf.getvalue(), path.name


def read_boundaries(data: bytes, name: str, *, level: str | None, code_column: str | None = None,
                    name_column: str | None = None, within: str | None = None, encoding: str | None = None,
                    simplify: bool = True, regions: RegionIndex | None = None) -> BoundaryFile:
    """Read and check a boundary file (GeoJSON, GeoPackage, Shapefile zipped or as the zip of ``boundary_file_bytes``).

    ``level`` is 'county' or 'township'; None takes each feature's ``level`` property (the demo file). Regions are
    identified by ``code_column`` (6-, 9- or 12-digit codes, old statistical codes accepted) or ``name_column`` (matched
    like names in reports, inside ``within`` if given); with neither, a column named like CODE_COLUMNS or NAME_COLUMNS
    is used. A ``schematic`` property marks drawn cells that are not real boundaries. Outlines are reprojected to
    WGS-84, made valid and (``simplify``) simplified as a coverage per level. Never raises for a bad file: every
    problem is in the result, and ``boundaries`` is empty whenever there is an error.
    """
    regions = regions or pipeline.reference()[1]
    report = BoundaryFile(pipeline.safe_name(name), pipeline.content_hash(data))
    try:
        frame, report.encoding = _read_frame(data, report, encoding)
        _check_options(report.file, level, code_column, name_column, within, regions)
        frame, report.crs = _to_wgs84(frame, report)
        boundaries = _match_features(frame, report, level, code_column, name_column, within, regions)
    except _Rejected as exc:
        report.problems.append(exc.problem)
        return report
    if not report.errors and not boundaries:
        report.problems.append(Problem(ERROR, report.file, "文件中没有可导入的边界", "请确认文件里有面状要素"))
    if report.errors:
        return report
    _warn_missing(report, boundaries, regions)
    if simplify:
        for lvl in LEVELS:
            group = [b for b in boundaries if b.level == lvl]
            simplified, is_coverage = simplify_coverage([b.geometry for b in group])
            for b, geom in zip(group, simplified):
                b.geometry = geom
            if not is_coverage:
                report.problems.append(Problem(
                    WARNING, report.file, f"各{LEVEL_NAMES[lvl]}的边界之间有重叠或缝隙，已逐个简化",
                    "地图上相邻地区的边线可能不完全重合；如需精确，请在 GIS 软件中做拓扑检查后重新导出"))
    else:
        for b, geom in zip(boundaries, round_coordinates([b.geometry for b in boundaries])):
            b.geometry = geom
    report.boundaries = boundaries
    return report


def _read_frame(data: bytes, report: BoundaryFile, encoding: str | None) -> tuple[pd.DataFrame, str | None]:
    """The first polygon layer as a GeoDataFrame, and (for a Shapefile) the encoding its attributes were read in."""
    file = report.file
    if not data:
        raise _Rejected(Problem(ERROR, file, "文件是空的", f"请提供{READABLE}"))
    if data.startswith(b"PK\x03\x04"):
        _check_zipped_shapefiles(data, file)
    try:
        with _quiet_gdal():
            layers = [(str(n), kind) for n, kind in pyogrio.list_layers(io.BytesIO(data))]
    except Exception:  # DataSourceError for most bytes; RuntimeError/ValueError for some odd ones
        raise _Rejected(Problem(ERROR, file, "无法读取为边界文件（不是可识别的地理数据格式）", f"请提供{READABLE}")) from None
    # 'Unknown' is a layer mixing Polygon and MultiPolygon; None a table without geometry. Layers are addressed by
    # index: bytes get a fresh in-memory name at every call, and a GeoJSON layer is named after it.
    polygon_layers = [i for i, (_name, kind) in enumerate(layers)
                      if kind is not None and not any(t in str(kind).lower() for t in ("point", "line"))]
    if not polygon_layers:
        raise _Rejected(Problem(ERROR, file, "文件中没有面状图层（只有点或线）", "请提供乡镇或区县的面状边界"))
    layer = polygon_layers[0]
    if len(layers) > 1:
        others = "、".join(name for i, (name, _) in enumerate(layers) if i != layer)
        report.problems.append(Problem(WARNING, file, f"文件有多个图层，只读取了图层“{layers[layer][0]}”（另有：{others}）",
                                       "如需其他图层，请把它单独导出后再导入"))
    try:
        with _quiet_gdal():
            info = pyogrio.read_info(io.BytesIO(data), layer=layer)
    except Exception:
        raise _Rejected(Problem(ERROR, file, "无法读取为边界文件（文件可能已损坏）", f"请重新导出为{READABLE}")) from None
    shapefile = info["driver"] == "ESRI Shapefile"
    if encoding:
        tries = [(encoding, encoding)]
    elif shapefile and info.get("encoding") == UNDECLARED_DBF_ENCODING:
        # No .cpg: files from Chinese GIS desktops are GBK; newer tools write UTF-8. GBK text is almost never valid
        # UTF-8, so strict UTF-8 first, then GB18030 (a superset of GBK), decides it.
        tries = [("UTF-8", "UTF-8（无 .cpg，自动识别）"), ("GB18030", "GBK（无 .cpg，自动识别）")]
    else:
        tries = [(None, info.get("encoding") if shapefile else None)]
    for enc, label in tries:
        try:
            with _quiet_gdal():
                frame = pyogrio.read_dataframe(io.BytesIO(data), layer=layer, encoding=enc)
        except (UnicodeDecodeError, LookupError):
            continue
        except Exception:
            raise _Rejected(Problem(ERROR, file, "无法读取为边界文件（文件可能已损坏）", f"请重新导出为{READABLE}")) from None
        return frame, label
    if encoding:
        raise _Rejected(Problem(ERROR, file, f"按指定的编码“{encoding}”无法读取属性表",
                                "请核对 --encoding（常见的是 GBK 或 UTF-8），或不指定让系统自动识别"))
    raise _Rejected(Problem(ERROR, file, "无法识别属性表的文字编码（既不是UTF-8，也不是GBK/GB18030）",
                            "请用 --encoding 指定编码，或在 .shp 旁放一个写明编码的 .cpg 文件"))


@contextmanager
def _quiet_gdal():
    """GDAL warns about in-memory names (a GeoPackage read from bytes has no .gpkg extension); problems that matter
    are reported in Chinese instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _check_zipped_shapefiles(data: bytes, file: str) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        # The data files' zip-bomb checks, before GDAL unpacks anything.
        read.check_zip(zf, file, "压缩包", f"请重新打包，或直接提供{READABLE}")
        names = zf.namelist()
    except zipfile.BadZipFile:
        raise _Rejected(Problem(ERROR, file, "压缩包已损坏", f"请重新打包，或直接提供{READABLE}")) from None
    except InputError as exc:
        raise _Rejected(exc.problem) from None
    lower = {n.lower() for n in names}
    for shp in (n for n in names if n.lower().endswith(".shp")):
        stem = shp[:-4].lower()
        missing = [ext for ext in (".shx", ".dbf") if stem + ext not in lower]
        if missing:
            raise _Rejected(Problem(
                ERROR, file, f"Shapefile“{Path(shp).name}”缺少同名的{'、'.join(missing)}文件",
                "Shapefile 由多个文件组成：请把 .shp、.shx、.dbf、.prj（和 .cpg）放在同一文件夹，或一起打包成 .zip"))


def _check_options(file: str, level: str | None, code_column: str | None, name_column: str | None,
                   within: str | None, regions: RegionIndex) -> None:
    if level is not None and level not in IMPORT_LEVELS:
        raise ValueError(f"level must be one of {IMPORT_LEVELS}, not {level!r}")
    if code_column and name_column:
        raise _Rejected(Problem(ERROR, file, "同时指定了按代码和按名称识别地区", "--code-column 和 --name-column 只能用一个"))
    if within is not None and regions.get(within) is None:
        raise _Rejected(Problem(ERROR, file, f"--within 指定的地区代码“{within}”不在地区表中", "请填写6位或12位区划代码"))


def _to_wgs84(frame, report: BoundaryFile):
    """Reproject to WGS-84 lon/lat; a file without a CRS is accepted only if its coordinates already look like it."""
    file = report.file
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if present.empty:
        return frame, None  # every feature is reported as empty below
    if frame.crs is None:
        minx, miny, maxx, maxy = present.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise _Rejected(Problem(
                ERROR, file, f"文件没有坐标系信息（缺少 .prj 文件），坐标（如 X={minx:.0f}，Y={miny:.0f}）也不是经纬度",
                "请连同 .prj 文件一起导入，或在 GIS 软件中导出为 WGS-84（EPSG:4326）或 CGCS2000（EPSG:4490）经纬度"))
        frame = frame.set_crs(4326)
        report.problems.append(Problem(WARNING, file, "文件没有坐标系信息（缺少 .prj 文件），坐标是经纬度，按 WGS-84 读取",
                                       "如果地图上边界位置有偏移，请附上 .prj 文件重新导入"))
        crs = None
    else:
        crs = frame.crs.to_string()
        if frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    minx, miny, maxx, maxy = present.total_bounds
    west, south, east, north = CHINA_BOUNDS
    if not (west <= minx and maxx <= east and south <= miny and maxy <= north):
        raise _Rejected(Problem(
            ERROR, file, f"边界不在中国范围内（经度{minx:.2f}～{maxx:.2f}，纬度{miny:.2f}～{maxy:.2f}）",
            "坐标系可能标错了（例如 .prj 与数据不符，或经纬度颠倒），请核对后重新导出"))
    return frame, crs


def _pick_column(columns: list[str], code_column: str | None, name_column: str | None, file: str
                 ) -> tuple[str, bool]:
    """(column, identifies by code). A named column must exist; DBF field names are often upper-cased, so case is
    ignored when the exact name is absent."""
    listed = "、".join(columns) or "（无）"

    def find(wanted: str) -> str | None:
        if wanted in columns:
            return wanted
        folded = [c for c in columns if c.casefold() == wanted.casefold()]
        return folded[0] if len(folded) == 1 else None

    wanted = code_column or name_column
    if wanted:
        found = find(wanted)
        if found is None:
            raise _Rejected(Problem(ERROR, file, f"没有找到列“{wanted}”；文件中的列有：{listed}",
                                    "请用 --code-column（区划代码列）或 --name-column（名称列）指定其中一列"))
        return found, bool(code_column)
    for candidates, by_code in ((CODE_COLUMNS, True), (NAME_COLUMNS, False)):
        for candidate in candidates:
            found = find(candidate)
            if found:
                return found, by_code
    raise _Rejected(Problem(ERROR, file, f"没有指定用哪一列识别地区，也没有 code、name 等常用列；文件中的列有：{listed}",
                            "请用 --code-column（区划代码列）或 --name-column（名称列）指定"))


def _code_text(value) -> str:
    """A code cell as digits. Shapefiles often store codes as numbers: 330203001000.0 must not become '3.30e11'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    return re.sub(r"^(\d+)\.0+$", r"\1", text)


def _match_features(frame, report: BoundaryFile, level: str | None, code_column: str | None,
                    name_column: str | None, within: str | None, regions: RegionIndex) -> list[Boundary]:
    """One Boundary per feature that names a current region of the right level; a problem for every other one."""
    file = report.file
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    column, by_code = _pick_column(columns, code_column, name_column, file)
    if level is None and "level" not in columns:
        raise _Rejected(Problem(ERROR, file, f"没有找到列“level”；文件中的列有：{'、'.join(columns)}", "请指定 --level"))
    scope = regions.get(within) if within else None
    schematic = frame["schematic"] if "schematic" in columns else pd.Series(False, index=frame.index)
    levels = frame["level"] if level is None else pd.Series(level, index=frame.index)
    what = "区划代码" if by_code else "名称"
    out: list[Boundary] = []
    seen: dict[str, int] = {}
    for row, (value, geom, lvl, drawn) in enumerate(zip(frame[column], frame.geometry, levels, schematic), 1):
        def add(message: str, hint: str = "") -> None:
            report.problems.append(Problem(ERROR, file, message, hint, row=row, col=column))

        text = _code_text(value) if by_code else ("" if pd.isna(value) else str(value).strip())
        if not text:
            add(f"{what}是空的", f"请填写{what}，或删除这个要素")
            continue
        if lvl not in IMPORT_LEVELS:
            add(f"层级“{lvl}”不是 county 或 township")
            continue
        region, elsewhere = _identify(regions, text, by_code, scope)
        if region is None:
            if elsewhere is not None:
                add(f"“{text}”（{elsewhere.name if by_code else elsewhere.code}）不在{scope.name}范围内",
                    "请核对 --within，或删除不属于本地区的要素")
            elif by_code:
                add(f"未知的区划代码“{text}”", "代码应为6位（区县）、9位或12位（乡镇、街道）的区划代码，请核对")
            else:
                where = f"在{scope.name}范围内" if scope else "在地区表中"
                add(f"未知的{LEVEL_NAMES[lvl]}“{text}”：{where}没有找到唯一匹配的{LEVEL_NAMES[lvl]}",
                    "请核对名称；重名的地区请用 --within 指定上级地区，或改用 --code-column 按代码匹配")
            continue
        if region.level != lvl:
            add(f"“{text}”（{region.name if by_code else region.code}）是{LEVEL_NAMES[region.level]}，"
                f"不是{LEVEL_NAMES[lvl]}",
                "请核对 --level，或删除这个要素")
            continue
        if region.status != "current":
            add(f"“{region.name}”（{region.code}）已撤销，不是现行区划", "请删除这个要素，或改为现行的区划")
            continue
        if geom is None or geom.is_empty:
            add(f"“{region.name}”没有几何图形（空要素）", "请在 GIS 软件中补画边界，或删除这个要素")
            continue
        shape = polygonal(geom)
        if shape.is_empty:
            add(f"“{region.name}”的几何图形不是面（{geom.geom_type}）", "请提供面状边界")
            continue
        if region.code in seen:
            add(f"“{region.name}”（{region.code}）出现了两次（另一个是第{seen[region.code]}个要素）",
                "每个地区只能有一个要素：请合并或删除重复的要素")
            continue
        seen[region.code] = row
        out.append(Boundary(region.code, lvl, shape, not pd.isna(drawn) and bool(drawn)))
    return out


def _identify(regions: RegionIndex, text: str, by_code: bool, scope: Region | None
              ) -> tuple[Region | None, Region | None]:
    """(the region ``text`` denotes inside ``scope``, or None; the one it denotes outside ``scope`` if that is why).

    A code goes through ``get``, where a primary code beats the same digits used as another unit's old statistical
    code (the name matcher calls such a code ambiguous); a former unit's code stands for its successor, as its name
    does in ``match``.
    """
    if by_code:
        region = regions.get(text) if text.isascii() and text.isdigit() else None
        if region is not None and region.status == "former":
            region = regions.match(region.name, within=region.parent_code) or region
        inside = region is not None and (scope is None or scope in regions.ancestors(region.code) or region == scope)
        return (region, None) if inside else (None, region)
    region = regions.match(text, scope.code if scope else None)
    return region, (regions.match(text) if region is None and scope else None)


def _warn_missing(report: BoundaryFile, boundaries: list[Boundary], regions: RegionIndex) -> None:
    """Name the current units left without an outline under each parent the file covers: they will be blank."""
    have = {b.region_code for b in boundaries}
    for level in LEVELS:
        parents = sorted({regions.get(b.region_code).parent_code for b in boundaries if b.level == level} - {None})
        for parent in parents:
            absent = [r.name for r in regions.children(parent)
                      if r.level == level and r.status == "current" and r.code not in have]
            if absent:
                names = "、".join(absent[:10]) + ("等" if len(absent) > 10 else "")
                report.problems.append(Problem(
                    WARNING, report.file, f"{regions.get(parent).name}有{len(absent)}个{LEVEL_NAMES[level]}没有边界：{names}",
                    "这些地区在地图上显示为空白；补齐后重新导入即可"))


# ---- the warehouse --------------------------------------------------------------------------------------------------


@dataclass
class BoundaryImport:
    status: str  # loaded | duplicate | rejected
    report: BoundaryFile
    set_id: int | None = None
    version: int | None = None
    archive_path: Path | None = None
    message: str = ""


def import_bytes(warehouse: store.Warehouse, data: bytes, name: str, *, level: str | None,
                 code_column: str | None = None, name_column: str | None = None, within: str | None = None,
                 encoding: str | None = None, who: str | None = None, is_demo: bool = False, simplify: bool = True,
                 archive_name: str | None = None) -> BoundaryImport:
    """Archive, read and check a boundary file, and — if there are no errors — add it to the warehouse as a new
    boundary set in one published snapshot (a new data version). A rejected file changes nothing in the warehouse;
    a file whose outlines are already the ones in force is a no-op that says so. Options as in ``read_boundaries``.
    """
    who = who or store.current_user()
    archived = pipeline.archive(warehouse, data, archive_name or name)
    report = read_boundaries(data, name, level=level, code_column=code_column, name_column=name_column, within=within,
                             encoding=encoding, simplify=simplify)
    result = BoundaryImport("pending", report, archive_path=archived)
    if not report.ok:
        result.status = "rejected"
        result.message = f"未导入：{len(report.errors)}个错误，数据库未作任何改动"
        return result
    if warehouse.exists():
        con = warehouse.connect()
        if has_boundaries(con) and _mark_if_duplicate(con, result):
            return result
    catalog, regions = pipeline.reference()
    # The archived bytes plus these options replay the import exactly (a .shp is archived as the zip it was read as).
    options = {"level": level, "code_column": code_column, "name_column": name_column, "within": within,
               "encoding": encoding, "simplify": simplify}
    with journal.recording(warehouse, "boundaries", who=who, is_demo=is_demo, file=name, archive_name=archive_name,
                           options=options) as entry, warehouse.writing() as con:
        entry["before"] = store.current_version(con)
        store.sync_reference(con, catalog, regions)
        if _mark_if_duplicate(con, result):  # imported by another process since the check above
            return result
        archive_path = str(archived.relative_to(warehouse.path.parent))
        result.set_id, result.version = insert_boundary_set(con, report, archive_path=archive_path, who=who,
                                                            is_demo=is_demo)
        entry.update(version=result.version, at=journal.event_time(con, result.version), set_id=result.set_id,
                     content_hash=report.content_hash, archive=archive_path)
    result.status = "loaded"
    result.message = (f"已导入：{len(report.boundaries)}个边界（边界集 #{result.set_id}，数据版本 v{result.version}）；"
                      "同一地区以最新导入的边界为准")
    return result


def import_boundaries(warehouse: store.Warehouse, path: Path | str, **options) -> BoundaryImport:
    """``import_bytes`` for a file on disk; a .shp is read and archived together with its sidecar files."""
    data, name = boundary_file_bytes(path)
    archive_name = name + ".zip" if Path(path).suffix.lower() == ".shp" else None
    return import_bytes(warehouse, data, name, archive_name=archive_name, **options)


def _mark_if_duplicate(con: duckdb.DuckDBPyConnection, result: BoundaryImport) -> bool:
    rows = con.execute(sql.BOUNDARY_SET_IN_FORCE_WITH_DATA,
                       {"hash": result.report.data_hash, "version": store.current_version(con)}).fetchall()
    if not rows:
        return False
    set_id, file_name, loaded_at = rows[0]
    result.status, result.set_id = "duplicate", set_id
    result.message = (f"相同的边界已于{loaded_at:%Y-%m-%d %H:%M}导入（边界集 #{set_id}，{file_name}）并仍在使用，"
                      "本次未重复导入")
    return True


def insert_boundary_set(con: duckdb.DuckDBPyConnection, report: BoundaryFile, *, archive_path: str, who: str,
                        is_demo: bool = False) -> tuple[int, int]:
    """Record a checked file's outlines as a new set, as one event; returns (set_id, version). Call inside
    ``Warehouse.writing``."""
    set_id = con.execute(sql.NEXT_BOUNDARY_SET_ID).fetchall()[0][0]
    version, at = store.next_event(con, "boundaries", None, who, report.file)
    con.execute(sql.INSERT_BOUNDARY_SET, {
        "set_id": set_id, "file_name": report.file, "content_hash": report.content_hash,
        "data_hash": report.data_hash, "archive_path": archive_path, "level": report.levels,
        "schematic": report.schematic, "features": len(report.boundaries), "loaded_at": at, "loaded_by": who,
        "version": version, "is_demo": is_demo})
    audit.record(con, version, at, who, "boundaries", report.file, None,
                 {"set_id": set_id, "file": report.file, "level": report.levels, "features": len(report.boundaries),
                  "schematic": report.schematic, "is_demo": is_demo})
    frame = pd.DataFrame({
        "set_id": set_id,
        "region_code": [b.region_code for b in report.boundaries],
        "level": [b.level for b in report.boundaries],
        "schematic": [b.schematic for b in report.boundaries],
        "geometry": [b.geojson for b in report.boundaries],
    })
    con.register("incoming_boundaries", frame)
    try:
        con.execute(sql.INSERT_BOUNDARIES_FROM_FRAME)
    finally:
        con.unregister("incoming_boundaries")
    return set_id, version
