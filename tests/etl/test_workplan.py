"""Targets from work plans: numerals, units, comparators, kinds, sections, reading .txt/.docx/.pdf, and the CLI.

Every fixture is a short Chinese snippet written here, in the style of real 工作要点 and 工作总结; nothing
needs shared/. Records are compared on (value, unit, clause) as the evaluation does.
"""

from __future__ import annotations

import io
import json
import zipfile
from xml.sax.saxutils import escape

import pytest

from etl import cli
from etl.problems import InputError
from etl.workplan import evaluate, extract, read_document
from etl.workplan.numerals import parse_chinese
from etl.workplan.structure import PLAN, SUMMARY, clauses, sections
from kpi.catalog import load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def figures(text, **kw):
    return extract(text, **kw)


def one(text, **kw):
    found = figures(text, **kw)
    assert len(found) == 1, [(f.value, f.unit, f.sentence) for f in found]
    return found[0]


def triples(found):
    return [(f.value, f.unit, f.sentence) for f in found]


PLAN_2024 = "2024年全市民政工作要点\n"


# ----------------------------------------------------------------------------------------------- numerals

@pytest.mark.parametrize("text, value", [
    ("一", 1), ("七", 7), ("十", 10), ("十二", 12), ("二十", 20), ("一百五十", 150), ("一千零五", 1005),
    ("两千", 2000), ("三万五千", 35000), ("一百零一", 101),
])
def test_chinese_numerals(text, value):
    assert parse_chinese(text) == value


@pytest.mark.parametrize("text", ["十四五", "三三", "一百五", "百千万", "五十五五"])
def test_names_made_of_numerals_are_not_numbers(text):
    assert parse_chinese(text) is None


def test_chinese_numerals_in_figures_and_wan_stays_in_the_unit():
    found = figures(PLAN_2024 + "完成特殊困难老年人家庭适老化改造一百五十户，新增两千户，服务对象达到4.9万人，"
                                "新增慈善信托规模1.5亿元，都建有一家未保站，吸引长者五万人次。")
    assert [(f.value, f.unit) for f in found] == [
        (150, "户"), (2000, "户"), (4.9, "万人"), (1.5, "亿元"), (1, "家"), (5, "万人次")]


# ------------------------------------------------------------------------------------------------ units

def test_units_as_written_with_rate_prefixes():
    found = figures("一、2023年工作总结\n全市低保标准为630元/月，重度残疾人护理补贴标准为每人每月115元。"
                    "\n二、2024年工作要点\n稳步提高低保标准至1.374万元/人/年以上。每村一次性给予补助50万元。"
                    "组织实施各类公益项目1000 个。")
    assert [(f.value, f.unit) for f in found] == [
        (630, "元/月"), (115, "元/人/月"), (1.374, "万元/人/年"), (50, "万元/村"), (1000, "个")]
    # "每万名老年人拥有…20张": 每万名 is a denominator, not a unit prefix and not a figure
    f = one(PLAN_2024 + "每万名老年人口拥有认知障碍床位数20张。")
    assert (f.value, f.unit, f.comparator) == (20, "张", "=")


def test_percentages_and_percentage_points():
    found = figures(PLAN_2024 + "护理型床位占比达到百分之六十，节地生态安葬率提高2个百分点，全市排名保持全省第二。")
    assert [(f.value, f.unit, f.comparator) for f in found] == [
        (60, "%", "="), (2, "个百分点", "+"), (2, "名次", "=")]


# ------------------------------------------------------------------------------------------ comparators

@pytest.mark.parametrize("clause, comparator", [
    ("新增“双证”持证护理员不少于150人", ">="),
    ("将供养机构总数控制在3个以内", "<="),
    ("临时救助资金支出不超过500万元", "<="),
    ("完成8家以上市县级公办养老机构改革", ">="),
    ("力争全市持证社工总量突破4万人", ">="),
    ("新增慈善信托规模超过1.5亿元", ">="),
    ("特困人员基本生活标准不低于当地低保标准的1.3倍", ">="),
    ("每个乡镇(街道)至少培育3个社区社会组织", ">="),
    ("新建城市养老服务综合体1个", "+"),
    ("打造具备创建标准的社区2个", "+"),
    ("为2000户特殊困难老年人家庭开展居家适老化改造", "+"),
    ("投入1150万元帮扶老区村", "+"),
    ("组织开展地名文化活动4场", "+"),
    ("服务对象数达到4.9万人", "="),
    ("每万名老人拥有养老机构认知症床位数达18张", "="),
    ("实现登记康复对象接受规范服务率达到45%", "="),
    ("累计培育省级品牌社会组织40家", "="),
    ("提高机构孤儿集中养育标准至38700元/年", "="),
    ("创设市级慈善空间25家左右", "+"),
    ("动态储备100名左右专家级社会组织人才", "="),
    ("切实做好19个镇(街道)养老协理员的管理和服务相关工作", "="),
])
def test_comparators(clause, comparator):
    f = one(PLAN_2024 + clause + "。")
    assert f.comparator == comparator, (clause, f.comparator)


