"""The committed region table must be complete for the five bureaus, and the matcher must never guess."""

import csv
from collections import Counter

import pytest

from kpi.regions import DEFAULT_PATH, LEVELS, RegionIndex, load_regions, normalize_name

# Township rows per county in ../shared/geo/townships_5regions.csv (former units and 类似乡级单位 included).
SOURCE_TOWNSHIPS = {
    "海曙区": 17, "江北区": 8, "北仑区": 12, "镇海区": 7, "鄞州区": 25, "奉化区": 12, "象山县": 18, "宁海县": 19,
    "余姚市": 21, "慈溪市": 25, "南浔区": 10, "晋江市": 22, "大冶市": 18, "兴宁区": 6, "青秀区": 11, "江南区": 11,
    "西乡塘区": 15, "良庆区": 8, "邕宁区": 5, "武鸣区": 14, "隆安县": 11, "马山县": 11, "上林县": 11, "宾阳县": 17,
    "横州市": 18,
}
NINGBO, NANNING = "330200000000", "450100000000"
HAISHU, NANMEN = "330203000000", "330203001000"


@pytest.fixture(scope="module")
def ix() -> RegionIndex:
    return load_regions()


def test_level_counts(ix):
    assert Counter(r.level for r in ix) == {"province": 4, "city": 5, "county": 25, "township": 352}


def test_codes_are_unique_12_digit_strings():
    with DEFAULT_PATH.open(encoding="utf-8", newline="") as fh:
        codes = [row["code"] for row in csv.DictReader(fh)]
    assert all(len(c) == 12 and c.isdigit() for c in codes)
    assert len(codes) == len(set(codes))


def test_every_parent_exists_one_level_up(ix):
    for r in ix:
        if r.level == "province":
            assert r.parent_code is None
        else:
            parent = ix.get(r.parent_code)
            assert parent is not None and LEVELS.index(parent.level) == LEVELS.index(r.level) - 1, r


def test_five_bureaus_and_their_parents(ix):
    expected = {
        "330000000000": "浙江省", "450000000000": "广西壮族自治区", "420000000000": "湖北省", "350000000000": "福建省",
        NINGBO: "宁波市", NANNING: "南宁市", "330500000000": "湖州市", "420200000000": "黄石市", "350500000000": "泉州市",
        "330503000000": "南浔区", "420281000000": "大冶市", "350582000000": "晋江市", "450181000000": "横州市",
    }
    assert {code: ix.get(code).name for code in expected} == expected
    assert [a.name for a in ix.ancestors("420281000000")] == ["黄石市", "湖北省"]
    assert [a.name for a in ix.ancestors("350582000000")] == ["泉州市", "福建省"]
    assert [a.name for a in ix.ancestors("330503000000")] == ["湖州市", "浙江省"]


def test_city_counties(ix):
    assert [r.name for r in ix.children(NINGBO)] == [
        "海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区", "象山县", "宁海县", "余姚市", "慈溪市"]
    assert len(ix.children(NANNING)) == 12
    assert {r.type for r in ix.children(NINGBO)} == {"区", "县", "县级市"}


def test_township_counts_match_source(ix):
    counties = {r.name: r for r in ix if r.level == "county"}
    assert set(counties) == set(SOURCE_TOWNSHIPS)
    assert {name: len(ix.descendants(r.code, "township")) for name, r in counties.items()} == SOURCE_TOWNSHIPS
    assert len(ix.townships_of(NINGBO, include_former=True)) == 164
    assert len(ix.townships_of(NANNING)) == 138


def test_former_unit_kept_but_excluded_from_townships_of(ix):
    former = [r for r in ix if r.status == "former"]
    assert [(r.name, r.code) for r in former] == [("茶院乡", "330226201000")]
    ninghai = "330226000000"
    assert len(ix.townships_of(ninghai)) == 18
    assert "茶院乡" not in {r.name for r in ix.townships_of(ninghai)}


