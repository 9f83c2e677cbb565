"""The apology letter in the layout of form no. 04 of Circular 01/2018/TT-VPCP ("Phiếu xin lỗi và hẹn lại
ngày trả kết quả"): header (handling body / national motto, number, place and date), the addressee, the
dossier, the reason for the delay, the new appointment date and the signature block of the body's head.

`letter_content` builds the text once; the HTML print view and the .docx both lay out the same lines.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from kpi_tasks.dossiers.models import ApologyLetter
from kpi_tasks.text import format_date

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT_NAME = "Times New Roman"
BLANK = "…………………"
TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
_COMMITTEE_PREFIXES = ("ubnd ", "ủy ban nhân dân ", "uỷ ban nhân dân ")
_LEVEL_PREFIXES = ("thành phố ", "thị xã ", "thị trấn ", "huyện ", "quận ", "xã ", "phường ", "tỉnh ")


def place_of(issuer: str) -> str:
    """"UBND huyện Tuy Phước" → "Tuy Phước": the place written before the date ("" when unknown)."""
    text = issuer.strip()
    for prefix in _COMMITTEE_PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
            break
    else:
        return ""
    for prefix in _LEVEL_PREFIXES:
        if text.lower().startswith(prefix):
            return text[len(prefix):].strip()
    return ""


def long_date(day: dt.date | None) -> str:
    """"ngày 05 tháng 02 năm 2026" (Decree 30/2020: a leading zero for days below 10 and months 1 and 2)."""
    if day is None:
        return "ngày …… tháng …… năm ……"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


@dataclass
class LetterContent:
    parent_body: str  # the governing body (ISSUER_NAME), first header line
    body: str  # the handling unit that apologises
    place_and_date: str
    addressee: str
    paragraphs: list[str]
    signer_title: str
    signer: str


def letter_content(letter: ApologyLetter, issuer: str) -> LetterContent:
    dossier = letter.dossier
    body = letter.unit.name
    applicant = dossier.applicant or "ông (bà)/tổ chức"
    place = place_of(issuer) or "……"
    procedure = f"“{dossier.procedure}”" if dossier.procedure else BLANK
    reason = letter.reason or BLANK
    paragraphs = [
        f"Ngày {format_date(dossier.received_on)}, {body} tiếp nhận hồ sơ đề nghị giải quyết thủ tục hành chính "
        f"{procedure} của {applicant}.",
        f"Mã số hồ sơ: {dossier.code}.",
        f"Ngày hẹn trả kết quả giải quyết hồ sơ: {format_date(dossier.due_on)}.",
        f"Tuy nhiên đến nay, {body} chưa trả kết quả giải quyết hồ sơ đúng hẹn ghi trên Giấy tiếp nhận hồ sơ "
        "và hẹn trả kết quả.",
        f"Lý do chậm trễ: {reason}",
        f"Sự chậm trễ này đã gây phiền hà cho ông (bà)/tổ chức. {body} xin lỗi ông (bà)/tổ chức và hẹn lại ngày "
        f"trả kết quả giải quyết hồ sơ vào {long_date(letter.new_appointment_on)}.",
        "Mong nhận được sự thông cảm của ông (bà)/tổ chức vì sự chậm trễ này.",
    ]
    return LetterContent(
        parent_body=issuer.upper(),
        body=body.upper(),
        place_and_date=f"{place}, {long_date(letter.issued_on)}",
        addressee=dossier.applicant or BLANK,
        paragraphs=paragraphs,
        signer_title="THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",
        signer=letter.signer or "",
    )


def letter_docx(content: LetterContent) -> bytes:
    """The letter as a Word document: A4 portrait, Times New Roman 13–14 pt, Decree 30/2020 margins."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name = FONT_NAME
    style.font.size = Pt(14)

    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    _lines(left, [(content.parent_body, False, False), (content.body, True, False), ("Số: ……/PXL", False, False)])
    _lines(right, [(MOTTO[0], True, False), (MOTTO[1], True, False), (content.place_and_date, False, True)])

    _add(document, "")
    _add(document, TITLE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _add(document, f"Kính gửi: {content.addressee}", align=WD_ALIGN_PARAGRAPH.CENTER)
    for text in content.paragraphs:
        _add(document, text, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    signature = document.add_table(rows=1, cols=2)
    _, block = signature.rows[0].cells
    _lines(block, [(content.signer_title, True, False), ("(Ký, ghi rõ họ tên và đóng dấu)", False, True),
                   ("", False, False), ("", False, False), ("", False, False), (content.signer, True, False)])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add(document: Document, text: str, *, bold: bool = False, italic: bool = False, indent: bool = False,
         align: int | None = None) -> None:
    paragraph = document.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(6)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)


def _lines(cell: object, lines: list[tuple[str, bool, bool]]) -> None:
    first = True
    for text, bold, italic in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()  # type: ignore[attr-defined]
        first = False
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        if text:
            run = paragraph.add_run(text)
            run.bold, run.italic = bold, italic
            run.font.size = Pt(13)
