"""The monthly report to the Chairman as a Word document (python-docx), laid out as an administrative report
(Decree 30/2020/NĐ-CP): the two-column header (issuing body, number / national motto, place and date), the
title, "Kính gửi", numbered sections, "Nơi nhận" and the signature block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO, Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from docx.table import Table

from kpi_tasks.reports.queries import MonthlyReport
from kpi_tasks.tasks.models import EXTENSION_STATUS_LABELS
from kpi_tasks.text import format_date, format_number

FONT_NAME = "Times New Roman"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_UBND_PREFIXES = ("ubnd ", "ủy ban nhân dân ", "uỷ ban nhân dân ")
_LEVEL_PREFIXES = ("thành phố ", "thị xã ", "thị trấn ", "huyện ", "quận ", "xã ", "phường ", "tỉnh ")


def _committee_of(issuer: str) -> str | None:
    """"UBND huyện Tây Sơn" → "huyện Tây Sơn"; None when the issuer is not a People's Committee."""
    text = issuer.strip()
    for prefix in _UBND_PREFIXES:
        if text.lower().startswith(prefix):
            return text[len(prefix):].strip()
    return None


def issuer_lines(issuer: str) -> tuple[str, str]:
    """"UBND huyện Tây Sơn" → ("ỦY BAN NHÂN DÂN", "HUYỆN TÂY SƠN"); any other name on the first line."""
    committee = _committee_of(issuer)
    if committee is None:
        return issuer.strip().upper(), ""
    return "ỦY BAN NHÂN DÂN", committee.upper()


def place_of(issuer: str) -> str:
    """The place name written before the date: "UBND huyện Tây Sơn" → "Tây Sơn" ("" when there is none)."""
    committee = _committee_of(issuer) or ""
    for prefix in _LEVEL_PREFIXES:
        if committee.lower().startswith(prefix):
            return committee[len(prefix):].strip()
    return ""


