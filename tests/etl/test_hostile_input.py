"""Hostile and broken input at the ETL tier: size limits, zip bombs, formulas and links to other files, files that are
not what their name says, and file names built to escape the archive or mislead the reader.

Every refusal is one Chinese error naming the file (and the sheet, row and column when there is one), what the limit
is and what to do; the warehouse is unchanged; the raw bytes are archived all the same (etl.pipeline archives before
anything parses). Limits are lowered with monkeypatch where building a file at the real limit would only slow the
suite down; where the real limit is cheap to reach (a zip bomb, a 200 001-row CSV) it is tested as it is.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import time
import tomllib
import unicodedata
import zipfile
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest

from etl import pipeline, read
from etl.problems import WARNING, InputError, Problem
from etl.read import MiB, read_file
from etl.workplan import DocumentError, documents, read_document
from kpi import store
from tests.conftest import db_fingerprint
from tests.fixtures import ROWS, csv_bytes, table_rows, xls, xlsx

ROOT = Path(__file__).resolve().parents[2]
OLE2 = read.OLE2_MAGIC
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
       + b"This program cannot be run in DOS mode")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


# ---- helpers ---------------------------------------------------------------------------------------------------------


def refused(data: bytes, name: str) -> Problem:
    """The one problem read_file refuses ``data`` with."""
    with pytest.raises(InputError) as info:
        read_file(Path(name), data=data, name=name)
    print(f"\n{name}: {info.value.problem.format()}")
    return info.value.problem


def rezip(data: bytes, edit=lambda name, body: body, add: dict[str, bytes] | None = None) -> bytes:
    """An xlsx/docx with each part passed through ``edit(name, bytes)`` and the parts in ``add`` appended."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, edit(info.filename, src.read(info)))
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def sheet_xml(edit):
    """An edit for rezip that changes only the first worksheet's XML."""
    return lambda name, body: edit(body) if name == "xl/worksheets/sheet1.xml" else body


