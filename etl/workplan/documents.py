"""Read a work plan into plain text: .txt (UTF-8, GBK, GB18030), .docx, or a .pdf with a text layer.

The type is sniffed from the bytes (a renamed file still reads); a file that cannot be read gets one
Chinese error (DocumentError, an etl.problems.InputError) saying why and what to do. .docx is read from
word/document.xml with the standard library: paragraphs become lines, table rows become lines of cells joined by " | ".
"""

from __future__ import annotations

import io
import re
import string
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from etl.problems import ERROR, InputError, Problem
from etl.read import MAX_FILE_BYTES, OLE2_MAGIC, ZIP_MAGIC, MiB, check_zip, decode_text

PDF_MAGIC = b"%PDF-"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MIN_TEXT_PER_PAGE = 10  # characters; below this on average a PDF is a scan without a text layer

# Limits, far above a real work plan (5–30 pages, 10 000–60 000 characters) and below what would tie up the shared
# server: extraction takes about 1 s per 100 000 characters, and a document's whole text is shown on the page.
# The uploader's own cap (server.maxUploadSize) and the reports' (etl.read) are the same figure.
MAX_DOCUMENT_BYTES = MAX_FILE_BYTES
# document.xml of a 100-page plan is ~2 MB; the whole tree is parsed in memory, at ~10x its size.
MAX_DOCX_XML_BYTES = 20 * MiB
# A work plan or five-year plan runs to tens of pages; every page's text is extracted.
MAX_PDF_PAGES = 300
# About 150 pages of Chinese text.
MAX_DOCUMENT_CHARS = 300_000
_SHORTEN_HINT = "请只上传工作要点、工作总结的正文（可删去附件、附表后另存），或分成几个文件上传"


class DocumentError(InputError):
    """A work plan that cannot be read; ``str()`` is the Chinese message with its fix (etl.problems.Problem)."""


def _fail(file: str, message: str, hint: str) -> DocumentError:
    return DocumentError(Problem(ERROR, file, message, hint))