def test_similar_units_are_current_and_typed(ix):
    similar = [r for r in ix if r.type == "类似乡级单位"]
    assert len(similar) == 22 and all(r.status == "current" and r.level == "township" for r in similar)


def test_descendants_order_and_ancestors(ix):
    codes = [r.code for r in ix.descendants(NINGBO)]
    assert codes == sorted(codes)
    assert [a.code for a in ix.ancestors(NANMEN)] == [HAISHU, NINGBO, "330000000000"]
    assert [r.code for r in ix.roots()] == ["330000000000", "350000000000", "420000000000", "450000000000"]


def test_get_accepts_short_and_alt_codes(ix):
    assert ix.get("330203").code == HAISHU
    assert ix.get("330203001").code == NANMEN
    assert ix.get("450127").name == "横州市"  # 横县 before 2021
    assert ix.get("330205001000").name == "外滩街道"  # NBS 2023 code; MCA is 330205009000
    assert ix.get("330205005000").name == "庄桥街道"  # primary beats 甬江街道's alt code
    assert ix.get("999999999999") is None


def test_normalize_name():
    assert normalize_name("　南 门\u00a0街道（海曙）\t") == "南门街道(海曙)"
    assert normalize_name("古寨·瑶族乡") == "古寨瑶族乡"


@pytest.mark.parametrize("name", [
    "南门街道", "南门", "南门街道办事处", "南门办事处", "南 门 街道", "　南门街道\u00a0", "海曙区南门街道", "海曙区南门",
    "宁波市海曙区南门街道", "浙江省宁波市海曙区南门街道", "330203001000", "330203001", "３３０２０３００１",
])
def test_match_variants(ix, name):
    assert ix.match(name).code == NANMEN


def test_match_other_levels(ix):
    assert ix.match("古林").name == "古林镇"
    assert ix.match("宁波市海曙区").code == HAISHU
    assert ix.match("海曙").code == HAISHU
    assert ix.match("南宁").code == NANNING
    assert ix.match("广西").code == "450000000000"
    assert ix.match("古寨乡").name == "古寨瑶族乡"
    assert ix.match("４５０１２７").name == "横州市"


def test_former_name_resolves_to_successor(ix):
    assert ix.match("茶院乡").name == "茶院镇"
    assert ix.match("茶院").name == "茶院镇"


def test_ambiguous_is_none_and_within_disambiguates(ix):
    assert ix.match("新桥镇") is None  # 象山县 and 宾阳县
    assert ix.match("城厢") is None  # 武鸣区 and 隆安县
    assert ix.match("西乡塘") is None  # the district and its 街道
    assert ix.match("新桥镇", within="330225000000").parent_code == "330225000000"
    assert ix.match("新桥", within="450126").parent_code == "450126000000"
    assert ix.match("象山县新桥镇").parent_code == "330225000000"
    assert ix.match("西乡塘区").level == "county"
    assert ix.match("西乡塘街道").level == "township"
    # An NBS code that is also another unit's MCA code could be either.
    assert ix.match("330205005000") is None


def test_within_excludes_outside(ix):
    assert ix.match("南门", within=NANNING) is None
    assert ix.match("南门", within=NINGBO).code == NANMEN
    with pytest.raises(KeyError):
        ix.match("南门", within="999999999999")


def test_no_fuzzy_matching(ix):
    assert ix.match("南门街") is None
    assert ix.match("南们街道") is None
    assert ix.match("") is None
    assert ix.match("南门区") is None  # a district suffix cannot name a 街道


def test_match_report_keeps_order(ix):
    matched, unmatched = ix.match_report(["南门", "火星乡", "古林镇", "新桥镇", "火星乡", "月球街道"])
    assert {k: r.name for k, r in matched.items()} == {"南门": "南门街道", "古林镇": "古林镇"}
    assert unmatched == ["火星乡", "新桥镇", "月球街道"]
