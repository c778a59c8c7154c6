"""The catalogue is the registry every other module trusts; these tests hold it to its rules."""

import csv

import pytest

from kpi.catalog import (
    AREAS,
    COLUMNS,
    DEFAULT_PATH,
    DIRECTION_NAMES,
    KIND_NAMES,
    CatalogError,
    load_catalog,
)
from kpi.units import conversion_factor


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def by_name(catalog, name):
    found = catalog.match_header(name)
    assert found is not None, f"目录中没有“{name}”"
    return found


# --- the shipped file -----------------------------------------------------------------------

def test_file_is_utf8_with_bom_and_has_the_documented_columns():
    raw = DEFAULT_PATH.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to open UTF-8 CSV correctly"
    header = next(csv.reader([raw.decode("utf-8-sig").splitlines()[0]]))
    assert tuple(header) == COLUMNS


def test_at_least_40_indicators_covering_every_area(catalog):
    assert len(catalog) >= 40
    assert set(catalog.areas()) == set(AREAS)
    business_areas = [a for a in catalog.areas() if a != "基础数据"]
    assert len(business_areas) == 7


def test_beds_per_10k_elderly_is_total_beds_over_registered_60_plus(catalog):
    ind = by_name(catalog, "每万名老年人拥有养老床位数")
    assert ind.kind == "ratio" and ind.scale == 10000
    numerator, denominator = catalog.parts(ind.code)
    assert numerator.name == "养老床位总数"
    assert denominator.basis == "户籍" and ind.basis == "户籍"


def test_certified_caregivers_count_and_per_10k_ratio(catalog):
    count = by_name(catalog, "持证养老护理员数")
    assert count.kind == "stock" and count.unit == "人"
    ratio = by_name(catalog, "每万名老年人拥有持证养老护理员数")
    assert ratio.kind == "ratio" and ratio.scale == 10000
    assert catalog.parts(ratio.code)[0] == count


def test_4a_organisations_drop_expired_ratings(catalog):
    ind = by_name(catalog, "4A级以上社会组织数")
    assert ind.kind == "stock" and ind.direction == "up"
    assert "有效期" in ind.definition and "5年" in ind.definition and "不计入" in ind.definition


def test_charity_money_and_trusts(catalog):
    funds = by_name(catalog, "慈善资金")
    assert (funds.kind, funds.unit) == ("flow", "万元")
    new_trusts = by_name(catalog, "新增慈善信托备案金额")
    assert (new_trusts.kind, new_trusts.unit) == ("flow", "万元")
    total_trusts = by_name(catalog, "慈善信托累计规模")
    assert (total_trusts.kind, total_trusts.unit) == ("stock", "万元")


def test_both_population_bases_exist_and_some_ratio_uses_the_resident_one(catalog):
    bases = {i.basis for i in catalog if i.name.startswith("60周岁及以上")}
    assert bases == {"户籍", "常住"}
    resident = [i for i in catalog if i.is_ratio and i.basis == "常住"]
    assert resident
    for ratio in resident:
        assert catalog.parts(ratio.code)[1].basis == "常住"


def test_every_ratio_can_be_recomputed_from_summable_parts(catalog):
    ratios = [i for i in catalog if i.is_ratio]
    assert len(ratios) >= 10
    for ratio in ratios:
        numerator, denominator = catalog.parts(ratio.code)
        assert numerator.kind in ("stock", "flow"), ratio.code
        assert denominator.kind in ("stock", "flow"), ratio.code
        assert ratio.scale in (1, 100, 1000, 10000)
        assert ratio in catalog.ratios_using(numerator.code)
        assert ratio in catalog.ratios_using(denominator.code)


def test_non_ratios_have_no_parts(catalog):
    for ind in catalog:
        if not ind.is_ratio:
            assert ind.numerator is ind.denominator is ind.scale is None, ind.code
    with pytest.raises(ValueError):
        catalog.parts("EC_BED_TOTAL")


