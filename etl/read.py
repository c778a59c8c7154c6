"""Turn a submitted file into sheets of raw cells, whatever it is: .xlsx, .xls, or .csv in any Chinese encoding.

The format is sniffed from the bytes, not trusted from the extension: townships rename files, and an HTML page saved
as "报表.xls" is common. A file that is not what it claims gets a plain error instead of a parser traceback.

Every file is untrusted: the limits below are checked before a parser is trusted with it (an xlsx's zip directory is
read before openpyxl opens it), rows are counted while they are read (a million-row sheet is refused at the first row
over the limit, not after it sits in memory), formulas are never calculated and links to other workbooks or the web are
never followed — a formula cell counts with the result Excel saved in the file, and one without a saved result is
reported (``Sheet.problems``), not read as a silent blank.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from etl.problems import ERROR, WARNING, InputError, Problem, column_letter

log = logging.getLogger(__name__)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# ---- limits ---------------------------------------------------------------------------------------------------------
# Far above any real submission (a county's month is ~30 rows x ~80 columns in one to three sheets; a city's long table
# a few ten thousand rows), far below what would exhaust a server that every user of the bureau shares.

MiB = 1024 * 1024
# The 数据管理 uploader refuses larger files itself (server.maxUploadSize = 50 in .streamlit/config.toml, in MiB);
# the same figure here makes `python -m etl load` refuse what the page would.
MAX_FILE_BYTES = 50 * MiB
# An xlsx (or docx) is a zip of XML parts: a workbook has a dozen or two, plus a few per sheet, picture and chart.
MAX_ZIP_MEMBERS = 1000
# What all parts may unpack to. Sheet XML deflates 10–20:1 (measured on openpyxl-written sheets of repeated rows), so a
# full 50 MB upload of real data stays far below; a "zip bomb" of a few kB unpacking to gigabytes does not.
MAX_UNCOMPRESSED_BYTES = 300 * MiB
# A zip bomb deflates about 1000:1; real parts 10–20:1. Small parts may compress better harmlessly, so only parts
# unpacking to more than RATIO_CHECKED_FROM bytes are held to the ratio.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM = 1 * MiB
# Visible sheets per workbook: one per township of a county or per county of a city is a few dozen at most.
MAX_SHEETS = 50
# Rows per sheet (or CSV file), counting blank rows in between: a city's long table of every township, indicator and
# month of a year is ~70 000 rows.
MAX_ROWS = 200_000
# Columns per row: the catalogue has under a hundred indicators; Excel itself allows 16 384 columns.
MAX_COLUMNS = 1000


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]  # cell values: str, int, float, datetime, or None
    encoding: str | None = None  # for CSV: the detected encoding, shown to the user
    notes: list[str] = field(default_factory=list)
    # What the reader saw but the cells cannot show (a formula without a saved result): reported with the sheet's own.
    problems: list[Problem] = field(default_factory=list)


def _fail(file: str, message: str, hint: str, sheet: str | None = None, row: int | None = None,
          col: str | None = None) -> InputError:
    return InputError(Problem(ERROR, file, message, hint, sheet, row, col))


def _size(n: int) -> str:
    return f"{n / MiB:,.1f} MB"


def check_zip(zf: zipfile.ZipFile, file: str, what: str, hint: str) -> None:
    """Refuse a zip container (xlsx, docx) whose directory promises too much, before any part of it is unpacked.

    The directory's sizes can be trusted as upper bounds: Python's zipfile never returns more bytes for a part than its
    directory entry declares. ``what`` names the container in the message ("xlsx工作簿", "Word 文档"); ``hint`` is the fix.
    """
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _fail(file, f"{what}由{len(infos):,}个部件组成，超过上限{MAX_ZIP_MEMBERS:,}个，不像正常的{what}", hint)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _fail(file, f"{what}解压后共{_size(total)}，超过上限{_size(MAX_UNCOMPRESSED_BYTES)}"
                          "（可能含有大量图片、大片带格式的空白单元格，或是恶意构造的“压缩炸弹”）", hint)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            part = re.sub(r"[\x00-\x1f\x7f]", "?", info.filename)[:60]
            raise _fail(file, f"{what}中的部件“{part}”压缩比异常（{ratio:,.0f}:1，正常文件不超过{MAX_COMPRESSION_RATIO}:1），"
                              "可能是恶意构造的“压缩炸弹”", hint)


def _within_limits(rows: Iterable[Iterable], file: str, sheet: str | None, hint: str) -> list[list[object]]:
    """The rows as lists, refusing the sheet at the first row over MAX_ROWS or the first filled cell beyond MAX_COLUMNS
    (so an oversized sheet is never held in memory); empty cells past MAX_COLUMNS are dropped."""
    out: list[list[object]] = []
    for n, row in enumerate(rows, 1):
        if n > MAX_ROWS:
            raise _fail(file, f"{'工作表' if sheet else '文件'}超过{MAX_ROWS:,}行（含中间的空行），超出系统上限", hint, sheet, n)
        row = list(row)
        if len(row) > MAX_COLUMNS:
            beyond = next((c for c in range(MAX_COLUMNS, len(row)) if row[c] is not None and row[c] != ""), None)
            if beyond is not None:
                raise _fail(file, f"第{n}行在第{beyond + 1:,}列还有内容，超过{MAX_COLUMNS:,}列的上限", hint, sheet, n,
                            column_letter(beyond))
            del row[MAX_COLUMNS:]
        out.append(row)
    return out


_TOO_BIG_HINT = "请只保留需要导入的工作表和数据，删除多余的空行、空列后重新保存；数据确实很多时请分成几个文件上传"


def sniff(data: bytes) -> str:
    """'xlsx', 'xls', 'html', 'text' or 'binary', from content alone."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        return "html"
    if b"\x00" in data[:4096] or data.startswith(_BINARY_MAGICS):
        return "binary"
    return "text"