def read_document(source: str | Path | bytes, name: str | None = None) -> str:
    """The document's text. ``source`` is a path or the file's bytes; ``name`` is shown in errors.

    Line breaks separate paragraphs; "\\r\\n" becomes "\\n". Raises DocumentError for an unreadable file,
    an old binary .doc, or a scanned PDF without a text layer.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise _fail(name, "文件不存在", "请检查文件路径") from None
    else:
        data = bytes(source)
        name = name or "文档"
    if not data.strip():
        raise _fail(name, "文件是空的", "请确认上传的是工作要点的正文文件")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _fail(name, f"文件大小为{len(data) / MiB:,.1f} MB，超过上限{MAX_DOCUMENT_BYTES / MiB:,.0f} MB",
                    _SHORTEN_HINT)
    if data.startswith(PDF_MAGIC):
        text = _read_pdf(data, name)
    elif data.startswith(ZIP_MAGIC):
        text = _read_docx(data, name)
    elif data.startswith(OLE2_MAGIC):
        raise _fail(name, "这是旧版 Word(.doc)或 Excel(.xls)文件，无法直接读取正文",
                    "请在 Word 中打开后“另存为”.docx 文件再上传")
    else:
        if b"\x00" in data[:4096]:
            raise _fail(name, "无法识别的文件格式(不是文本、.docx 或 .pdf)", "请上传 .docx、.pdf 或 .txt 格式的工作要点")
        try:
            text, _encoding = decode_text(data, name)
        except InputError:
            raise _fail(name, "无法识别文件的文字编码(既不是UTF-8，也不是GBK/GB18030)",
                        "请用记事本或 Word 打开后另存为 UTF-8 编码的 .txt，或直接上传 .docx") from None
        _check_length(text, name)  # before the web-page clean-up below, whose work grows with the length
        if text.lstrip()[:1] == "<" and re.match(r"\s*<(?:!doctype|html)", text, re.I):
            text = _html_to_text(text)
    _check_length(text, name)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_length(text: str, name: str) -> None:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise _fail(name, f"文档正文有{len(text):,}个字符，超过上限{MAX_DOCUMENT_CHARS:,}个(约150页)", _SHORTEN_HINT)


def _read_docx(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            # The directory first: a "zip bomb" is refused before anything is unpacked.
            check_zip(zf, name, "Word 文档", "请在 Word 中打开后“另存为”新的 .docx 文件再上传")
            size = zf.getinfo("word/document.xml").file_size
            if size > MAX_DOCX_XML_BYTES:
                raise _fail(name, f"Word 文档的正文部分解压后有{size / MiB:,.0f} MB，"
                                  f"超过上限{MAX_DOCX_XML_BYTES / MiB:,.0f} MB", _SHORTEN_HINT)
            xml = zf.read("word/document.xml")
    except InputError as exc:
        raise DocumentError(exc.problem) from None
    except KeyError:
        raise _fail(name, "这是一个压缩文件(如 .xlsx 或 .zip)，不是 Word 文档",
                    "请上传工作要点的 .docx、.pdf 或 .txt 文件") from None
    except zipfile.BadZipFile:
        raise _fail(name, "Word 文档已损坏，无法打开", "请在 Word 中打开确认能正常显示后，重新保存再上传") from None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise _fail(name, "Word 文档内容已损坏(document.xml 无法解析)", "请在 Word 中打开后重新保存再上传") from None
    body = root.find(f"{W}body")
    lines: list[str] = []
    for block in (body if body is not None else []):
        if block.tag == f"{W}p":
            lines.append(_paragraph_text(block))
        elif block.tag == f"{W}tbl":
            for row in block.iter(f"{W}tr"):
                cells = [" ".join(_paragraph_text(p) for p in cell.iter(f"{W}p")).strip()
                         for cell in row.findall(f"{W}tc")]
                lines.append(" | ".join(cells))
    return "\n".join(lines)


def _paragraph_text(p) -> str:
    parts: list[str] = []
    for node in p.iter():
        if node.tag == f"{W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{W}tab":
            parts.append("\t")
        elif node.tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
    return "".join(parts)


def _read_pdf(data: bytes, name: str) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError
    except ImportError:  # pragma: no cover - pypdf is pinned in requirements.txt
        raise _fail(name, "读取 PDF 需要 pypdf 组件", "请运行 pip install -r requirements.txt 后重试") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise _fail(name, "PDF 已加密，无法读取", "请去掉密码保护后重新导出 PDF，或上传 .docx") from None
        if len(reader.pages) > MAX_PDF_PAGES:
            raise _fail(name, f"PDF 有{len(reader.pages):,}页，超过上限{MAX_PDF_PAGES}页", _SHORTEN_HINT)
        pages, length = [], 0
        for page in reader.pages:  # stop as soon as the text is too long, not after extracting every page
            pages.append(page.extract_text() or "")
            length += len(pages[-1])
            if length > MAX_DOCUMENT_CHARS:
                _check_length("".join(pages), name)
    except InputError:
        raise
    except LimitReachedError:  # pypdf's own cap on what one compressed stream may unpack to ("PDF bomb")
        raise _fail(name, "PDF 中有内容解压后过大，超过读取上限，可能是恶意构造的文件",
                    "请重新导出 PDF，或上传 .docx / .txt 版本") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise _fail(name, f"PDF 文件已损坏，无法读取({type(exc).__name__})",
                    "请重新导出 PDF，或上传 .docx / .txt 版本") from None
    text_chars = sum(len(re.sub(r"\s", "", p)) for p in pages)
    if not pages or text_chars < MIN_TEXT_PER_PAGE * len(pages):
        raise _fail(name, "PDF 没有文字层(可能是扫描件或图片)，无法提取文字",
                    "请上传工作要点的 Word(.docx)或文本版本；只有扫描件时，请先做文字识别(OCR)再上传")
    return "\n".join(_unwrap(p) for p in pages)


def _unwrap(page: str) -> str:
    """Join lines a PDF wrapped mid-sentence: a line break inside a paragraph would end a clause.

    A line is joined to the next when it is nearly full (at least 80 % of the page's common line length)
    and does not end a sentence; headings and short closing lines keep their breaks.
    """
    lines = [line.rstrip() for line in page.split("\n")]
    lengths = sorted(len(line) for line in lines if line.strip())
    if not lengths:
        return ""
    full = lengths[int(len(lengths) * 0.8)] if len(lengths) >= 5 else max(lengths)
    out: list[str] = []
    for line in lines:
        if out and _wraps(out[-1], full):
            out[-1] += line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)


def _wraps(line: str, full: int) -> bool:
    return len(line) >= 0.8 * full and full >= 15 and not line.endswith(("。", "：", ":", "；", ";", "！", "？"))


def _html_to_text(html: str) -> str:
    """A web page saved as .txt/.htm: keep the text, one block per line."""
    html = _drop_script_and_style(html)
    html = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d)>", "\n", html)
    text = re.sub(r"<[^>]+>", "", html)
    import html as html_lib

    return html_lib.unescape(text)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _drop_script_and_style(html: str) -> str:
    """Remove <script>…</script> and <style>…</style> (an unclosed one: to the end) in one pass. A regex with a lazy
    ``.*?`` and a back-reference goes quadratic on many unclosed tags; this is linear. ASCII-only lower-casing keeps
    the indexes of the two strings aligned."""
    lower, out, at = html.translate(_ASCII_LOWER), [], 0
    while True:
        found = [(lower.find(f"<{tag}", at), tag) for tag in ("script", "style")]
        found = [(pos, tag) for pos, tag in found if pos >= 0]
        if not found:
            out.append(html[at:])
            return "".join(out)
        pos, tag = min(found)
        out.append(html[at:pos])
        end = lower.find(f"</{tag}", pos)
        close = lower.find(">", end) if end >= 0 else -1
        if close < 0:
            return "".join(out)
        at = close + 1