def test_dibao_standard_is_a_monthly_level_that_accepts_yearly_figures(catalog):
    ind = by_name(catalog, "低保标准")
    assert (ind.kind, ind.unit) == ("level", "元/人·月")
    assert conversion_factor("元/人·年", ind.unit) == pytest.approx(1 / 12)


@pytest.mark.parametrize("name", ["低保对象人数", "特困人员数", "结婚登记对数"])
def test_caseload_counts_are_monitor_only(catalog, name):
    assert by_name(catalog, name).direction == "monitor"


@pytest.mark.parametrize(
    "name, unit",
    [("新增养老床位数", "张"), ("适老化改造户数", "户"), ("临时救助人次", "人次"),
     ("低保资金支出", "万元"), ("慈善资金募集额", "万元")],
)
def test_within_year_amounts_are_flows(catalog, name, unit):
    ind = by_name(catalog, name)
    assert (ind.kind, ind.unit) == ("flow", unit)


def test_every_name_and_alias_leads_back_to_its_own_indicator(catalog):
    for ind in catalog:
        for text in (ind.name, *ind.aliases):
            assert catalog.match_header(text) == ind, text


def test_lookups_and_labels(catalog):
    assert "EC_BED_TOTAL" in catalog and "NOPE" not in catalog
    assert catalog.get("EC_BED_TOTAL").name == "养老床位总数"
    with pytest.raises(KeyError):
        catalog.get("NOPE")
    assert set(KIND_NAMES) == {i.kind for i in catalog}
    assert {i.direction for i in catalog} <= set(DIRECTION_NAMES)
    assert catalog.areas()[0] == "基础数据"


# --- recognising incoming headers -----------------------------------------------------------

@pytest.mark.parametrize(
    "header, code",
    [
        ("养老床位数(张)", "EC_BED_TOTAL"),
        ("养老床位总数（万张）", "EC_BED_TOTAL"),
        ("其中：养老机构床位", "EC_BED_INST"),
        ("2.养老机构床位 单位：张", "EC_BED_INST"),
        ("（一）乡级行政区划", "TOWNSHIP_N"),
        ("#持证养老护理员\n（人）", "EC_CAREGIVER_CERT"),
        ("４Ａ级以上社会组织数（个）", "SO_4A_PLUS"),
        ("低保 人数", "SA_DIBAO_PERSONS"),
        ("最低生活保障平均标准(元/人·年)", "SA_DIBAO_STD"),
        ("(二)民政事业费累计支出", "MZ_EXPENDITURE"),
        ("JZH011310000", "MZ_EXPENDITURE"),
        (" jzh011212100 ", "SA_DIBAO_EXP"),
        ("JZH011314100", "SA_DIBAO_EXP"),
    ],
)
def test_match_header(catalog, header, code):
    found = catalog.match_header(header)
    assert found is not None and found.code == code


@pytest.mark.parametrize("header", ["床位数", "提供住宿的民政机构床位", "地区", "", "JZH999999999"])
def test_match_header_does_not_guess(catalog, header):
    assert catalog.match_header(header) is None


# --- refusing a broken file -----------------------------------------------------------------

GOOD_ROWS = [
    dict(code="BEDS", name="养老床位总数", area="养老服务", unit="张", kind="stock", direction="up",
         definition="期末床位。", aliases="养老床位数", frequency="季"),
    dict(code="POP", name="60周岁及以上户籍人口", area="基础数据", unit="人", kind="stock",
         direction="monitor", basis="户籍", definition="年末户籍人口。", aliases="户籍老年人口", frequency="年"),
    dict(code="BEDS_10K", name="每万名老年人拥有养老床位数", area="养老服务", unit="张/万老年人", kind="ratio",
         numerator="BEDS", denominator="POP", scale="10000", direction="up", basis="户籍",
         definition="床位除以人口。", frequency="年"),
]


def write_catalog(tmp_path, rows, encoding="utf-8-sig"):
    path = tmp_path / "indicators.csv"
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_minimal_valid_file_loads(tmp_path):
    catalog = load_catalog(write_catalog(tmp_path, GOOD_ROWS))
    assert [i.code for i in catalog] == ["BEDS", "POP", "BEDS_10K"]
    assert catalog.match_header("户籍老年人口(人)").code == "POP"


