"""Word layout of Decree 30/2020/NĐ-CP with python-docx, for the template builder (build_templates.py).

The pieces every kind of document shares: A4 page and margins, Times New Roman in Vietnamese, the two-column
header (issuing body / national motto, each with its short rule; number / place and date), headings and body
paragraphs, data tables whose header rows repeat on every page and whose rows never split, page numbers from
page 2, and the closing block ("Nơi nhận:" on the left, the signer on the right). Text may hold docxtpl's
Jinja tags: each piece of text is written as one run, so that a tag is never split.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

FONT_NAME = "Times New Roman"
LANGUAGE = "vi-VN"
BODY_PT = 14
TABLE_PT = 11
CENTER, LEFT, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT,
                                WD_ALIGN_PARAGRAPH.JUSTIFY)
# Decree 30/2020, appendix I: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
PORTRAIT_MARGINS_MM = (20, 20, 30, 15)  # top, bottom, left, right
LANDSCAPE_MARGINS_MM = (20, 15, 20, 15)
# Children of w:pPr, w:tcPr and w:tblPr that must come after the element inserted (the schema's order).
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_AFTER_NOWRAP = ("w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_AFTER_CELL_MARGINS = ("w:tblLook", "w:tblCaption", "w:tblDescription")


@dataclass(frozen=True)
class Column:
    header: str
    width_mm: float
    align: int = CENTER
    nowrap: bool = False  # dates and numbers: never broken over two lines ("24/11/20|26")
    sub: str | None = None  # the second header row's label, under a grouped header


def new_document(title: str, *, landscape: bool = False) -> DocumentObject:
    """An empty A4 document in Times New Roman, language Vietnamese, with its title in the file's properties."""
    document = Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        margins = LANDSCAPE_MARGINS_MM
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
        margins = PORTRAIT_MARGINS_MM
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (Mm(m) for m in margins)
    section.header_distance = Mm(10)
    _vietnamese_times(document)
    _page_numbers_from_page_two(document)
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, "kpi_tasks", "kpi_tasks"
    properties.language, properties.comments, properties.revision = LANGUAGE, "", 1
    properties.created = properties.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
    properties.subject = properties.keywords = properties.category = ""
    return document


def text_width_mm(document: DocumentObject) -> float:
    section = document.sections[0]
    return (section.page_width - section.left_margin - section.right_margin) / Mm(1)


def _vietnamese_times(document: DocumentObject) -> None:
    """Times New Roman for every script and the language vi-VN, in the document defaults and Normal style
    (Word marks every word of a Vietnamese text misspelt when the language is en-US)."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for run_properties in (run_defaults, document.styles["Normal"].element.get_or_add_rPr()):
        fonts = run_properties.get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT_NAME)
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(attribute), None)
        language = run_properties.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            run_properties.append(language)
        for attribute in ("w:val", "w:eastAsia", "w:bidi"):
            language.set(qn(attribute), LANGUAGE)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0


def _page_numbers_from_page_two(document: DocumentObject) -> None:
    """The page number centred at the top of every page but the first (Decree 30/2020, appendix I, II.13)."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = CENTER
    run = paragraph.add_run()
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "2"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


# ------------------------------------------------------------------------------------------------ paragraphs

def paragraph(container: DocumentObject | _Cell, text: str = "", *, bold: bool = False, italic: bool = False,
              size: float | None = None, align: int | None = None, first_line_mm: float = 0,
              before: float = 0, after: float = 0, keep_with_next: bool = False) -> Paragraph:
    """One paragraph of one run (a Jinja tag in it stays whole)."""
    result = container.add_paragraph()
    if text:
        run = result.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        if size:
            run.font.size = Pt(size)
    fmt = result.paragraph_format
    if align is not None:
        result.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if first_line_mm:
        fmt.first_line_indent = Mm(first_line_mm)
    if keep_with_next:
        fmt.keep_with_next = True
    return result


def tag(container: DocumentObject | _Cell, statement: str) -> Paragraph:
    """A docxtpl paragraph tag ("{%p if … %}"): the whole paragraph is replaced by the statement."""
    return paragraph(container, "{%p " + statement + " %}")


def body(document: DocumentObject, text: str, *, after: float = 6) -> Paragraph:
    """A paragraph of running text: justified, its first line indented 10 mm."""
    return paragraph(document, text, align=JUSTIFY, first_line_mm=10, after=after)