def test_approximations_keep_their_comparator_and_are_noted():
    f = one(PLAN_2024 + "重点帮扶200户左右困难家庭。")
    assert (f.value, f.comparator) == (200, "+") and "approximate" in f.notes
    f = one(PLAN_2024 + "为全市约2000名特殊困难老年人提供上门服务。")
    assert (f.value, f.unit, f.comparator) == (2000, "名", "+") and "approximate" in f.notes


# -------------------------------------------------------------------------------------------------- ranges

def test_ranges_give_value_and_value_min():
    found = figures(PLAN_2024 + "打造3-5个示范性街道综合性养老服务中心，力争推动1-2处公益性公墓建设，"
                                "建设县级失能照护机构三至五家。")
    assert [(f.value, f.value_min, f.unit, f.comparator) for f in found] == [
        (5, 3, "个", "+"), (2, 1, "处", "+"), (5, 3, "家", "+")]


def test_a_size_after_a_count_is_a_level():
    found = figures(PLAN_2024 + "推进12个县区300-500张床位公办示范性养老福利机构建设运营。")
    assert [(f.value, f.value_min, f.unit, f.comparator) for f in found] == [
        (12, None, "个", "+"), (500, 300, "张", "=")]


# ------------------------------------------------------------------------- 分别为 and shared figures

def test_respectively_gives_one_record_per_category():
    found = figures("一、2019年工作总结\n特困人员救助供养标准按全自理、半护理和全护理的护理需求分别为1010元/月、1235元/月和1460元/月。")
    assert [(f.value, f.unit, f.kind) for f in found] == [
        (1010, "元/月", "standard"), (1235, "元/月", "standard"), (1460, "元/月", "standard")]
    assert [f.indicator for f in found] == ["特困人员救助供养标准(全自理)", "特困人员救助供养标准(半护理)",
                                            "特困人员救助供养标准(全护理)"]
    found = figures("一、2019年工作总结\n一、二级重度残疾人护理补贴标准分别提高至每人每月115元、85元。")
    assert [(f.value, f.unit, f.indicator) for f in found] == [
        (115, "元/人/月", "一级重度残疾人护理补贴标准"), (85, "元/人/月", "二级重度残疾人护理补贴标准")]


def test_one_figure_shared_by_several_indicators():
    found = figures(PLAN_2024 + "确保行政处罚赋码率、电子签章使用率、处罚决定书平台出件率均达到 100%。"
                                "保持救助家庭探访关爱率、幸福清单送达率达100%。")
    assert [f.indicator for f in found] == ["行政处罚赋码率", "电子签章使用率", "处罚决定书平台出件率",
                                            "救助家庭探访关爱率", "幸福清单送达率"]
    assert {(f.value, f.unit, f.comparator) for f in found} == {(100, "%", "=")}


def test_n_times_100_percent_is_n_records_and_the_count_is_not_a_figure():
    found = figures(PLAN_2024 + "实现农村新编制门牌归集、入图、准确率及标志设置4个100%。")
    assert [(f.value, f.unit) for f in found] == [(100, "%")] * 4
    assert [f.indicator for f in found] == ["农村新编制门牌归集", "农村新编制门牌入图", "农村新编制门牌准确率",
                                            "农村新编制门牌标志设置"]


def test_a_combined_count_of_two_facility_types_stays_one_record():
    f = one(PLAN_2024 + "婚俗文化展示厅(馆)、婚姻家庭文化教育基地10家以上。")
    assert (f.value, f.comparator) == (10, ">=")


def test_figures_in_one_clause_are_separate_records():
    found = figures("一、2019年工作总结\n全市共有城乡低保对象、特困人员5001户8587人。全年共召开党组理论中心组学习13次18场。")
    assert [(f.value, f.unit, f.comparator) for f in found] == [
        (5001, "户", "="), (8587, "人", "="), (13, "次", "+"), (18, "场", "+")]


