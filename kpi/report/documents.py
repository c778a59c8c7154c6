"""The report as files: every panel as PNG, all of them in one ZIP, the whole report as PDF (reportlab) and as Word
.docx (python-docx).

Both documents are A4 portrait with the same outline (``outline``): the title and the stamp; 一、总体情况 (the summary
and the headline table); 二、分领域情况 (each area's chart and one sentence per indicator); 三、分地区情况 (the map and its
sentence); 四、需关注的指标 (the behind-pace table); 附表 (every other indicator with data). Tables are real tables — text
a reader can copy, search and check against the warehouse — and pictures are the panels, at the page's text width.
Every page's footer carries the stamp (data version and loads).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from kpi import display
from kpi.report import fonts, panels
from kpi.report.content import OTHER_COLUMNS, TABLE_NOTE, Report, Row
from kpi.report.lines import break_lines
from kpi.report.panels import BEHIND_LAYOUT, HEADLINE_LAYOUT, Column, Panel

OTHER_LAYOUT = dict(zip(OTHER_COLUMNS, (Column("指标", 62, "left"), Column("单位", 22, "left"), Column("本期", 24),
                                        Column("较上月", 20), Column("较上年同期", 22), Column("较上年末", 20))))
NUMERALS = "一二三四五六七八九十"
DOCUMENT_AUTHOR = "民政指标驾驶舱"


# ---- the outline both documents follow ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0 the title, 1 a section, 2 a subsection


@dataclass(frozen=True)
class Text:
    text: str
    small: bool = False  # notes and the stamp


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]  # one cell: a band across the table (a business area)
    status: str | None = None


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class Picture:
    panel: Panel


def _table(layout: dict[str, Column], rows: list[Row], bands: bool = True) -> Table:
    names = tuple(layout)
    out, area = [], None
    for row in rows:
        if bands and row.indicator.area != area:
            area = row.indicator.area
            out.append(TableRow((area,)))
        out.append(TableRow(tuple(row.cells(names)), row.status if "状态" in names else None))
    return Table(tuple(layout.values()), tuple(out))


def outline(report: Report, pictures: list[Panel]) -> list:
    """The blocks of the report, in order."""
    by_key = {p.key: p for p in pictures}
    section = iter(NUMERALS)
    blocks: list = [Heading(report.title, 0), Text(report.stamp.text, small=True)]
    if report.stamp.demo:
        blocks.append(Text("本报告使用系统生成的示例数据，不是真实统计数。", small=True))

    blocks += [Heading(f"{next(section)}、总体情况", 1), Text(report.summary),
               _table(HEADLINE_LAYOUT, list(report.rows)), Text(TABLE_NOTE, small=True)]

    blocks.append(Heading(f"{next(section)}、分领域情况", 1))
    for n, group in enumerate(report.groups, start=1):
        blocks.append(Heading(f"（{NUMERALS[n - 1] if n <= 10 else n}）{group.area}", 2))
        blocks += [Picture(p) for p in pictures if p.key == f"area-{n}" or p.key.startswith(f"area-{n}-")]
        blocks += [Text(row.commentary) for row in group.rows]

    if report.map is not None and "map" in by_key:
        blocks += [Heading(f"{next(section)}、分地区情况", 1), Picture(by_key["map"]), Text(report.map.commentary)]

    blocks.append(Heading(f"{next(section)}、需关注的指标", 1))
    if report.behind:
        blocks += [Text(f"以下{len(report.behind)}项指标落后于序时进度（到{report.period.label}应完成全年的"
                        f"{display.percent(report.period.month / 12)}），最落后的在前："),
                   _table(BEHIND_LAYOUT, list(report.behind), bands=False)]
    else:
        blocks.append(Text("设有年度目标的指标均未落后于序时进度。"))

    if report.others:
        blocks += [Heading("附表：其他监测指标", 1), _table(OTHER_LAYOUT, list(report.others))]
    return blocks


# ---- ZIP ------------------------------------------------------------------------------------------------------------


def _zip_time(report: Report) -> tuple:
    """Entries dated when the data version was made: the same report zips to the same bytes."""
    when = report.stamp.version_at or dt.datetime(1980, 1, 1)
    return when.timetuple()[:6] if when.year >= 1980 else (1980, 1, 1, 0, 0, 0)


def zip_panels(report: Report, pictures: list[Panel]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, panel in enumerate(pictures, start=1):
            archive.writestr(zipfile.ZipInfo(panel.filename(n), _zip_time(report)), panel.png)
        readme = f"{report.title}\n{report.stamp.text}\n\n{report.summary}\n"
        archive.writestr(zipfile.ZipInfo("说明.txt", _zip_time(report)), readme.encode("utf-8"))
    return buf.getvalue()


# ---- PDF ------------------------------------------------------------------------------------------------------------

PDF_FONT = "ReportCJK"
MARGIN_MM = 20.0


def _register_pdf_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        font = fonts.pdf_font()
        pdfmetrics.registerFont(TTFont(PDF_FONT, str(font.path), subfontIndex=font.index))


def pdf(report: Report, pictures: list[Panel]) -> bytes:
    """The report as an A4 PDF with the CJK font embedded. Raises fonts.FontMissing without a TrueType CJK font."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import BaseDocTemplate, Frame, Image, PageTemplate, Paragraph, Spacer
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    _register_pdf_font()
    frame_width = (210 - 2 * MARGIN_MM) * mm

    def style(size: float, align=TA_LEFT, color=colors.black, before: float = 0, after: float = 4,
              keep: bool = False, indent: float = 0.0) -> ParagraphStyle:
        return ParagraphStyle(f"s{size}{align}{before}{indent}", fontName=PDF_FONT, fontSize=size,
                              leading=size * 1.55, alignment=align, textColor=color, spaceBefore=before,
                              spaceAfter=after, keepWithNext=keep, firstLineIndent=indent, wordWrap="CJK")

    def para(text: str, st: ParagraphStyle, width: float = frame_width) -> Paragraph:
        # Broken here, by the PDF's own font metrics: reportlab's CJK wrapping may split a number.
        lines = break_lines(text, width, lambda s: stringWidth(s, PDF_FONT, st.fontSize), st.firstLineIndent)
        return Paragraph("<br/>".join(escape(line) for line in lines), st)

    title = style(16, TA_CENTER, after=6)
    h1, h2 = style(13, before=10, after=4, keep=True), style(11.5, before=6, after=3, keep=True)
    body, small = style(10.5, indent=21), style(8, color=colors.HexColor("#555555"))  # 首行缩进两字
    cell_size = 7.5
    aligns = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER}

    def table(block: Table) -> RLTable:
        scale = frame_width / sum(c.width_mm for c in block.columns)
        widths = [c.width_mm * scale for c in block.columns]
        head = [para(c.name, style(cell_size, aligns[c.align], colors.white, after=0), w - 6)
                for c, w in zip(block.columns, widths)]
        data, commands = [head], [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0d3b66")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        status_at = next((i for i, c in enumerate(block.columns) if c.name == "状态"), None)
        for r, row in enumerate(block.rows, start=1):
            if len(row.cells) == 1:
                data.append([para(row.cells[0], style(cell_size, color=colors.HexColor("#0d3b66"), after=0),
                                  frame_width - 6)] + [""] * (len(widths) - 1))
                commands += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#e8eef6")),
                             ("NOSPLIT", (0, r), (-1, min(r + 1, len(block.rows))))]  # a band stays with its row
                continue
            cells = []
            for i, (c, w, text) in enumerate(zip(block.columns, widths, row.cells)):
                color = colors.black
                if i == status_at and row.status:
                    color = colors.Color(*panels.rgb(display.STATUS_RGB[row.status]))
                cells.append(para(text, style(cell_size, aligns[c.align], color, after=0), w - 6))
            data.append(cells)
        return RLTable(data, colWidths=widths, repeatRows=1, style=TableStyle(commands), hAlign="CENTER")

    story = []
    for block in outline(report, pictures):
        if isinstance(block, Heading):
            story.append(para(block.text, {0: title, 1: h1, 2: h2}[block.level]))
        elif isinstance(block, Text):
            story.append(para(block.text, small if block.small else body))
        elif isinstance(block, Table):
            story += [table(block), Spacer(1, 3 * mm)]
        elif isinstance(block, Picture):
            p = block.panel
            story += [Image(io.BytesIO(p.png), width=p.width_mm * mm, height=p.height_mm * mm), Spacer(1, 2 * mm)]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(PDF_FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        demo = "示例数据 · " if report.stamp.demo else ""
        canvas.drawString(MARGIN_MM * mm, 10 * mm, f"{report.region.name} · {report.period.label} · {demo}"
                                                   f"{report.stamp.text}")
        canvas.drawRightString((210 - MARGIN_MM) * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    buf = io.BytesIO()
    # invariant: no creation time or random id in the file, so the same report makes the same PDF.
    doc = BaseDocTemplate(buf, pagesize=A4, title=report.title, author=DOCUMENT_AUTHOR, subject=report.stamp.text,
                          creator=DOCUMENT_AUTHOR, invariant=1)
    # No frame padding: the text width is exactly the panels' width.
    frame = Frame(MARGIN_MM * mm, 18 * mm, frame_width, (297 - 18 - 16) * mm, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=footer)])
    doc.build(story)
    return buf.getvalue()