def heading(document: DocumentObject, text: str) -> Paragraph:
    return paragraph(document, text, bold=True, align=JUSTIFY, first_line_mm=10, before=6, after=6,
                     keep_with_next=True)


def short_rule(container: DocumentObject | _Cell, box_mm: float, rule_mm: float, *, before: float = 3,
               after: float = 2) -> None:
    """A short horizontal rule centred in a box `box_mm` wide: an empty paragraph with a top border, indented
    from both sides (Decree 30: under the issuing body, 1/3 to 1/2 of its line; under the motto, as long as it)."""
    rule = paragraph(container, before=before, after=after)
    properties = rule._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(name), value)
    borders.append(top)
    properties.insert_element_before(borders, *_AFTER_PBDR)
    margin = Mm(max(0.0, (box_mm - rule_mm) / 2))
    rule.paragraph_format.left_indent = rule.paragraph_format.right_indent = margin
    # The empty paragraph's own height is its mark's font size: 2 pt, so that the rule sits under the text.
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")
    mark.append(size)
    properties.append(mark)


# ---------------------------------------------------------------------------------------------------- tables

def _borderless(table: Table, widths_mm: Sequence[float]) -> None:
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_widths(table, widths_mm)
    cell_margins(table, 0)


def set_widths(table: Table, widths_mm: Sequence[float]) -> None:
    """Column widths in the grid (what LibreOffice reads) and in each cell (what Word reads); fixed layout."""
    table.autofit = False
    for index, width in enumerate(widths_mm):
        table.columns[index].width = Mm(width)
        for cell in table.columns[index].cells:
            cell.width = Mm(width)


def cell_margins(table: Table, side_mm: float) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        element = OxmlElement(side)
        element.set(qn("w:w"), str(round(side_mm * 56.7)))  # twentieths of a point
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.insert_element_before(margins, *_AFTER_CELL_MARGINS)


def row_flags(row: _Row, *, header: bool = False) -> None:
    """A row never split across two pages; a header row also repeated at the top of each page."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def no_wrap(cell: _Cell) -> None:
    properties = cell._tc.get_or_add_tcPr()
    properties.insert_element_before(OxmlElement("w:noWrap"), *_AFTER_NOWRAP)


def cell_text(cell: _Cell, text: str, *, bold: bool = False, italic: bool = False, size: float = TABLE_PT,
              align: int = CENTER) -> Paragraph:
    """The cell's first paragraph holding `text` as one run."""
    first = cell.paragraphs[0]
    if text:
        run = first.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        run.font.size = Pt(size)
    first.alignment = align
    _mark_size(first, size)
    return first


def _mark_size(paragraph: Paragraph, size: float) -> None:
    """The paragraph mark's font size: an empty cell is as tall as its mark, 14 pt unless told."""
    mark = OxmlElement("w:rPr")
    element = OxmlElement("w:sz")
    element.set(qn("w:val"), str(round(size * 2)))
    mark.append(element)
    paragraph._p.get_or_add_pPr().append(mark)


def header_block(document: DocumentObject, *, number: bool = True) -> None:
    """The Decree 30 header: issuing body (under its superior, if any) with a short rule | the national motto
    on one line each with its rule; then number and symbol | place and date, on the same line."""
    width = text_width_mm(document)
    left_mm = 62 if width < 200 else 90
    right_mm = width - left_mm
    table = document.add_table(rows=2, cols=2)
    _borderless(table, [left_mm, right_mm])
    issuer, motto = table.rows[0].cells
    tag(issuer, "if header.superior")
    issuer.paragraphs[0]._p.getparent().remove(issuer.paragraphs[0]._p)  # the cell's own empty paragraph
    paragraph(issuer, "{{ header.superior }}", size=13, align=CENTER)
    tag(issuer, "endif")
    tag(issuer, "for line in header.issuer_lines")
    paragraph(issuer, "{{ line }}", bold=True, size=13, align=CENTER)
    tag(issuer, "endfor")
    short_rule(issuer, left_mm, 22)
    cell_text(motto, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12.5)
    paragraph(motto, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13.5, align=CENTER)
    short_rule(motto, right_mm, 64)
    number_cell, date_cell = table.rows[1].cells
    if number:
        cell_text(number_cell, "{{ header.number }}", size=13)
    cell_text(date_cell, "{{ header.place_date }}", italic=True, size=14)
    paragraph(document, after=6)


