"""The progress table of a task as an Excel workbook (openpyxl), laid out like the seeds' appendices:
a title block, then STT, Bước thực hiện, Hạn hoàn thành, Ngày hoàn thành, Ghi chú, with real date cells, and a
bold total row (steps, steps done, their share)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from kpi_tasks.clock import today
from kpi_tasks.milestones.models import Milestone
from kpi_tasks.spreadsheets.cells import Formula, write
from kpi_tasks.tasks.models import Task

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
DATE_FORMAT = "DD/MM/YYYY"
HEADERS = ("STT", "Bước thực hiện", "Hạn hoàn thành", "Ngày hoàn thành", "Ghi chú")
WIDTHS = (6, 60, 16, 16, 40)
HEADER_ROW = 7


def _text(value: str | None) -> str | None:
    """Control characters a user may have typed cannot go into a worksheet; they are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if value else None


def _total_row(sheet: Worksheet, first: int, last: int) -> None:
    """Bold totals as formulas, so that a row added by hand in Excel is counted: steps, steps done, their share."""
    row = last + 1
    steps, done = f"COUNTA(B{first}:B{last})", f"COUNT(D{first}:D{last})"
    values = (None, "Tổng cộng", Formula(f"={steps}") if last >= first else 0,
              Formula(f"={done}") if last >= first else 0, Formula(f"=IF(C{row}=0,0,D{row}/C{row})"))
    formats = (None, None, '0" bước"', '0" đã xong"', '0%" hoàn thành"')
    for column, (value, number_format) in enumerate(zip(values, formats, strict=True), start=1):
        cell = write(sheet, row, column, value)
        cell.font, cell.border = BOLD, BORDER
        cell.alignment = CENTER if column != 2 else WRAP
        if number_format:
            cell.number_format = number_format


def milestones_workbook(task: Task, milestones: list[Milestone], issuer: str) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Bảng tiến độ"
    last = len(HEADERS)
    write(sheet, 1, 1, issuer.upper()).font = BOLD
    rows = (
        (2, "BẢNG TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ", Font(bold=True, size=13)),
        (3, _text(task.title), Font(bold=True)),
        (4, f"(Kèm theo nhiệm vụ giao tại văn bản số {task.directive.number} ngày "
            f"{task.directive.issued_on:%d/%m/%Y} · Đơn vị chủ trì: {_text(task.lead_unit.name)})", Font(italic=True)),
    )
    for row, text, font in rows:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        cell = write(sheet, row, 1, text)
        cell.font = font
        cell.alignment = CENTER
    done = sum(1 for milestone in milestones if milestone.done_on is not None)
    share = round(done * 100 / len(milestones)) if milestones else 0
    sheet.merge_cells(start_row=5, start_column=1, end_row=5, end_column=last)
    write(sheet, 5, 1, f"Đã hoàn thành {done}/{len(milestones)} bước ({share}%), "
                       f"số liệu đến ngày {today():%d/%m/%Y}").alignment = CENTER
    for column, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = write(sheet, HEADER_ROW, column, header)
        cell.font, cell.alignment, cell.fill, cell.border = BOLD, CENTER, HEADER_FILL, BORDER
        sheet.column_dimensions[cell.column_letter].width = width
    for index, milestone in enumerate(milestones, start=1):
        row = HEADER_ROW + index
        values = (index, _text(milestone.step), milestone.due_on, milestone.done_on, _text(milestone.note))
        for column, value in enumerate(values, start=1):
            cell = write(sheet, row, column, value)
            cell.border = BORDER
            cell.alignment = CENTER if column in (1, 3, 4) else WRAP
            if column in (3, 4):
                cell.number_format = DATE_FORMAT
    _total_row(sheet, HEADER_ROW + 1, HEADER_ROW + len(milestones))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0  # as wide as the page, as long as needed
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer
