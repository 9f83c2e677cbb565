"""The scoring as an appendix workbook (openpyxl): title block, STT, Đơn vị, components, score, grade."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from kpi_tasks.scoring.appendix import outcome_totals, scoring_notes
from kpi_tasks.scoring.queries import ScoringResult, UnitResult
from kpi_tasks.scoring.rules import SCORED_OUTCOMES
from kpi_tasks.spreadsheets.cells import write
from kpi_tasks.text import format_date

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)

# (header, sub-header or None, width) — widths fit Vietnamese headers on two or three lines.
COLUMNS = [
    ("STT", None, 6),
    ("Đơn vị", None, 38),
    ("Số nhiệm vụ, kỳ báo cáo đã đến hạn (chủ trì và phối hợp)", "Hoàn thành đúng hạn", 13),
    (None, "Gia hạn, hoàn thành trong hạn mới", 14),
    (None, "Hoàn thành quá hạn", 13),
    (None, "Quá hạn, chưa hoàn thành", 13),
    ("Thực hiện nhiệm vụ", "Tỷ lệ (%)", 11),
    (None, "Điểm", 10),
    ("Chỉ tiêu được giao", "Đạt / giao", 11),
    (None, "Điểm", 10),
    ("Điểm trừ", None, 10),
    ("Tổng điểm", None, 11),
    ("Xếp loại", None, 32),
]
FIRST_DATA_ROW = 8
RATE_COLUMN = 7  # "Thực hiện nhiệm vụ — Tỷ lệ"


def _row(unit: UnitResult) -> list[Any]:
    tasks, kpi = unit.breakdown["tasks"], unit.breakdown["kpi"]
    totals = outcome_totals(unit)
    return [
        unit.position,
        unit.unit_name,
        *[totals[outcome] for outcome in SCORED_OUTCOMES],
        tasks["rate"] / 100 if tasks["rate"] is not None else None,  # a real rate, shown with the % format
        tasks["points"] if tasks["rate"] is not None else None,
        f"{kpi['met']}/{kpi['total']}" if kpi["rate"] is not None else "—",
        kpi["points"] if kpi["rate"] is not None else None,
        unit.breakdown["penalty_points"],
        unit.score,
        unit.grade or "Chưa có dữ liệu",
    ]


def scoring_workbook(result: ScoringResult, issuer: str, version_label: str, extracted_on: dt.date) -> bytes:
    """The appendix: title block (issuer, title, "Kèm theo …", period and version, date of extraction), a
    two-row header, one row per unit (STT, Đơn vị, components, score, grade), a bold total row, the notes,
    and an A4 landscape print set-up."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Thi đua {result.period.year}"
    last = get_column_letter(len(COLUMNS))
    period = result.period

    def title(row: int, text: str, font: Font) -> None:
        sheet.merge_cells(f"A{row}:{last}{row}")
        cell = write(sheet, row, 1, text)
        cell.font, cell.alignment = font, CENTER

    sheet.merge_cells("A1:D1")
    write(sheet, 1, 1, issuer.upper())
    sheet["A1"].font, sheet["A1"].alignment = BOLD, CENTER
    title(2, "PHỤ LỤC", Font(bold=True, size=12))
    title(3, f"KẾT QUẢ CHẤM ĐIỂM THI ĐUA VỀ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO NĂM {period.year}", Font(bold=True, size=12))
    title(4, f"(Kèm theo Báo cáo số        /BC-UBND ngày      /{extracted_on.month}/{extracted_on.year} của "
             f"{issuer} về kết quả chấm điểm thi đua năm {period.year})", Font(italic=True))
    title(5, f"Kỳ đánh giá từ {format_date(period.start)} đến {format_date(period.end)}; số liệu tính đến ngày "
             f"{format_date(period.as_of)}; {version_label}. Ngày trích xuất: {format_date(extracted_on)}.",
          Font(italic=True))
    for row in (3, 5):
        sheet.row_dimensions[row].height = 30  # LibreOffice does not fit merged rows to wrapped text

    header, sub = 6, 7
    column = 1
    while column <= len(COLUMNS):
        text, _sub, _width = COLUMNS[column - 1]
        span = 1
        while column + span <= len(COLUMNS) and COLUMNS[column + span - 1][0] is None:
            span += 1
        if COLUMNS[column - 1][1] is None:
            sheet.merge_cells(start_row=header, start_column=column, end_row=sub, end_column=column)
        elif span > 1:
            sheet.merge_cells(start_row=header, start_column=column, end_row=header, end_column=column + span - 1)
        write(sheet, header, column, text)
        column += span
    for index, (_text, subtext, width) in enumerate(COLUMNS, start=1):
        if subtext is not None:
            write(sheet, sub, index, subtext)
        sheet.column_dimensions[get_column_letter(index)].width = width
        for row in (header, sub):
            cell = sheet.cell(row=row, column=index)
            cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
    sheet.row_dimensions[header].height = 32
    sheet.row_dimensions[sub].height = 48

    row = FIRST_DATA_ROW
    for unit in result.units:
        for index, value in enumerate(_row(unit), start=1):
            cell = write(sheet, row, index, value)
            cell.border = BORDER
            cell.alignment = LEFT if index in (2, len(COLUMNS)) else CENTER
            if index == RATE_COLUMN:
                cell.number_format = "0.00%"
            elif isinstance(value, float):
                cell.number_format = "0.00"
        row += 1
    # Total row: the task counts add up; scores and grades do not.
    write(sheet, row, 2, "TỔNG CỘNG")
    for offset, outcome in enumerate(SCORED_OUTCOMES):
        write(sheet, row, 3 + offset, sum(outcome_totals(unit)[outcome] for unit in result.units))
    for index in range(1, len(COLUMNS) + 1):
        cell = sheet.cell(row=row, column=index)
        cell.font, cell.border = BOLD, BORDER
        cell.alignment = LEFT if index == 2 else CENTER

    notes = ["Ghi chú:", *scoring_notes(result)]
    for offset, note in enumerate(notes, start=2):
        sheet.merge_cells(start_row=row + offset, start_column=1, end_row=row + offset, end_column=len(COLUMNS))
        cell = write(sheet, row + offset, 1, note)
        cell.alignment = LEFT
        cell.font = Font(italic=True) if offset > 2 else BOLD
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
    # Print: A4 landscape, as wide as the page, as many pages down as needed, the header on every page.
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{header}:{sub}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.oddFooter.center.text = "Trang &P/&N"

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