def test_from_a_to_b_is_one_figure_with_its_baseline_noted():
    f = one("一、2019年工作总结\n居家养老服务站从285个增加到305个。")
    assert (f.value, f.unit, f.comparator, f.kind) == (305, "个", "=", "actual")
    assert "baseline 285" in f.notes


# -------------------------------------------------------------------------------- sections, kind, year

MIXED = ("某市民政局2019年工作总结和2020年工作要点\n"
         "一、2019年工作总结\n"
         "2019年共新增救助对象522人，累计募集慈善资金3.94亿元。全市低保标准为630元/月。\n"
         "将临时救助金额3000元及以下的审批权限下放至各镇(街道)。\n"
         "二、2020年工作要点\n"
         "新建20个居家养老服务站，累计培育品牌社会组织40家。\n")


def test_summary_and_plan_sections_decide_year_and_kind():
    found = figures(MIXED)
    assert [(f.value, f.kind, f.year, f.comparator) for f in found] == [
        (522, "actual", 2019, "+"), (3.94, "actual", 2019, "+"), (630, "standard", 2019, "="),
        (3000, "standard", 2019, "<="), (20, "target", 2020, "+"), (40, "target", 2020, "=")]
    secs = sections(MIXED)
    assert [(s.mode, s.year) for s in secs] == [(SUMMARY, 2019), (SUMMARY, 2019), (PLAN, 2020)]


def test_headings_without_a_year_switch_the_mode_and_keep_the_plan_year():
    text = ("2026年全县民政工作要点\n一、2025年工作成效\n全县新增养老床位320张。\n二、主要任务\n新增养老床位不少于300张。\n"
            "三、工作保障\n培育慈善行业人才不少于100名。")
    found = figures(text)
    assert [(f.value, f.kind, f.year) for f in found] == [(320, "actual", 2025), (300, "target", 2026),
                                                          (100, "target", 2026)]


def test_plan_without_a_title_takes_its_year_from_the_opening_or_the_argument():
    assert one("2021年全市民政工作要坚持以人民为中心。\n打造3-5个示范性养老服务中心。").year == 2021
    assert one("新建城市养老服务综合体1个。", year=2027).year == 2027


def test_past_figures_in_a_plan_are_actuals():
    found = figures(PLAN_2024 + "2023年全市共保障城乡低保对象4.2万人。目前已建成社区养老服务中心12个。力争到2025年每万名老年人拥有养老床位数达到45张。")
    assert [(f.value, f.kind, f.year) for f in found] == [(4.2, "actual", 2023), (12, "actual", 2023),
                                                          (45, "target", 2025)]


def test_standards_stated_as_current_fact_vs_plans_to_raise_them():
    found = figures(PLAN_2024 + "提高最低生活保障年标准至15200元以上。现行孤儿基本生活保障标准为每人每月2100元。")
    assert [(f.value, f.unit, f.kind, f.comparator) for f in found] == [
        (15200, "元", "target", ">="), (2100, "元/人/月", "standard", "=")]
    found = figures("一、2019年工作总结\n困难残疾人生活补贴标准为每人每月200元，超省定标准130元。原则上标准再提高20%。")
    assert [(f.value, f.unit, f.kind, f.comparator) for f in found] == [
        (200, "元/人/月", "standard", "="), (130, "元", "standard", "="), (20, "%", "standard", "+")]


# ------------------------------------------------------------------------------------------- exclusions

def test_numerals_that_are_not_figures():
    text = (PLAN_2024 + "深入学习贯彻党的二十大和十九届五中全会精神，增强“四个意识”，落实中央八项规定。"
            "开展第五轮界线联检，举办第二届技能大赛，编制“十四五”规划，实施三年行动计划，打造15分钟生活圈，"
            "打造一批示范社区，建设“141”平台，推动家庭年收入10万元以下低收入群体增收，为60岁以上老人服务，"
            "落实4A级以上社会组织奖补政策，做好残疾人两项补贴发放，做优做强助联体10大品牌，"
            "2020年05月06日发布，浔民发〔2025〕12号，谋划“一址通”2.0版，推进“一人一档”，今后一个时期。")
    assert triples(figures(text)) == []


def test_page_navigation_is_ignored():
    assert figures(PLAN_2024 + "新建20个居家养老服务站。\n上一篇:2023年工作总结\n下一篇:统战工作总结合集5篇") \
        and len(figures(PLAN_2024 + "新建20个居家养老服务站。\n下一篇:统战工作总结合集5篇")) == 1