def test_alias_collision_names_both_rows(tmp_path):
    rows = [dict(r) for r in GOOD_ROWS]
    rows[1]["aliases"] = "户籍老年人口|养老 床位数"  # 养老床位数 belongs to row 2
    with pytest.raises(CatalogError) as err:
        load_catalog(write_catalog(tmp_path, rows))
    message = str(err.value)
    assert "第3行「aliases」列" in message and "第2行" in message and "养老床位数" in message


def test_alias_with_a_unit_is_refused(tmp_path):
    rows = [dict(r) for r in GOOD_ROWS]
    rows[0]["aliases"] = "养老床位数(张)"
    with pytest.raises(CatalogError, match="第2行「aliases」列.*含单位"):
        load_catalog(write_catalog(tmp_path, rows))


def test_every_problem_is_reported_at_once(tmp_path):
    rows = [dict(r) for r in GOOD_ROWS]
    rows[0]["kind"] = "flows"
    rows[1]["direction"] = "target-band"
    rows[2]["denominator"] = "POP60"
    rows.append(dict(GOOD_ROWS[0], name="另一个", aliases=""))  # duplicate code BEDS
    rows.append(dict(GOOD_ROWS[1], code="pop_cz", name="60周岁及以上常住人口", aliases="", area="基础"))
    with pytest.raises(CatalogError) as err:
        load_catalog(write_catalog(tmp_path, rows))
    problems = err.value.problems
    expected = [
        "第2行「kind」列", "第3行「direction」列", "第4行「denominator」列",
        "第5行「code」列", "第6行「code」列", "第6行「area」列",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert all("indicators.csv" in p for p in problems)


def test_ratio_of_a_ratio_and_missing_scale_are_refused(tmp_path):
    rows = [dict(r) for r in GOOD_ROWS]
    rows.append(dict(GOOD_ROWS[2], code="BAD", name="比率的比率", numerator="BEDS_10K", scale=""))
    with pytest.raises(CatalogError) as err:
        load_catalog(write_catalog(tmp_path, rows))
    message = str(err.value)
    assert "第5行「numerator」列" in message and "第5行「scale」列" in message


def test_ratio_basis_must_match_its_denominator(tmp_path):
    rows = [dict(r) for r in GOOD_ROWS]
    rows[2]["basis"] = "常住"
    with pytest.raises(CatalogError, match="第4行「basis」列"):
        load_catalog(write_catalog(tmp_path, rows))


def test_unknown_unit_and_parts_on_a_stock_are_refused(tmp_path):
    rows = [dict(r) for r in GOOD_ROWS]
    rows[0]["unit"] = "床"
    rows[1]["scale"] = "100"
    with pytest.raises(CatalogError) as err:
        load_catalog(write_catalog(tmp_path, rows))
    message = str(err.value)
    assert "第2行「unit」列" in message and "第3行「scale」列" in message


def test_a_file_saved_as_gbk_gets_a_fix_it_message(tmp_path):
    path = write_catalog(tmp_path, GOOD_ROWS, encoding="gbk")
    with pytest.raises(CatalogError, match="UTF-8"):
        load_catalog(path)


def test_a_stray_comma_is_reported_instead_of_shifting_columns(tmp_path):
    path = write_catalog(tmp_path, GOOD_ROWS)
    text = path.read_text(encoding="utf-8-sig").replace("期末床位。", "期末床位,含社区。")
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(CatalogError, match="第2行.*多出 1 个单元格"):
        load_catalog(path)


def test_scale_must_agree_with_the_unit(tmp_path):
    rows = [dict(r) for r in GOOD_ROWS]
    rows[2]["scale"] = "1000"  # 张/万老年人 needs ×10000
    with pytest.raises(CatalogError, match="第4行「scale」列.*10000"):
        load_catalog(write_catalog(tmp_path, rows))