def data_table(document: DocumentObject, columns: Sequence[Column], name: str, *, total: bool = False,
               size: float = TABLE_PT) -> Table:
    """A grid whose rows come from the context's `name`: {"groups": [{"label", "rows": [[text, …]]}], "total":
    [text, …]}; a group with a label gets a row of its own ("I. Các cơ quan chuyên môn"). The header rows
    repeat on every page; no row splits across pages."""
    grouped = any(column.sub for column in columns)
    header_rows = 2 if grouped else 1
    table = document.add_table(rows=header_rows, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _header_rows(table, columns, size)
    _control_row(table, "{%tr for group in " + name + ".groups %}")
    _control_row(table, "{%tr if group.label %}")
    label_row = table.add_row()
    row_flags(label_row)
    merged = label_row.cells[0].merge(label_row.cells[-1])
    cell_text(merged, "{{ group.label }}", bold=True, size=size, align=LEFT)
    _control_row(table, "{%tr endif %}")
    _control_row(table, "{%tr for row in group.rows %}")
    _value_row(table, columns, "row", size, bold=False)
    _control_row(table, "{%tr endfor %}")
    _control_row(table, "{%tr endfor %}")
    if total:
        _value_row(table, columns, name + ".total", size, bold=True)
    set_widths(table, [column.width_mm for column in columns])
    cell_margins(table, 1)
    return table


def _header_rows(table: Table, columns: Sequence[Column], size: float) -> None:
    """One header row, or two under grouped headers: a column without a sub-label spans both rows, a group's
    label spans its columns (the header is written on each group's first column)."""
    rows = table.rows
    for row in rows:
        row_flags(row, header=True)
    if len(rows) == 1:
        for cell, column in zip(rows[0].cells, columns, strict=True):
            cell_text(cell, column.header, bold=True, size=size)
        return
    index = 0
    while index < len(columns):
        column = columns[index]
        if column.sub is None:
            merged = rows[0].cells[index].merge(rows[1].cells[index])
            cell_text(merged, column.header, bold=True, size=size)
            index += 1
            continue
        span = 1
        while index + span < len(columns) and columns[index + span].header == "" and columns[index + span].sub:
            span += 1
        top = rows[0].cells[index].merge(rows[0].cells[index + span - 1]) if span > 1 else rows[0].cells[index]
        cell_text(top, column.header, bold=True, size=size)
        for offset in range(span):
            cell_text(rows[1].cells[index + offset], columns[index + offset].sub or "", bold=True, size=size)
        index += span


def _control_row(table: Table, statement: str) -> None:
    row = table.add_row()
    row.cells[0].paragraphs[0].add_run(statement)


def _value_row(table: Table, columns: Sequence[Column], name: str, size: float, *, bold: bool) -> None:
    row = table.add_row()
    row_flags(row)
    for index, (cell, column) in enumerate(zip(row.cells, columns, strict=True)):
        cell_text(cell, "{{ " + f"{name}[{index}]" + " }}", bold=bold, size=size, align=column.align)
        if column.nowrap:
            no_wrap(cell)


def closing_block(document: DocumentObject, *, recipients: bool = True, signer_note: str = "") -> None:
    """"Nơi nhận:" and its lines on the left (left-aligned, 12 and 11 pt), the signer on the right: authority,
    title, room for the signature and seal, the signer's name."""
    width = text_width_mm(document)
    table = document.add_table(rows=1, cols=2)
    left_mm = 75 if width < 200 else 120
    _borderless(table, [left_mm, width - left_mm])
    row_flags(table.rows[0])
    left, right = table.rows[0].cells
    if recipients:
        cell_text(left, "Nơi nhận:", bold=True, italic=True, size=12, align=LEFT)
        tag(left, "for line in recipients")
        paragraph(left, "{{ line }}", size=11, align=LEFT)
        tag(left, "endfor")
    right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
    tag(right, "if signature.authority")
    paragraph(right, "{{ signature.authority }}", bold=True, size=14, align=CENTER)
    tag(right, "endif")
    paragraph(right, "{{ signature.title }}", bold=True, size=14, align=CENTER)
    if signer_note:
        paragraph(right, signer_note, italic=True, size=13, align=CENTER)
    for _ in range(4):
        paragraph(right, size=14)
    paragraph(right, "{{ signature.name }}", bold=True, size=14, align=CENTER)