def decode_text(data: bytes, file: str) -> tuple[str, str]:
    """Decode CSV bytes, detecting the encoding: UTF-8 (with or without BOM), else GB18030 (a superset of GBK).

    Strict decoding, in that order, is decisive for Chinese text: GBK bytes are almost never valid UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8（带BOM）"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _fail(file, "无法识别文件的文字编码（既不是UTF-8，也不是GBK/GB18030）",
                    "请在Excel中打开后“另存为”xlsx文件，或另存为“CSV UTF-8”格式后重新上传") from None
    try:
        data.decode("gbk")
        return text, "GBK"
    except UnicodeDecodeError:
        return text, "GB18030"


def read_csv(data: bytes, file: str) -> list[Sheet]:
    text, encoding = decode_text(data, file)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = _within_limits(([c if c != "" else None for c in r] for r in reader), file, None, _TOO_BIG_HINT)
    except csv.Error as exc:
        # The one error csv raises for well-decoded text: a cell over csv.field_size_limit() (131 072 characters).
        raise _fail(file, f"第{reader.line_num:,}行无法按CSV读取：有一个单元格超过{csv.field_size_limit():,}个字符"
                    if "field limit" in str(exc) else f"第{reader.line_num:,}行无法按CSV读取（{exc}）",
                    "请用Excel打开核对这一行（可能缺少配对的英文引号），改正后另存为xlsx再上传",
                    row=reader.line_num) from None
    return [Sheet(Path(file).stem, rows, encoding=encoding)]


_RESAVE_HINT = "请在Excel中打开确认能正常显示后，重新保存为xlsx再上传"


def read_xlsx(data: bytes, file: str) -> list[Sheet]:
    import openpyxl

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _fail(file, f"文件已损坏或不是有效的xlsx工作簿（{type(exc).__name__}）", _RESAVE_HINT) from None
    with zf:
        check_zip(zf, file, "xlsx工作簿", _RESAVE_HINT)
        names = {n.lower() for n in zf.namelist()}
        if not any(n.endswith("workbook.xml") for n in names):
            actual = "Word文档" if "word/document.xml" in names else "其中没有Excel工作表的压缩包"
            raise _fail(file, f"文件已损坏或不是有效的xlsx工作簿（实际是{actual}）",
                        "请确认上传的是报表的xlsx文件本身，不是压缩包或其他文档")
        try:
            # data_only: the result Excel saved for a formula; nothing is calculated. keep_links=False: the parts that
            # describe links to other workbooks are not even read (nothing is ever fetched either way).
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # an untrusted file can break the parser in many ways; the user gets one answer
            log.info("openpyxl could not open %s", file, exc_info=True)
            raise _fail(file, f"文件已损坏或不是有效的xlsx工作簿（{type(exc).__name__}）", _RESAVE_HINT) from None
        try:
            visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
            if len(visible) > MAX_SHEETS:
                raise _fail(file, f"工作簿有{len(visible)}个可见工作表，超过上限{MAX_SHEETS}个", _TOO_BIG_HINT)
            sheets = []
            for ws in visible:
                # The <dimension> element is the writer's claim, and openpyxl trusts it in read-only mode: rows and
                # columns beyond a stale one would be dropped without a word, a huge one pads every row. Read what is
                # there instead.
                ws.reset_dimensions()
                try:
                    rows = _within_limits(ws.iter_rows(values_only=True), file, ws.title, _TOO_BIG_HINT)
                    uncomputed = _uncomputed_formulas(zf, getattr(ws, "_worksheet_path", None))
                except InputError:
                    raise
                except Exception as exc:
                    log.info("openpyxl could not read sheet %r of %s", ws.title, file, exc_info=True)
                    raise _fail(file, f"工作表内容已损坏，无法读取（{type(exc).__name__}）", _RESAVE_HINT,
                                ws.title) from None
                sheet = Sheet(ws.title, rows)
                if uncomputed[1]:
                    sheet.problems.append(_uncomputed_problem(file, ws.title, uncomputed))
                sheets.append(sheet)
        finally:
            wb.close()
    return sheets


# A <f> element, with or without a namespace prefix (not <font>, <filters>…).
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
FORMULA_CELLS_NAMED = 10  # cells listed in the message; the count covers the rest


def _uncomputed_formulas(zf: zipfile.ZipFile, part: str | None) -> tuple[list[str], int]:
    """(first cell references, count) of formula cells in a sheet part that carry no saved result.

    Excel and WPS save each formula's last result beside it, which is what data_only reads. Files written by scripts
    and some reporting systems carry the formula alone; openpyxl then returns None, indistinguishable from a blank.
    An empty result typed as a string (t="str", e.g. =IF(…,"",…)) is a saved result, not a missing one.
    """
    if not part or part not in zf.NameToInfo:
        return [], 0
    with zf.open(part) as f:  # a quick byte scan first: most sheets hold no formula at all
        tail, found = b"", False
        while chunk := f.read(MiB):
            if _FORMULA_TAG.search(tail + chunk):
                found = True
                break
            tail = chunk[-64:]
    if not found:
        return [], 0
    refs: list[str] = []
    count, row, col, sheet_data = 0, 0, 0, None
    with zf.open(part) as f:
        for event, el in ElementTree.iterparse(f, events=("start", "end")):
            tag = el.tag.rpartition("}")[2]
            if event == "start":
                if tag == "sheetData":
                    sheet_data = el
                elif tag == "row":
                    row, col = int(el.get("r") or row + 1), 0
                continue
            if tag == "c":
                m = _CELL_REF.fullmatch(el.get("r") or "")
                ref = m.group(0) if m else f"{column_letter(col)}{row}"
                col = _column_index(m.group(1)) + 1 if m else col + 1
                children = {child.tag.rpartition("}")[2]: child for child in el}
                value = children.get("v")
                if "f" in children and el.get("t") != "str" and (value is None or not value.text):
                    count += 1
                    if len(refs) < FORMULA_CELLS_NAMED:
                        refs.append(ref)
            elif tag == "row" and sheet_data is not None:
                sheet_data.clear()  # keep memory flat on long sheets
    return refs, count


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _uncomputed_problem(file: str, sheet: str, uncomputed: tuple[list[str], int]) -> Problem:
    refs, count = uncomputed
    first = _CELL_REF.fullmatch(refs[0])
    cells = "、".join(refs) + ("等" if count > len(refs) else "")
    what = "这个单元格" if count == 1 else f"{count}个单元格（{cells}）"
    return Problem(WARNING, file, f"{what}是公式，但文件中没有保存公式的计算结果，系统不计算公式，按未填报处理（不计为0）",
                   "请在Excel或WPS中打开这个文件、保存后重新上传（保存时会存下公式的计算结果）", sheet,
                   int(first.group(2)) if first else None, first.group(1) if first else None)


def read_xls(data: bytes, file: str) -> list[Sheet]:
    import xlrd

    try:
        # on_demand: each sheet is parsed when asked for and dropped after, so one sheet at a time is in memory.
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:  # XLRDError, but xlrd also asserts and indexes its way through a damaged file
        log.info("xlrd could not open %s", file, exc_info=True)
        raise _fail(file, *_xls_trouble(data, exc)) from None

    def cells(sh) -> Iterable[list[object]]:
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append(None)
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    row.append("#错误值")
                else:
                    row.append(cell.value)
            yield row

    sheets = []
    try:
        for index in range(book.nsheets):
            name = book.sheet_names()[index]
            try:
                sh = book.sheet_by_index(index)
                if sh.visibility != 0:
                    continue
                if len(sheets) == MAX_SHEETS:
                    raise _fail(file, f"工作簿的可见工作表超过上限{MAX_SHEETS}个", _TOO_BIG_HINT)
                # xlrd knows the size before any cell is copied: an oversized sheet is refused at once.
                if sh.nrows > MAX_ROWS or sh.ncols > MAX_COLUMNS:
                    raise _fail(file, f"工作表有{sh.nrows:,}行、{sh.ncols:,}列，超过上限（{MAX_ROWS:,}行、{MAX_COLUMNS:,}列）",
                                _TOO_BIG_HINT, name)
                sheets.append(Sheet(sh.name, _within_limits(cells(sh), file, sh.name, _TOO_BIG_HINT)))
            except InputError:
                raise
            except Exception as exc:
                log.info("xlrd could not read sheet %r of %s", name, file, exc_info=True)
                raise _fail(file, f"工作表内容已损坏，无法读取（{type(exc).__name__}）",
                            "请在Excel中打开后另存为xlsx再上传", name) from None
            finally:
                book.unload_sheet(index)
    finally:
        book.release_resources()
    return sheets


def _xls_trouble(data: bytes, exc: Exception) -> tuple[str, str]:
    """(message, hint) for an OLE2 file xlrd refuses: old Word files and password-protected workbooks (.xls, and .xlsx
    too: Excel wraps an encrypted xlsx in OLE2) share the container."""
    import xlrd

    if "encrypted" in str(exc).lower() or "EncryptedPackage".encode("utf-16-le") in data:
        return "工作簿设置了打开密码，无法读取", "请在Excel中取消“用密码进行加密”后保存，再重新上传"
    if "WordDocument".encode("utf-16-le") in data:
        return "文件已损坏或不是有效的xls工作簿（实际是Word文档）", "请确认上传的是报表文件本身"
    reason = str(exc) if isinstance(exc, xlrd.XLRDError) else type(exc).__name__
    return f"文件已损坏或不是有效的xls工作簿（{reason}）", "请在Excel中打开后另存为xlsx再上传"


# Named in the hint when such a file arrives under a spreadsheet's name: staff should know it was not a report at all.
_KNOWN_BINARIES = (
    (b"MZ", "Windows可执行程序（exe/dll）"), (b"\x7fELF", "Linux可执行程序"), (b"\x89PNG", "PNG图片"),
    (b"\xff\xd8\xff", "JPEG图片"), (b"GIF8", "GIF图片"), (b"%PDF-", "PDF文档"), (b"Rar!", "RAR压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z压缩包"), (b"\x1f\x8b", "gzip压缩包"),
)

# Signatures no text file starts with (a bare "MZ" could begin a CSV; a real exe has NUL bytes near its start anyway).
_BINARY_MAGICS = tuple(magic for magic, _what in _KNOWN_BINARIES if len(magic) >= 4 or magic[0] >= 0x80)


def read_file(path: Path, data: bytes | None = None, name: str | None = None) -> list[Sheet]:
    """Read every visible sheet. ``name`` is the user's file name, used in messages (uploads live in temp paths)."""
    name = name or Path(path).name
    if data is None:
        data = Path(path).read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise _fail(name, f"文件大小为{_size(len(data))}，超过上限{_size(MAX_FILE_BYTES)}", _TOO_BIG_HINT)
    if not data.strip():
        raise _fail(name, "文件是空的", "请检查是否上传了正确的文件")
    suffix = Path(name).suffix.lower()
    kind = sniff(data)
    claimed = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".csv": "text", ".txt": "text"}.get(suffix)
    if claimed is None:
        raise _fail(name, f"不支持的文件类型“{suffix or '无扩展名'}”",
                    "请上传 .xlsx、.xls 或 .csv 文件")
    if kind == "html":
        raise _fail(name, "文件扩展名是Excel/CSV，但内容其实是网页（HTML）",
                    "这通常是从系统“导出”的网页表格。请用Excel打开后“另存为”xlsx文件再上传")
    if kind == "binary" or (claimed == "text" and kind in ("xlsx", "xls")) or (claimed != "text" and kind == "text"):
        actual = {"xlsx": "xlsx工作簿", "xls": "xls工作簿", "text": "文本", "binary": "二进制文件"}[kind]
        known = next((what for magic, what in _KNOWN_BINARIES if kind == "binary" and data.startswith(magic)), None)
        raise _fail(name, f"文件内容与扩展名“{suffix}”不符（实际是{actual}）",
                    f"文件内容其实是{known}，不是报表，请确认上传的是报表文件本身" if known else
                    "请确认上传的是报表文件本身；如果是改过扩展名的文件，请改回正确的扩展名")
    if kind == "xlsx":
        sheets = read_xlsx(data, name)
    elif kind == "xls":
        sheets = read_xls(data, name)
    else:
        sheets = read_csv(data, name)
    if not sheets:
        raise _fail(name, "工作簿中没有可见的工作表", "请取消隐藏需要导入的工作表后重新上传")
    return sheets