def long_date(day: dt.date, place: str = "") -> str:
    """"Tây Sơn, ngày 16 tháng 3 năm 2026" — days below 10 and January, February with a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text[:1].upper() + text[1:]


def _paragraph(document: DocumentObject | Any, text: str = "", *, bold: bool = False, italic: bool = False,
               size: float | None = None, align: int | None = None, indent: bool = False,
               space_after: float = 3) -> Any:
    paragraph = document.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    return paragraph


def _cell_lines(cell: Any, lines: Sequence[tuple[str, bool, bool]], size: float = 13) -> None:
    """Fill a header cell with centred lines of (text, bold, italic)."""
    first = True
    for text, bold, italic in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)


def _table(document: DocumentObject, headers: Sequence[str], rows: Sequence[Sequence[Any]],
           widths_mm: Sequence[float], total: Sequence[Any] | None = None) -> Table:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    body = [*rows, total] if total is not None else list(rows)
    for index, header in enumerate(headers):
        cell = table.rows[0].cells[index]
        cell.text = ""
        run = cell.paragraphs[0].add_run(header)
        run.bold = True
        run.font.size = Pt(10)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for number, values in enumerate(body):
        cells = table.add_row().cells
        is_total = total is not None and number == len(body) - 1
        for index, value in enumerate(values):
            text = value if isinstance(value, str) else ("" if value is None else format_number(value))
            run = cells[index].paragraphs[0].add_run(text)
            run.font.size = Pt(10)
            run.bold = is_total
            if not isinstance(value, str) or index == 0:
                cells[index].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_widths(table, widths_mm)
    return table


def _set_widths(table: Table, widths_mm: Sequence[float]) -> None:
    """Column widths in the grid (what LibreOffice reads) and in each cell (what Word reads)."""
    table.autofit = False
    for index, width in enumerate(widths_mm):
        table.columns[index].width = Mm(width)
        for cell in table.columns[index].cells:
            cell.width = Mm(width)


def _rate(value: float | None) -> str:
    return "—" if value is None else format_number(value, 2) + "%"


def _task_table(document: DocumentObject, rows: Sequence[Any], date_header: str, days_header: str,
                today: dt.date, completed: bool) -> None:
    body = []
    for index, row in enumerate(rows, start=1):
        end = row.completed_on if completed else today
        days = (end - row.effective_deadline).days if end and row.effective_deadline else None
        body.append([str(index), row.title, row.directive_number, row.lead_unit_name,
                     format_date(row.effective_deadline), format_date(row.completed_on) if completed else "",
                     days])
    headers = ["STT", "Nhiệm vụ", "Văn bản giao", "Đơn vị chủ trì", "Hạn xử lý", date_header, days_header]
    widths = [11, 49, 20, 30, 20, 20, 15]
    if not completed:  # no completion date column for tasks still open
        headers.pop(5)
        widths = [11, 59, 22, 33, 22, 18]
        body = [row[:5] + row[6:] for row in body]
    _table(document, headers, body, widths)


def write_monthly_docx(target: IO[bytes], report: MonthlyReport) -> None:
    """The monthly report to the Chairman, in the form of an administrative report."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(13)

    period, totals, today = report.period, report.totals, report.today
    body_line, name_line = issuer_lines(report.issuer)
    header = document.add_table(rows=1, cols=2)
    _set_widths(header, [62, 103])
    left, right = header.rows[0].cells
    _cell_lines(left, [(body_line, True, False), (name_line, True, False), ("", False, False),
                       ("Số:        /BC-UBND", False, False)])
    _cell_lines(right, [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False),
                        ("Độc lập - Tự do - Hạnh phúc", True, False), ("", False, False),
                        (long_date(today, place_of(report.issuer)), False, True)], size=12.5)

    _paragraph(document, space_after=6)
    _paragraph(document, "BÁO CÁO", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _paragraph(document, "Kết quả thực hiện nhiệm vụ do Ủy ban nhân dân, Chủ tịch Ủy ban nhân dân giao",
               bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _paragraph(document, period.title_label, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    committee = _committee_of(report.issuer)
    chairman = f"Chủ tịch Ủy ban nhân dân {committee}" if committee else f"Chủ tịch {report.issuer}"
    _paragraph(document, f"Kính gửi: {chairman}.", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    _paragraph(document, (
        f"Trên cơ sở số liệu trích xuất từ Phần mềm theo dõi nhiệm vụ ngày {format_date(today)} (số liệu do các "
        "cơ quan, đơn vị, địa phương cập nhật và chịu trách nhiệm, không rà soát, cập nhật thủ công), Văn phòng "
        f"HĐND và UBND báo cáo kết quả thực hiện nhiệm vụ {period.label} như sau:"
    ), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    counted = totals["assigned"] - totals["ongoing"]
    _paragraph(document, "I. TÌNH HÌNH CHUNG", bold=True)
    _paragraph(document, (
        f"Trong {period.label} (từ ngày {format_date(period.start)} đến ngày {format_date(period.end)}) có "
        f"{format_number(counted)} nhiệm vụ có hạn xử lý hoặc hoàn thành trong kỳ, trong đó:"
    ), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    for label, key in (("Hoàn thành đúng hạn", "done_on_time"), ("Hoàn thành quá hạn", "done_late"),
                       ("Chờ xác nhận hoàn thành", "awaiting_review"),
                       ("Đang thực hiện trong hạn", "in_progress"), ("Đang thực hiện quá hạn", "overdue")):
        _paragraph(document, f"- {label}: {format_number(totals[key])} nhiệm vụ;", indent=True)
    _paragraph(document, (
        f"Tỷ lệ hoàn thành đúng hạn (trên số nhiệm vụ đã đến hạn): {_rate(report.on_time_rate)}."
    ), indent=True)

    _paragraph(document, "II. KẾT QUẢ THEO ĐƠN VỊ (xếp theo tỷ lệ hoàn thành đúng hạn)", bold=True)
    stat_rows = [
        [str(index), item["unit_name"], item["assigned"], item["in_progress"], item["overdue"],
         item["awaiting_review"], item["done_on_time"], item["done_late"], _rate(item["on_time_rate"])]
        for index, item in enumerate(report.ranked, start=1)
    ]
    total_row = ["", "Tổng cộng", totals["assigned"], totals["in_progress"], totals["overdue"],
                 totals["awaiting_review"], totals["done_on_time"], totals["done_late"], _rate(report.on_time_rate)]
    if stat_rows:
        _table(document, ["STT", "Đơn vị", "Được giao", "Trong hạn", "Quá hạn", "Chờ xác nhận", "Đúng hạn",
                          "Hoàn thành quá hạn", "Tỷ lệ đúng hạn"], stat_rows,
               [11, 44, 15, 15, 15, 16, 15, 17, 17], total=total_row)
    else:
        _paragraph(document, "Không có nhiệm vụ nào trong kỳ.", indent=True, italic=True)

    _paragraph(document, "III. NHIỆM VỤ QUÁ HẠN PHÁT SINH TRONG THÁNG", bold=True)
    if report.newly_overdue:
        _paragraph(document, f"Có {len(report.newly_overdue)} nhiệm vụ đến hạn trong tháng nhưng chưa hoàn thành:",
                   indent=True)
        _task_table(document, report.newly_overdue, "Ngày hoàn thành", "Số ngày quá hạn", today, completed=False)
    else:
        _paragraph(document, "Không có nhiệm vụ quá hạn phát sinh trong tháng.", indent=True)

    _paragraph(document, "IV. NHIỆM VỤ HOÀN THÀNH QUÁ HẠN", bold=True)
    if report.completed_late:
        _paragraph(document, f"Có {len(report.completed_late)} nhiệm vụ hoàn thành sau thời hạn:", indent=True)
        _task_table(document, report.completed_late, "Ngày hoàn thành", "Số ngày chậm", today, completed=True)
    else:
        _paragraph(document, "Không có nhiệm vụ hoàn thành quá hạn trong tháng.", indent=True)

    _paragraph(document, "V. ĐỀ NGHỊ GIA HẠN", bold=True)
    if report.extension_requests:
        _paragraph(document, (f"Có {len(report.extension_requests)} đề nghị gia hạn trong tháng hoặc đang chờ "
                              "quyết định:"), indent=True)
        _table(document, ["STT", "Nhiệm vụ", "Đơn vị đề nghị", "Hạn trước", "Hạn đề nghị", "Lý do", "Kết quả"],
               [[str(index), request.title, request.unit_name, format_date(request.previous_deadline),
                 format_date(request.new_deadline), request.reason,
                 EXTENSION_STATUS_LABELS.get(request.status, request.status)]
                for index, request in enumerate(report.extension_requests, start=1)],
               [11, 39, 26, 18, 18, 33, 20])
    else:
        _paragraph(document, "Không có đề nghị gia hạn trong tháng.", indent=True)

    _paragraph(document, "VI. TÌNH HÌNH THỰC HIỆN CHỈ TIÊU", bold=True)
    if report.kpis:
        _table(document, ["STT", "Chỉ tiêu", "Kỳ", "Đơn vị được giao", "Đạt", "Chưa đạt", "Kết quả chung"],
               [[str(index), status.name, status.period_label, status.units_with_target, status.units_met,
                 status.units_not_met,
                 "Chưa có số liệu" if status.actual_value is None else
                 format_number(status.actual_value, 2) + ("%" if status.measure == "percent" else "")]
                for index, status in enumerate(report.kpis, start=1)],
               [11, 60, 22, 20, 14, 16, 22])
    else:
        _paragraph(document, "Chưa có chỉ tiêu nào được theo dõi trên Phần mềm.", indent=True, italic=True)

    _paragraph(document, "VII. ĐỀ XUẤT, KIẾN NGHỊ", bold=True)
    laggards = report.units_with_overdue
    if laggards:
        names = "; ".join(f"{item['unit_name']} ({item['overdue']} nhiệm vụ)" for item in laggards)
        _paragraph(document, (
            f"Đề nghị Chủ tịch {report.issuer} chỉ đạo Thủ trưởng các cơ quan, đơn vị, địa phương có nhiệm vụ "
            f"quá hạn khẩn trương hoàn thành, báo cáo kết quả: {names}."
        ), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    else:
        _paragraph(document, "Trong kỳ, các cơ quan, đơn vị, địa phương không có nhiệm vụ quá hạn.", indent=True)
    _paragraph(document, "Số liệu chi tiết tại các biểu kèm theo (tệp Excel báo cáo tháng).", indent=True,
               italic=True, space_after=12)

    closing = document.add_table(rows=1, cols=2)
    _set_widths(closing, [85, 80])
    recipients, signer = closing.rows[0].cells
    _cell_lines(recipients, [("Nơi nhận:", True, True)], size=12)
    for line in ("- Chủ tịch, các Phó Chủ tịch UBND;", "- Lưu: VT."):
        paragraph = recipients.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(line).font.size = Pt(11)
    _cell_lines(signer, [("CHÁNH VĂN PHÒNG", True, False), ("", False, False), ("", False, False),
                         ("", False, False)])
    document.save(target)