def bomb(mib: int, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A zip whose one part unpacks to ``mib`` MiB of zeros (about 1000:1), written in chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(part, "w", force_zip64=True) as f:
            chunk = b"\0" * MiB
            for _ in range(mib):
                f.write(chunk)
    return out.getvalue()


def docx(text: str = "全年新增养老床位不少于200张。") -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# Events a reader of an untrusted file must never cause: a connection, a download, a program, a file opened by path.
FORBIDDEN_EVENTS = ("socket.", "urllib.", "http.", "ftplib.", "smtplib.", "subprocess.", "os.system", "os.exec",
                    "os.posix_spawn", "os.spawn", "os.startfile", "webbrowser.", "ctypes.dlopen", "open")
_audit: list[tuple[str, str]] | None = None


def _hook(event: str, args: tuple) -> None:
    if _audit is not None and event.startswith(FORBIDDEN_EVENTS):
        _audit.append((event, repr(args)[:200]))


_hooked = False


@contextmanager
def no_side_effects():
    """Record every forbidden audit event (PEP 578) raised in the block; the block fails if there was one."""
    global _audit, _hooked
    if not _hooked:  # audit hooks cannot be removed: installed once, on first use, recording only inside this block
        sys.addaudithook(_hook)
        _hooked = True
    _audit = []
    try:
        yield
    finally:
        seen, _audit = _audit, None
    assert not seen, f"reading the file reached outside the process: {seen}"


@pytest.fixture
def loaded_warehouse(warehouse):
    """A warehouse holding one good load, so 'unchanged' is tested against real content."""
    assert pipeline.load_bytes(warehouse, xlsx(table_rows(period="报告期：2026年9月")), "baseline.xlsx").status == "loaded"
    return warehouse


def rejected_and_nothing_changed(wh: store.Warehouse, data: bytes, name: str) -> Problem:
    """Load ``data`` as ``name`` into ``wh``: it must be refused with one error, leave the warehouse byte for byte as it
    was, and its raw bytes must be in the archive all the same. Returns the error."""
    before = db_fingerprint(wh)
    result = pipeline.load_bytes(wh, data, name)
    assert result.status == "rejected", result.message
    assert db_fingerprint(wh) == before
    assert result.archive_path.read_bytes() == data
    assert result.archive_path.resolve().is_relative_to(wh.archive_dir.resolve())
    [error] = result.report.errors
    assert error.file == pipeline.safe_name(name) and error.hint
    return error


# ---- limits ----------------------------------------------------------------------------------------------------------


def test_file_limit_is_the_uploaders_limit():
    """The CLI refuses what the 数据管理 and 目标管理 uploaders refuse (server.maxUploadSize is in MiB)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert read.MAX_FILE_BYTES == config["server"]["maxUploadSize"] * MiB
    assert documents.MAX_DOCUMENT_BYTES == read.MAX_FILE_BYTES


def test_file_over_the_size_limit_is_refused_and_kept(loaded_warehouse, monkeypatch):
    monkeypatch.setattr(read, "MAX_FILE_BYTES", MiB)
    data = csv_bytes(table_rows()) + b" " * (MiB // 2 * 3)
    error = rejected_and_nothing_changed(loaded_warehouse, data, "大文件.csv")
    assert (error.sheet, error.row, error.message) == (None, None, "文件大小为1.5 MB，超过上限1.0 MB")


def test_zip_bomb_is_refused_from_its_directory_before_openpyxl_sees_it(loaded_warehouse, monkeypatch):
    data = bomb(310)  # 310 MiB of zeros in a 300 kB file
    assert len(data) < MiB

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was handed a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    started = time.perf_counter()
    error = rejected_and_nothing_changed(loaded_warehouse, data, "炸弹.xlsx")
    assert time.perf_counter() - started < 5  # nothing was unpacked
    assert error.message == ("xlsx工作簿解压后共310.0 MB，超过上限300.0 MB"
                             "（可能含有大量图片、大片带格式的空白单元格，或是恶意构造的“压缩炸弹”）")


def test_part_compressed_like_a_bomb_is_refused():
    problem = refused(bomb(20), "a.xlsx")  # under the total, but 1000:1
    assert re.fullmatch(r"xlsx工作簿中的部件“xl/worksheets/sheet1\.xml”压缩比异常（[\d,]+:1，正常文件不超过100:1），"
                        r"可能是恶意构造的“压缩炸弹”", problem.message), problem.message


def test_real_sheets_are_far_below_the_ratio_limit():
    """The ratio limit must not refuse real files: openpyxl's sheet of 20 000 identical rows, the most compressible
    real content, stays at about 13:1."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for _ in range(20_000):
        sheet.append(ROWS[0])
    out = io.BytesIO()
    book.save(out)
    worst = max(i.file_size / i.compress_size for i in zipfile.ZipFile(out).infolist() if i.file_size > 100_000)
    assert worst < read.MAX_COMPRESSION_RATIO / 4


def test_zip_of_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for n in range(read.MAX_ZIP_MEMBERS + 1):
            zf.writestr(f"xl/media/image{n}.png", b"x")
    assert refused(out.getvalue(), "a.xlsx").message == "xlsx工作簿由1,001个部件组成，超过上限1,000个，不像正常的xlsx工作簿"


def test_visible_sheets_are_limited_and_hidden_ones_do_not_count():
    def book(visible: int, hidden: int) -> bytes:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for n in range(visible + hidden):
            ws = wb.create_sheet(f"表{n}")
            ws.append(["乡镇（街道）", "养老床位总数(张)"])
            ws.sheet_state = "visible" if n < visible else "hidden"
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    problem = refused(book(51, 0), "多表.xlsx")
    assert (problem.message, problem.hint) == ("工作簿有51个可见工作表，超过上限50个", read._TOO_BIG_HINT)
    assert len(read_file(Path("a.xlsx"), data=book(50, 5), name="a.xlsx")) == 50


def test_csv_reading_stops_at_the_row_limit():
    """At the real limit: the row after it is never read. A cell there that csv cannot take would say so if it were."""
    lines = ["乡镇（街道）,养老床位总数(张)"] + ["南门街道,1"] * read.MAX_ROWS + ["南门街道," + "9" * 200_000]
    problem = refused("\n".join(lines).encode(), "长表.csv")
    assert (problem.sheet, problem.row) == (None, read.MAX_ROWS + 1)
    assert problem.message == "文件超过200,000行（含中间的空行），超出系统上限"


def test_xlsx_row_limit_names_the_sheet_and_stops_reading(monkeypatch):
    """Rows are counted as openpyxl hands them over: the row after the limit, built here to break the reader, is never
    read; and the blank rows before a stray far-away cell count, so one stray cell cannot make a million blank rows."""
    monkeypatch.setattr(read, "MAX_ROWS", 10)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "乡镇表"
    for n in range(1, 13):
        ws.append(["南门街道", n])
    broken = rezip(_save(wb), sheet_xml(lambda body: body.replace(
        b'<c r="A12" t="inlineStr"><is><t>', b'<c r="A12" t="s"><v>99999</v><is><t>')))
    assert b"99999" in zipfile.ZipFile(io.BytesIO(broken)).read("xl/worksheets/sheet1.xml")
    problem = refused(broken, "a.xlsx")
    assert (problem.sheet, problem.row, problem.col) == ("乡镇表", 11, None)
    assert problem.message == "工作表超过10行（含中间的空行），超出系统上限"

    wb = openpyxl.Workbook()
    wb.active.append(["乡镇（街道）", "养老床位总数(张)"])
    wb.active.cell(row=1_000_000, column=1, value="很远的一格")
    started = time.perf_counter()
    assert refused(_save(wb), "a.xlsx").row == 11
    assert time.perf_counter() - started < 2


def test_xls_row_limit_is_checked_before_any_cell_is_copied(monkeypatch):
    monkeypatch.setattr(read, "MAX_ROWS", 5)
    problem = refused(xls(table_rows()), "旧表.xls")
    assert (problem.sheet, problem.message) == ("Sheet1", "工作表有8行、6列，超过上限（5行、1,000列）")


def test_xls_visible_sheet_limit(monkeypatch):
    import xlwt

    monkeypatch.setattr(read, "MAX_SHEETS", 2)
    book = xlwt.Workbook(encoding="utf-8")
    for n in range(3):
        book.add_sheet(f"表{n}").write(0, 0, "乡镇（街道）")
    out = io.BytesIO()
    book.save(out)
    assert refused(out.getvalue(), "a.xls").message == "工作簿的可见工作表超过上限2个"


def test_a_filled_cell_beyond_the_column_limit_is_refused_at_its_cell():
    grid = table_rows()
    grid[4] = grid[4] + [None] * (read.MAX_COLUMNS - len(grid[4])) + ["多出来的一格"]
    problem = refused(xlsx(grid), "a.xlsx")
    assert (problem.sheet, problem.row, problem.col) == ("Sheet1", 5, "ALM")
    assert problem.message == "第5行在第1,001列还有内容，超过1,000列的上限"
    problem = refused(csv_bytes(grid), "a.csv")
    assert (problem.row, problem.col, problem.message) == (5, "ALM", "第5行在第1,001列还有内容，超过1,000列的上限")


def test_formatted_empty_cells_beyond_the_column_limit_are_dropped_not_refused():
    wb = openpyxl.load_workbook(io.BytesIO(xlsx(table_rows())))
    for row in range(1, 9):
        wb.active.cell(row=row, column=5000).font = openpyxl.styles.Font(bold=True)  # a formatted, empty cell
    [sheet] = read_file(Path("a.xlsx"), data=_save(wb), name="a.xlsx")
    assert max(len(r) for r in sheet.rows) == read.MAX_COLUMNS
    assert pipeline.check_bytes(_save(wb), "a.xlsx").ok


def test_a_stale_dimension_element_drops_nothing():
    """openpyxl's read-only mode trusts <dimension>: rows and columns outside a stale one used to vanish silently."""
    good = xlsx(table_rows())
    stale = rezip(good, sheet_xml(lambda body: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', body)))
    huge = rezip(good, sheet_xml(lambda body: re.sub(rb'<dimension ref="[^"]*"/>',
                                                     b'<dimension ref="A1:XFD1048576"/>', body)))
    expected = pipeline.check_bytes(good, "a.xlsx").records
    assert len(expected) == 15
    assert pipeline.check_bytes(stale, "a.xlsx").records == expected
    [sheet] = read_file(Path("a.xlsx"), data=huge, name="a.xlsx")
    assert len(sheet.rows) == 8 and max(len(r) for r in sheet.rows) == 6  # no 16 384-wide rows, no million rows


def test_csv_cell_too_long_for_the_csv_reader_is_reported_at_its_row():
    data = "乡镇（街道）,养老床位总数(张)\n南门街道,\"".encode() + b"9" * (csv.field_size_limit() + 1) + b"\"\n"
    problem = refused(data, "a.csv")
    assert (problem.row, problem.message) == (2, "第2行无法按CSV读取：有一个单元格超过131,072个字符")


# ---- work plans (目标管理) -----------------------------------------------------------------------------------------------


def test_docx_bomb_is_refused_before_anything_is_unpacked():
    with pytest.raises(DocumentError) as info:
        read_document(bomb(310, "word/document.xml"), "要点.docx")
    assert info.value.problem.message.startswith("Word 文档解压后共310.0 MB，超过上限300.0 MB")


def test_docx_body_over_its_limit_is_refused(monkeypatch):
    monkeypatch.setattr(documents, "MAX_DOCX_XML_BYTES", 2 * MiB)
    data = docx("".join(f"第{n}条：新增养老床位不少于{n * 7919 % 100_003}张。" for n in range(120_000)))
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size
    assert size > 3 * MiB
    with pytest.raises(DocumentError) as info:
        read_document(data, "要点.docx")
    assert info.value.problem.message == f"Word 文档的正文部分解压后有{size / MiB:,.0f} MB，超过上限2 MB"


def test_long_or_large_document_is_refused(monkeypatch):
    text = "全年新增养老床位不少于200张。" * (documents.MAX_DOCUMENT_CHARS // 15 + 1)
    with pytest.raises(DocumentError) as info:
        read_document(text.encode(), "要点.txt")
    assert info.value.problem.message == f"文档正文有{len(text):,}个字符，超过上限300,000个(约150页)"
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", MiB)
    with pytest.raises(DocumentError) as info:
        read_document(b"x" * 2 * MiB, "要点.txt")
    assert info.value.problem.message == "文件大小为2.0 MB，超过上限1 MB"


def test_pdf_page_limit_and_pdf_bomb(monkeypatch):
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    monkeypatch.setattr(documents, "MAX_PDF_PAGES", 2)
    with pytest.raises(DocumentError) as info:
        read_document(out.getvalue(), "要点.pdf")
    assert info.value.problem.message == "PDF 有3页，超过上限2页"

    # A content stream unpacking to 80 MiB: pypdf's own cap or the text checks refuse it, never a traceback.
    import zlib

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = StreamObject()
    stream._data = zlib.compress(b"\n" * (80 * MiB), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(DocumentError):
        read_document(out.getvalue(), "炸弹.pdf")


# ---- formulas and links to other files -------------------------------------------------------------------------------


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_formulas(cells: dict[str, str]) -> bytes:
    """The fixture table with formulas in ``cells`` (e.g. {"B5": "=B4+1"}), as a script writes them: no saved result."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx(table_rows())))
    for ref, formula in cells.items():
        wb.active[ref] = formula
    return _save(wb)


def test_formula_without_a_saved_result_is_reported_at_its_cell_not_read_as_zero():
    [sheet] = read_file(Path("f.xlsx"), data=_with_formulas({"B5": "=B4+900"}), name="f.xlsx")
    assert sheet.rows[4][1] is None  # 江厦街道's 养老床位总数: unknown, never 0
    assert sheet.problems == [Problem(
        WARNING, "f.xlsx", "这个单元格是公式，但文件中没有保存公式的计算结果，系统不计算公式，按未填报处理（不计为0）",
        "请在Excel或WPS中打开这个文件、保存后重新上传（保存时会存下公式的计算结果）", "Sheet1", 5, "B")]


def test_many_formulas_without_results_are_one_problem_naming_the_first_cells():
    cells = {f"{col}{row}": "=1+1" for row in (4, 5, 6) for col in "BCDE"}
    [sheet] = read_file(Path("f.xlsx"), data=_with_formulas(cells), name="f.xlsx")
    [problem] = sheet.problems
    assert (problem.row, problem.col) == (4, "B")
    assert problem.message.startswith("12个单元格（B4、C4、D4、E4、B5、C5、D5、E5、B6、C6等）是公式，但文件中没有保存")


def test_saved_results_are_read_and_not_reported():
    """Excel's own files: a number saved beside its formula is the value; an empty string result (t="str") is empty."""
    data = rezip(_with_formulas({"B5": "=SUM(B4)", "F6": '=IF(1,"",1)'}), sheet_xml(lambda body: body.replace(
        b'<c r="B5"><f>SUM(B4)</f><v></v></c>', b'<c r="B5"><f>SUM(B4)</f><v>1234</v></c>').replace(
        b'<c r="F6"><f>IF(1,"",1)</f><v></v></c>', b'<c r="F6" t="str"><f>IF(1,"",1)</f><v></v></c>')))
    [sheet] = read_file(Path("f.xlsx"), data=data, name="f.xlsx")
    assert sheet.rows[4][1] == 1234 and sheet.rows[5][5] is None
    assert sheet.problems == []


EXTERNAL_LINK = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>
<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell></row></sheetData></sheetDataSet>
</externalBook></externalLink>"""


def _link_rels(target: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
            f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            f'Target="{target}" TargetMode="External"/></Relationships>').encode()


def _linked_workbook() -> bytes:
    """The fixture table whose cells point at a workbook on the web and one on a Windows share ([1] and [2]), plus a
    WEBSERVICE() call: B4 and C4 carry the results Excel saved, D4 (the web call) none."""
    data = _with_formulas({"B4": "=[1]Sheet1!A1", "C4": "=[2]Sheet1!A1", "D4": '=WEBSERVICE("http://203.0.113.9/x")'})

    def edit(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            body = body.replace(b"<f>[1]Sheet1!A1</f><v></v>", b"<f>[1]Sheet1!A1</f><v>42</v>")
            return body.replace(b"<f>[2]Sheet1!A1</f><v></v>", b"<f>[2]Sheet1!A1</f><v>43</v>")
        if name == "xl/workbook.xml":
            return body.replace(b"</sheets>", b'</sheets><externalReferences xmlns:r="http://schemas.openxmlformats'
                                              b'.org/officeDocument/2006/relationships">'
                                              b'<externalReference r:id="rIdX1"/><externalReference r:id="rIdX2"/>'
                                              b'</externalReferences>')
        if name == "xl/_rels/workbook.xml.rels":
            rel = ('<Relationship Id="rIdX{n}" Target="externalLinks/externalLink{n}.xml" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/externalLink"/>')
            return body.replace(b"</Relationships>", (rel.format(n=1) + rel.format(n=2)).encode() + b"</Relationships>")
        if name == "[Content_Types].xml":
            override = ('<Override PartName="/xl/externalLinks/externalLink{n}.xml" ContentType="application/vnd.'
                        'openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>')
            return body.replace(b"</Types>", (override.format(n=1) + override.format(n=2)).encode() + b"</Types>")
        return body

    return rezip(data, edit, {
        "xl/externalLinks/externalLink1.xml": EXTERNAL_LINK,
        "xl/externalLinks/_rels/externalLink1.xml.rels": _link_rels("http://203.0.113.9/%E6%8A%A5%E8%A1%A8.xlsx"),
        "xl/externalLinks/externalLink2.xml": EXTERNAL_LINK,
        "xl/externalLinks/_rels/externalLink2.xml.rels": _link_rels("file:///\\\\fileserver\\share\\报表.xlsx"),
    })


def test_links_to_other_workbooks_and_the_web_are_never_followed():
    data = _linked_workbook()
    parts = zipfile.ZipFile(io.BytesIO(data))
    assert parts.read("xl/workbook.xml").count(b"<externalReference r:id") == 2
    assert parts.read("xl/worksheets/sheet1.xml").count(b"</f><v>4") == 2  # the saved results 42 and 43
    read_file(Path("warm-up.xlsx"), data=xlsx(), name="warm-up.xlsx")  # lazy imports are not the file's doing
    with no_side_effects():
        [sheet] = read_file(Path("链接.xlsx"), data=data, name="链接.xlsx")
    assert sheet.rows[3][1:4] == [42, 43, None]  # what Excel saved; the web call had no saved result
    [problem] = sheet.problems
    assert (problem.row, problem.col, problem.severity) == (4, "D", WARNING)


def test_the_audit_hook_would_see_a_fetch():
    """The check above can fail: a read that did reach out is caught."""
    import socket

    with pytest.raises(AssertionError, match="socket.connect"):
        with no_side_effects():
            with socket.socket() as sock:
                sock.settimeout(0.01)
                try:
                    sock.connect(("127.0.0.1", 9))
                except OSError:
                    pass


def test_check_reports_a_formula_without_a_saved_result():
    report = pipeline.check_bytes(_with_formulas({"B5": "=B4+900"}), "f.xlsx")
    assert (WARNING, "Sheet1", 5, "B") in [(p.severity, p.sheet, p.row, p.col) for p in report.problems]
    assert report.ok and len(report.records) == 14  # the rest of the file still loads


# ---- XML built to break the reader -----------------------------------------------------------------------------------


def test_external_entity_in_workbook_xml_is_not_resolved():
    data = rezip(xlsx(), lambda name, body: re.sub(
        rb'name="Sheet1"', b'name="&x;"', body.replace(b"<workbook", b'<!DOCTYPE workbook [<!ENTITY x SYSTEM '
                                                                        b'"file:///etc/hostname">]><workbook', 1))
        if name == "xl/workbook.xml" else body)
    read_file(Path("warm-up.xlsx"), data=xlsx(), name="warm-up.xlsx")
    with no_side_effects():
        problem = refused(data, "a.xlsx")
    assert problem.message.startswith("文件已损坏或不是有效的xlsx工作簿（")


@pytest.mark.parametrize("edit, reason", [
    (lambda body: body.replace(b'<c r="A4" t="inlineStr"><is><t>', b'<c r="A4" t="s"><v>99999</v><is><t>'),
     "IndexError"),  # a shared string that does not exist
    (lambda body: body.replace(b"<row r=\"5\">", b"<row r=\"5\"><c r=\"Z5\" t=\"inlineStr\"><is><t>&#0;</t></is></c>"),
     "ParseError"),  # a character XML does not allow
], ids=["missing_shared_string", "invalid_xml_character"])
def test_a_sheet_that_breaks_the_parser_gets_a_plain_error(loaded_warehouse, edit, reason):
    error = rejected_and_nothing_changed(loaded_warehouse, rezip(xlsx(), sheet_xml(edit)), "坏表.xlsx")
    assert (error.sheet, error.message) == ("Sheet1", f"工作表内容已损坏，无法读取（{reason}）")


# ---- not what the name says ------------------------------------------------------------------------------------------

SNIFFED = [
    ("exe_as_csv", "报表.csv", EXE, "文件内容与扩展名“.csv”不符（实际是二进制文件）", "Windows可执行程序"),
    ("elf_as_xlsx", "报表.xlsx", ELF, "文件内容与扩展名“.xlsx”不符（实际是二进制文件）", "Linux可执行程序"),
    ("png_as_xls", "截图.xls", PNG, "文件内容与扩展名“.xls”不符（实际是二进制文件）", "PNG图片"),
    ("pdf_as_csv", "报表.csv", PDF, "文件内容与扩展名“.csv”不符（实际是二进制文件）", "PDF文档"),
    ("zip_as_xlsx", "报表.xlsx", None, "文件已损坏或不是有效的xlsx工作簿（实际是其中没有Excel工作表的压缩包）", "压缩包"),
    ("docx_as_xlsx", "报表.xlsx", "docx", "文件已损坏或不是有效的xlsx工作簿（实际是Word文档）", "xlsx文件本身"),
    ("encrypted_xlsx", "报表.xlsx", OLE2 + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 600,
     "工作簿设置了打开密码，无法读取", "取消“用密码进行加密”"),
    ("doc_as_xls", "报表.xls", OLE2 + b"\x00" * 500 + "WordDocument".encode("utf-16-le") + b"\x00" * 600,
     "文件已损坏或不是有效的xls工作簿（实际是Word文档）", "报表文件本身"),
]


def _sniff_case(data):
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("报表/说明.txt", "不是工作簿")
        return out.getvalue()
    return docx() if data == "docx" else data


@pytest.mark.parametrize("case_id, name, data, message, hint", SNIFFED, ids=[c[0] for c in SNIFFED])
def test_a_file_that_is_not_what_its_name_says_is_refused(loaded_warehouse, case_id, name, data, message, hint):
    error = rejected_and_nothing_changed(loaded_warehouse, _sniff_case(data), name)
    print(f"\n{case_id}: {error.format()}")
    assert error.message == message
    assert hint in error.hint


# ---- file names ------------------------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../../etc/cron.d/evil.xlsx",
    "/etc/passwd.xlsx",
    "..\\..\\Windows\\System32\\evil.xlsx",
    "C:\\Users\\张三\\桌面\\海曙区报表.xlsx",
    "\\\\fileserver\\share\\报表.xlsx",
    "报\x00表.xlsx",
    "行\n一\r二\t三.xlsx",
    "\x1b[31m红色\x7f.xlsx",
    '<img src=x onerror="window.__pwned=1">.xlsx',
    "....xlsx",
]
# Controls (C0, DEL, C1) and the path separators of Linux and Windows.
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\]")


def test_hostile_file_names_stay_inside_the_archive_and_are_stored_clean(loaded_warehouse):
    """Half of the files load (distinct months), half are refused (an unknown township): each is archived inside the
    archive folder with its exact bytes, and the name stored and shown has no path or control characters."""
    files = []
    for n, name in enumerate(HOSTILE_NAMES):
        rows = [list(r) for r in ROWS]
        if n % 2:
            rows[0][0] = "不存在镇"
        files.append((xlsx(table_rows(rows=rows, period=f"报告期：2026年{n // 2 + 1}月")), name))
    results = pipeline.load_batch(loaded_warehouse, files)
    archive = loaded_warehouse.archive_dir.resolve()
    for (data, name), result in zip(files, results):
        assert result.archive_path.resolve().is_relative_to(archive), name
        assert result.archive_path.read_bytes() == data, name
        assert result.archive_path.parent.parent.resolve() == archive  # archive/<2 hex>/<file>, nothing deeper
        assert not UNSAFE.search(result.report.file), repr(result.report.file)
        assert not UNSAFE.search(result.archive_path.name), repr(result.archive_path.name)
        assert result.report.file and result.report.file not in (".", "..")
    assert [r.status for r in results] == ["loaded", "rejected"] * 5, [r.report.problems for r in results]
    stored = set(store.list_loads(loaded_warehouse.connect())["file_name"])
    assert stored == {"baseline.xlsx", "evil.xlsx", "报表.xlsx", "行_一_二_三.xlsx",
                      '<img src=x onerror="window.__pwned=1">.xlsx'}
    rejected = [r.report.file for r in results if r.status == "rejected"]
    assert rejected == ["passwd.xlsx", "海曙区报表.xlsx", "报_表.xlsx", "_[31m红色_.xlsx", "xlsx"]


def test_names_lose_invisible_characters_that_reorder_or_hide_text():
    """U+202E makes "年报\u202excod.xlsx" read 年报xslx.doc… in the history; U+009B starts a terminal escape sequence
    like ESC [ does, when `python -m etl` prints the name."""
    for name in ("年报\u202exslx.xlsx", "报\u200b表.xlsx", "\u2066报表\u2069.xlsx", "\ufeff报表.xlsx", "红\x9b31m.xlsx"):
        cleaned = pipeline.safe_name(name)
        assert not [c for c in cleaned if unicodedata.category(c) in ("Cf", "Cc")], repr(cleaned)
        assert cleaned.endswith(".xlsx")


def test_a_very_long_chinese_name_is_archived_and_keeps_its_extension(warehouse):
    """safe_name keeps 120 characters: 120 Chinese characters are 360 bytes, over the 255 a Linux file name may have
    (archive() raised OSError), and cutting an ASCII name at 120 characters dropped its ".xlsx"."""
    for name in ("宁波市海曙区民政局关于报送" * 10 + ".xlsx", "x" * 300 + ".xlsx"):
        result = pipeline.load_bytes(warehouse, xlsx(), name)
        assert len(result.archive_path.name.encode()) <= 255
        assert result.report.file.endswith(".xlsx") and result.status in ("loaded", "duplicate"), result.message