def test_clauses_split_at_commas_and_colons_but_not_at_enumerations():
    text = "新增老年共享食堂40个、村(社)智能助餐点374个，实现覆盖率100%；其中:完成10家"
    assert [c.text for c in clauses(text)] == ["新增老年共享食堂40个、村(社)智能助餐点374个", "实现覆盖率100%", "其中",
                                               "完成10家"]
    assert [c.text for c in clauses("新增家庭养老床位1,200张")] == ["新增家庭养老床位1,200张"]


def test_records_carry_offsets_area_and_catalogue_code(catalog):
    text = PLAN_2024 + "实现养老机构护理型床位占比达68%以上，新增慈善组织2家，打造户外颁证基地20处。"
    found = extract(text, region="330200000000", catalog=catalog)
    for f in found:
        assert text[f.start:f.end] == f.sentence
        assert text[f.value_start:f.value_end].startswith(str(int(f.value)))
        assert f.region == "330200000000"
    assert [(f.indicator_code, f.area) for f in found] == [
        ("EC_R_NURSING_BED", "养老服务"), ("CS_CHARITY_ORGS", "慈善社工"), (None, "社会事务")]
    assert set(found[0].as_dict()) >= {"kind", "sentence", "indicator", "indicator_code", "value", "value_min", "unit",
                                       "comparator", "year", "area", "start", "end"}


def test_catalogue_matching_refuses_loose_matches(catalog):
    found = extract(PLAN_2024 + "设置养老床位188张，申报五星级养老机构1家，新建公益性公墓9个。", catalog=catalog)
    assert [f.indicator_code for f in found] == [None, None, "AF_PUBLIC_CEMETERY"]


# ------------------------------------------------------------------------------------------------ reading

SAMPLE = "2024年全市民政工作要点\n新增养老床位不少于300张，护理型床位占比达到60%。"


def test_read_text_in_utf8_gbk_and_gb18030(tmp_path):
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        path = tmp_path / f"plan-{encoding}.txt"
        path.write_bytes(SAMPLE.replace("\n", "\r\n").encode(encoding))
        assert read_document(path) == SAMPLE
    assert read_document(SAMPLE.encode("gbk"), "要点.txt") == SAMPLE


def _docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def para(text: str) -> str:
        # split into two runs to check that runs of one paragraph are joined
        half = len(text) // 2
        return f"<w:p><w:r><w:t>{escape(text[:half])}</w:t></w:r><w:r><w:t>{escape(text[half:])}</w:t></w:r></w:p>"

    body = "".join(para(p) for p in paragraphs)
    if table:
        rows = "".join("<w:tr>" + "".join(f"<w:tc>{para(c)}</w:tc>" for c in row) + "</w:tr>" for row in table)
        body += f"<w:tbl>{rows}</w:tbl>"
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", xml)
    return buf.getvalue()


def test_read_docx_paragraphs_and_tables(tmp_path):
    path = tmp_path / "要点.docx"
    path.write_bytes(_docx(SAMPLE.split("\n"), table=[["指标", "目标"], ["新增助餐点", "15个"]]))
    text = read_document(path)
    assert text.startswith(SAMPLE)
    assert "新增助餐点 | 15个" in text
    assert [(f.value, f.unit) for f in extract(text)] == [(300, "张"), (60, "%"), (15, "个")]