# ---- DOCX -----------------------------------------------------------------------------------------------------------

# Fonts a Chinese Word or WPS has; a machine without them substitutes its own CJK font.
BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"


def _set_fonts(element, east_asia: str, latin: str = LATIN_FONT) -> None:
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _shade(cell, hex_fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), hex_fill)
    cell._tc.get_or_add_tcPr().append(shading)


def docx(report: Report, pictures: list[Panel]) -> bytes:
    """The report as an A4 Word document."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(MARGIN_MM)
    section.top_margin = section.bottom_margin = Mm(20)

    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    _set_fonts(normal.element, BODY_FONT)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.3
    for name, size in (("Title", 16), ("Heading 1", 14), ("Heading 2", 12)):
        st = doc.styles[name]
        st.font.size, st.font.bold, st.font.color.rgb = Pt(size), name != "Title", RGBColor(0x0D, 0x3B, 0x66)
        _set_fonts(st.element, HEADING_FONT)
    doc.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    core = doc.core_properties
    # python-docx refuses core properties over 255 characters (the OOXML limit): a long 总体情况 raised ValueError
    # and took the whole page down. The full text is in the document body; the property gets its start.
    core.title, core.subject = _core_text(report.title), _core_text(report.stamp.text)
    core.comments = _core_text(report.summary)
    core.author = DOCUMENT_AUTHOR
    if report.stamp.version_at:
        core.created = core.modified = report.stamp.version_at
    core.last_modified_by = DOCUMENT_AUTHOR

    footer = section.footer.paragraphs[0]
    demo = "示例数据 · " if report.stamp.demo else ""
    run = footer.add_run(f"{report.region.name} · {report.period.label} · {demo}{report.stamp.text}")
    run.font.size, run.font.color.rgb = Pt(7.5), RGBColor(0x66, 0x66, 0x66)

    aligns = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}
    text_width = 210 - 2 * MARGIN_MM

    def write_cell(cell, text: str, align, size: float = 7.5, color: RGBColor | None = None) -> None:
        paragraph = cell.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(1)
        paragraph.paragraph_format.line_spacing = 1.0
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        if color is not None:
            run.font.color.rgb = color

    def table(block: Table) -> None:
        scale = text_width / sum(c.width_mm for c in block.columns)
        widths = [Mm(c.width_mm * scale) for c in block.columns]
        t = doc.add_table(rows=1, cols=len(block.columns))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for column, width in zip(t.columns, widths):  # the grid (LibreOffice, WPS) as well as each cell (Word)
            column.width = width
        margins = OxmlElement("w:tblCellMar")  # 1 mm each side, not Word's 1.9 mm: ten columns on a portrait page
        for side in ("left", "right"):
            margin = OxmlElement(f"w:{side}")
            margin.set(qn("w:w"), "57")
            margin.set(qn("w:type"), "dxa")
            margins.append(margin)
        t._tbl.tblPr.append(margins)
        head = t.rows[0]
        repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page the table runs over
        repeat.set(qn("w:val"), "true")
        head._tr.get_or_add_trPr().append(repeat)
        for cell, column, width in zip(head.cells, block.columns, widths):
            cell.width = width
            write_cell(cell, column.name, aligns[column.align], color=RGBColor(0xFF, 0xFF, 0xFF))
            _shade(cell, "0D3B66")
        for row in block.rows:
            cells = t.add_row().cells
            for cell, width in zip(cells, widths):
                cell.width = width
            if len(row.cells) == 1:
                band = cells[0].merge(cells[-1])
                write_cell(band, row.cells[0], WD_ALIGN_PARAGRAPH.LEFT, color=RGBColor(0x0D, 0x3B, 0x66))
                band.paragraphs[0].paragraph_format.keep_with_next = True  # a band stays with its first row
                _shade(band, "E8EEF6")
                continue
            for cell, column, text in zip(cells, block.columns, row.cells):
                color = None
                if column.name == "状态" and row.status:
                    color = RGBColor(*display.STATUS_RGB[row.status])
                write_cell(cell, text, aligns[column.align], color=color)

    for block in outline(report, pictures):
        if isinstance(block, Heading):
            doc.add_paragraph(block.text, style={0: "Title", 1: "Heading 1", 2: "Heading 2"}[block.level])
        elif isinstance(block, Text):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(block.text)
            if block.small:
                run.font.size, run.font.color.rgb = Pt(8), RGBColor(0x55, 0x55, 0x55)
            else:
                paragraph.paragraph_format.first_line_indent = Pt(21)  # 首行缩进两字
        elif isinstance(block, Table):
            table(block)
            doc.add_paragraph()
        elif isinstance(block, Picture):
            doc.add_picture(io.BytesIO(block.panel.png), width=Mm(block.panel.width_mm))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ---- all outputs ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outputs:
    """Every file of one report, by name. ``drawn()`` leaves the three documents out (None): the page shows the panels
    at once and builds a document only when someone downloads it."""

    stem: str
    panels: tuple[Panel, ...]
    zip: bytes | None = None
    pdf: bytes | None = None
    docx: bytes | None = None

    def png_name(self, number: int) -> str:
        return f"{self.stem}_{self.panels[number - 1].filename(number)}"

    @property
    def zip_name(self) -> str:
        return f"{self.stem}_图片.zip"

    @property
    def pdf_name(self) -> str:
        return f"{self.stem}.pdf"

    @property
    def docx_name(self) -> str:
        return f"{self.stem}.docx"

    def files(self) -> dict[str, bytes]:
        named = {self.png_name(n): p.png for n, p in enumerate(self.panels, start=1)}
        return {**named, self.zip_name: self.zip, self.pdf_name: self.pdf, self.docx_name: self.docx}


def drawn(report: Report) -> Outputs:
    """The panels of ``report`` (the slow part: about three quarters of a full render), without the documents.
    Raises fonts.FontMissing without a CJK font."""
    return Outputs(report.file_stem, tuple(panels.render(report)))


DOCUMENTS = {"zip": zip_panels, "pdf": pdf, "docx": docx}


def document(report: Report, pictures: tuple[Panel, ...], kind: str) -> bytes:
    """One of the report's documents ("zip", "pdf" or "docx") from its drawn panels."""
    return DOCUMENTS[kind](report, list(pictures))


def render(report: Report) -> Outputs:
    """The panels, the ZIP, the PDF and the .docx of ``report``. Raises fonts.FontMissing without a CJK font."""
    pictures = drawn(report).panels
    return Outputs(report.file_stem, pictures, *(document(report, pictures, kind) for kind in ("zip", "pdf", "docx")))


def write(outputs: Outputs, out_dir: Path) -> list[Path]:
    """Write every file into ``out_dir`` (created if needed); returns the paths, PNGs first."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in outputs.files().items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


CORE_PROPERTY_CHARS = 255


def _core_text(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= CORE_PROPERTY_CHARS else text[:CORE_PROPERTY_CHARS - 1] + "…"
