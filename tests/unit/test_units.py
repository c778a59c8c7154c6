"""Unit parsing and conversion: the numbers behind every imported value depend on these."""

import pytest

from kpi.text import normalize_header
from kpi.units import UNITS, conversion_factor, normalize_unit, split_header


@pytest.mark.parametrize(
    "header, expected",
    [
        ("养老床位数(张)", ("养老床位数", "张")),
        ("养老床位数（张）", ("养老床位数", "张")),
        ("养老床位数[万张]", ("养老床位数", "万张")),
        ("养老床位数/张", ("养老床位数", "张")),
        ("养老床位数 单位:张", ("养老床位数", "张")),
        ("养老床位数（单位：张）", ("养老床位数", "张")),
        ("养老床\n位数\n（张）", ("养老床位数", "张")),
        ("养老床位数\n张", ("养老床位数", "张")),
        ("低保资金支出(万元)", ("低保资金支出", "万元")),
        ("低保标准(元/人/月)", ("低保标准", "元/人·月")),
        ("低保标准/元/人.年", ("低保标准", "元/人·年")),
        ("护理型床位占比（％）", ("护理型床位占比", "%")),
        ("  养老床位数  ", ("养老床位数", None)),
    ],
)
def test_split_header(header, expected):
    assert split_header(header) == expected


@pytest.mark.parametrize("header", ["村(社区)总数", "乡镇(街道)", "集中养育/社会散居", "安葬(放)总数"])
def test_split_header_keeps_brackets_and_slashes_that_are_not_units(header):
    assert split_header(header) == (header, None)


def test_split_header_takes_only_the_trailing_unit():
    assert split_header("村(社区)总数(个)") == ("村(社区)总数", "个")


@pytest.mark.parametrize(
    "raw, canonical",
    [
        ("元/人/月", "元/人·月"),
        ("元/人.月", "元/人·月"),
        ("元／人·月", "元/人·月"),
        ("元/(人·月)", "元/人·月"),
        ("元/人・月", "元/人·月"),
        ("元/月/人", "元/人·月"),
        ("万元/人/年", "万元/人·年"),
        ("％", "%"),
        (" 万 元 ", "万元"),
        ("个", "个"),
        ("家", "家"),
    ],
)
def test_normalize_unit(raw, canonical):
    assert normalize_unit(raw) == canonical


def test_unit_table_keys_are_canonical_spellings():
    for unit in UNITS:
        assert normalize_unit(unit) == unit


@pytest.mark.parametrize(
    "src, dst, factor",
    [
        ("万元", "元", 10000),
        ("元", "万元", 0.0001),
        ("亿元", "万元", 10000),
        ("万人", "人", 10000),
        ("万张", "张", 10000),
        ("万户", "户", 10000),
        ("元/人·年", "元/人·月", 1 / 12),
        ("元/人/年", "元/人·月", 1 / 12),
        ("元/人·月", "元/人·年", 12),
        ("万元/人/年", "元/人·月", 10000 / 12),
        ("张/千老年人", "张/万老年人", 10),
        ("张", "张", 1),
        ("元／人·月", "元/人·月", 1),
    ],
)
def test_conversion_factor(src, dst, factor):
    assert conversion_factor(src, dst) == pytest.approx(factor)


def test_beijing_rural_dibao_standard_converts_to_the_urban_monthly_unit():
    # 北京 2022-03: 农村低保标准 14,940.0 元/人·年 is the same 1,245.0 元/人·月 as the city.
    assert 14940.0 * conversion_factor("元/人·年", "元/人·月") == pytest.approx(1245.0)


@pytest.mark.parametrize(
    "src, dst",
    [("个", "家"), ("%", "‰"), ("人", "人次"), ("人", "户"), ("元", "元/人·月"), ("万元", "张"), ("斤", "元")],
)
def test_incompatible_units_do_not_convert(src, dst):
    assert conversion_factor(src, dst) is None


@pytest.mark.parametrize(
    "header, key",
    [
        ("其中：养老机构床位", "养老机构床位"),
        ("其中:(1)儿童福利", "儿童福利"),
        ("#持证养老护理员", "持证养老护理员"),
        ("一、民政事业费累计支出", "民政事业费累计支出"),
        ("（一）乡级行政区划", "乡级行政区划"),
        ("1.提供住宿的民政机构", "提供住宿的民政机构"),
        ("(2)老年福利", "老年福利"),
        ("A 城市低保累计支出", "城市低保累计支出"),
        ("II 农村低保临时补助", "农村低保临时补助"),
        ("①低保人数", "低保人数"),
        ("低保 人数", "低保人数"),
        ("4A级以上社会组织数", "4a级以上社会组织数"),
        ("60周岁及以上户籍人口", "60周岁及以上户籍人口"),
    ],
)
def test_normalize_header_strips_hierarchy_prefixes_but_not_leading_figures(header, key):
    assert normalize_header(header) == key