def _text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a real text layer, written by hand: a Type0 font whose codes are Unicode code points,
    with a ToUnicode map so text extraction recovers the Chinese. No PDF library is needed to build it."""
    chars = sorted({c for line in lines for c in line})
    ops = ["BT", "/F1 12 Tf", "50 750 Td"]
    for line in lines:
        ops += ["<" + "".join(f"{ord(c):04X}" for c in line) + "> Tj", "0 -20 Td"]
    content = "\n".join(ops + ["ET"]).encode() if lines else b""
    bfchar = "\n".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in chars)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n{bfchar}\nendbfchar\n"
            "endcmap CMapName currentdict /CMap defineresource pop end end").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H /DescendantFonts [6 0 R]"
        b" /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe)"
        b" /Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0"
        b" /Ascent 880 /Descent -120 /CapHeight 880 /StemV 80 >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_read_pdf_with_a_text_layer(tmp_path):
    path = tmp_path / "要点.pdf"
    path.write_bytes(_text_pdf(SAMPLE.split("\n")))
    text = read_document(path)
    assert "新增养老床位不少于300张" in text
    assert [(f.value, f.unit, f.comparator, f.year) for f in extract(text)] == [(300, "张", ">=", 2024),
                                                                                (60, "%", "=", 2024)]


def test_pdf_lines_wrapped_mid_sentence_are_joined():
    from etl.workplan.documents import _unwrap

    page = ("一、主要目标\n"
            "全市新增养老床位不少于三百张，护理型床位占比达到\n"
            "百分之六十，新建老年助餐服务点十五个，完成特殊困\n"
            "难老年人家庭适老化改造一百五十户。\n"
            "二、工作保障")
    assert _unwrap(page).split("\n") == [
        "一、主要目标",
        "全市新增养老床位不少于三百张，护理型床位占比达到百分之六十，新建老年助餐服务点十五个，完成特殊困难老年人家庭适老化改造一百五十户。",
        "二、工作保障"]


def test_scanned_pdf_and_other_unreadable_files_get_a_chinese_error(tmp_path):
    with pytest.raises(InputError, match="PDF 没有文字层") as err:
        read_document(_text_pdf([]), "扫描件.pdf")
    assert "文字识别" in err.value.problem.hint
    with pytest.raises(InputError, match="旧版 Word"):
        read_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "要点.doc")
    with pytest.raises(InputError, match="文件是空的"):
        read_document(b"", "空.txt")
    with pytest.raises(InputError, match="不是 Word 文档"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("xl/workbook.xml", "<x/>")
        read_document(buf.getvalue(), "表格.docx")


# ---------------------------------------------------------------------------------------------------- CLI

def test_cli_extract_prints_one_json_object_per_line(tmp_path, capsys):
    path = tmp_path / "要点.txt"
    path.write_text(MIXED, encoding="gbk")
    assert cli.main(["targets", "extract", str(path), "--region", "350582000000"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["kind"] for r in records] == ["actual", "actual", "standard", "standard", "target", "target"]
    assert all(r["region"] == "350582000000" for r in records)
    assert "新建20个居家养老服务站" in lines[4]  # ensure_ascii=False: Chinese stays readable
    assert cli.main(["targets", "extract", str(path), "--kind", "target"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_cli_extract_reports_an_unreadable_file(tmp_path, capsys):
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(_text_pdf([]))
    assert cli.main(["targets", "extract", str(path)]) == 1
    assert "PDF 没有文字层(可能是扫描件或图片)" in capsys.readouterr().err


def _gold(doc: str, kind: str, sentence: str, value: float, unit: str, comparator: str, year: int,
          value_min: float | None = None) -> dict:
    return {"doc": doc, "region": "某市", "year": year, "kind": kind, "sentence": sentence, "indicator": "",
            "value": value, "value_min": value_min, "unit": unit, "comparator": comparator, "area": "养老服务",
            "notes": ""}


def test_cli_eval_on_a_gold_directory(tmp_path, capsys):
    dev = tmp_path / "targets" / "dev"
    seeds = tmp_path / "seeds"
    dev.mkdir(parents=True)
    seeds.mkdir()
    (seeds / "plan.txt").write_text(MIXED, encoding="utf-8")
    gold = [
        _gold("plan.txt", "actual", "2019年共新增救助对象522人", 522, "人", "+", 2019),
        _gold("plan.txt", "standard", "全市低保标准为630元/月", 630, "元/月", "=", 2019),
        _gold("plan.txt", "target", "新建20个居家养老服务站", 20, "个", "+", 2020),
        _gold("plan.txt", "target", "累计培育品牌社会组织40家", 40, "家", ">=", 2020),  # comparator disagrees
        _gold("plan.txt", "target", "并非文中的句子", 7, "个", "+", 2020),               # a miss
    ]
    (dev / "plan.jsonl").write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in gold), encoding="utf-8")
    (dev / "EXCLUSIONS.json").write_text("[]", encoding="utf-8")

    report = evaluate(dev)
    total = report.total
    assert (total.gold_targets, total.predicted_targets, total.hits) == (3, 2, 2)
    assert (round(total.precision, 3), round(total.recall, 3)) == (1.0, 0.667)
    assert (total.kind_agree, total.matched_figures, total.comparator_agree, total.year_agree) == (4, 4, 1, 2)

    assert cli.main(["targets", "eval", str(dev), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "plan.txt：标注目标 3，提取目标 2，命中 2；精确率 100.0%，召回率 66.7%，F1 80.0%" in out
    assert "漏提：7个" in out
    assert "不一致：比较方式 =≠>=：40家「累计培育品牌社会组织40家」" in out

    assert cli.main(["targets", "eval", str(dev), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overall"]["f1"] == 0.8

    assert cli.main(["targets", "eval", str(tmp_path / "nowhere")]) == 1
    assert "找不到目录" in capsys.readouterr().err
