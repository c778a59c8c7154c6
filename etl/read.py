"""Turn a submitted file into sheets of raw cells, whatever it is: .xlsx, .xls, or .csv in any Chinese encoding.

The format is sniffed from the bytes, not trusted from the extension: townships rename files, and an HTML page saved
as "报表.xls" is common. A file that is not what it claims gets a plain error instead of a parser traceback.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from etl.problems import ERROR, InputError, Problem

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]  # cell values: str, int, float, datetime, or None
    encoding: str | None = None  # for CSV: the detected encoding, shown to the user
    notes: list[str] = field(default_factory=list)


def _fail(file: str, message: str, hint: str) -> InputError:
    return InputError(Problem(ERROR, file, message, hint))


def sniff(data: bytes) -> str:
    """'xlsx', 'xls', 'html', 'text' or 'binary', from content alone."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        return "html"
    if b"\x00" in data[:4096]:
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
    rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return [Sheet(Path(file).stem, [[c if c != "" else None for c in r] for r in rows], encoding=encoding)]


def read_xlsx(data: bytes, file: str) -> list[Sheet]:
    import openpyxl

    try:
        # data_only: take the cached result of a formula, never evaluate it or follow external links.
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _fail(file, f"文件已损坏或不是有效的xlsx工作簿（{type(exc).__name__}）",
                    "请在Excel中打开确认能正常显示后，重新保存为xlsx再上传") from None
    sheets = []
    try:
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            sheets.append(Sheet(ws.title, rows))
    finally:
        wb.close()
    return sheets


def read_xls(data: bytes, file: str) -> list[Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
    except xlrd.XLRDError as exc:
        raise _fail(file, f"文件已损坏或不是有效的xls工作簿（{exc}）",
                    "请在Excel中打开后另存为xlsx再上传") from None
    sheets = []
    for sh in book.sheets():
        if sh.visibility != 0:
            continue
        rows = []
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
            rows.append(row)
        sheets.append(Sheet(sh.name, rows))
    return sheets


def read_file(path: Path, data: bytes | None = None, name: str | None = None) -> list[Sheet]:
    """Read every visible sheet. ``name`` is the user's file name, used in messages (uploads live in temp paths)."""
    name = name or Path(path).name
    if data is None:
        data = Path(path).read_bytes()
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
        raise _fail(name, f"文件内容与扩展名“{suffix}”不符（实际是{actual}）",
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
