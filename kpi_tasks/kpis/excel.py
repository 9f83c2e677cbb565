"""Excel workbooks of the KPI area (openpyxl): import templates, reading them back, the appendix export.

The layouts follow the seed directives' appendices: a title block, then STT, Đơn vị and the figures,
periods as columns (a ratio's period spans two columns, numerator and denominator), a bold total row.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from kpi_tasks.errors import ValidationError
from kpi_tasks.kpis.models import DIRECTION_SIGNS, MEASURE_LABELS, Kpi
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import ProgressTable
from kpi_tasks.spreadsheets.cells import write
from kpi_tasks.spreadsheets.reader import xlsx_rows
from kpi_tasks.text import fold, format_date
from kpi_tasks.units.models import UNIT_KIND_LABELS, Unit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_FIGURE_COLUMN = 4  # A: STT, B: Mã đơn vị, C: Đơn vị, then the periods
MAX_ROWS = 5000
MAX_COLUMNS = 400
KPI_CODE_LABEL = "Mã chỉ tiêu:"
KIND_CODE_PREFIX = "*"

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def kind_row_name(kind: str) -> str:
    """The row that sets a target for every unit of a kind: "Tất cả xã, phường, đặc khu"."""
    return "Tất cả " + UNIT_KIND_LABELS[kind].lower()


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _title_block(sheet: Worksheet, issuer: str, title: str, subtitle: str, kpi: Kpi, last_column: int) -> None:
    write(sheet, 1, 1, issuer.upper()).font = BOLD
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_column)
    write(sheet, 2, 1, title).font = Font(bold=True, size=13)
    sheet["A2"].alignment = CENTER
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=last_column)
    write(sheet, 3, 1, subtitle).font = Font(italic=True)
    sheet["A3"].alignment = CENTER
    write(sheet, 4, 1, KPI_CODE_LABEL)
    write(sheet, 4, 2, kpi.code).font = BOLD


def _header_cell(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    cell = write(sheet, row, column, value)
    cell.font = BOLD
    cell.alignment = CENTER
    cell.fill = HEADER_FILL
    cell.border = BORDER


def _unit_columns(sheet: Worksheet, header_row: int) -> None:
    for column, label in enumerate(("STT", "Mã đơn vị", "Đơn vị"), start=1):
        _header_cell(sheet, header_row, column, label)
        _header_cell(sheet, header_row + 1, column, None)
        sheet.merge_cells(start_row=header_row, start_column=column, end_row=header_row + 1, end_column=column)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 42


def measurement_template(kpi: Kpi, units: Iterable[Unit], period_ends: list[dt.date], issuer: str) -> bytes:
    """Units as rows, one column (value) or two (numerator, denominator) per "as of" date."""
    width = 2 if kpi.is_ratio else 1
    last_column = FIRST_FIGURE_COLUMN + width * len(period_ends) - 1
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Số liệu"
    _title_block(sheet, issuer, "BIỂU NHẬP SỐ LIỆU CHỈ TIÊU", kpi.name, kpi, max(last_column, 5))
    sheet["A5"] = ("Ghi ngày số liệu (tính đến ngày) ở dòng tiêu đề, điền số liệu từ dòng 9; giữ nguyên cột Mã đơn vị. "
                   "Ô để trống: đơn vị chưa có số liệu ngày đó. Số nguyên không ghi phần thập phân.")
    sheet["A5"].font = Font(italic=True, size=9)
    header = 7
    _unit_columns(sheet, header)
    for index, day in enumerate(period_ends):
        column = FIRST_FIGURE_COLUMN + index * width
        _header_cell(sheet, header, column, day)
        sheet.cell(row=header, column=column).number_format = "dd/mm/yyyy"
        if kpi.is_ratio:
            _header_cell(sheet, header, column + 1, None)
            sheet.merge_cells(start_row=header, start_column=column, end_row=header, end_column=column + 1)
            _header_cell(sheet, header + 1, column, kpi.numerator_label)
            _header_cell(sheet, header + 1, column + 1, kpi.denominator_label)
        else:
            _header_cell(sheet, header + 1, column, f"Giá trị ({MEASURE_LABELS[kpi.measure]})")
    for column in range(FIRST_FIGURE_COLUMN, last_column + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 16
    _unit_rows(sheet, header + 2, units, FIRST_FIGURE_COLUMN, last_column)
    sheet.freeze_panes = sheet.cell(row=header + 2, column=FIRST_FIGURE_COLUMN)
    return _workbook_bytes(workbook)


def _unit_rows(sheet: Worksheet, first_row: int, rows: Iterable[tuple[str, str] | Unit], first_input: int,
               last_input: int) -> None:
    for offset, unit in enumerate(rows):
        code, name = (unit.code, unit.name) if isinstance(unit, Unit) else unit
        row = first_row + offset
        for column, value in ((1, offset + 1), (2, code), (3, name)):
            write(sheet, row, column, value).border = BORDER
        for column in range(first_input, last_input + 1):
            cell = sheet.cell(row=row, column=column)
            cell.border = BORDER
            cell.fill = INPUT_FILL


def target_template(kpi: Kpi, units: Iterable[Unit], periods: list[Period], kinds: Iterable[str],
                    issuer: str) -> bytes:
    """Rows for every unit of a kind ("Tất cả …") then units; one column per period code."""
    last_column = FIRST_FIGURE_COLUMN + len(periods) - 1
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Chỉ tiêu"
    _title_block(sheet, issuer, "BIỂU GIAO CHỈ TIÊU", kpi.name, kpi, max(last_column, 5))
    sheet["A5"] = ("Kỳ ghi theo dạng 2026 (năm), 2026-Q1 (quý), 2026-03 (tháng). Dòng “Tất cả …” giao cho mọi đơn vị "
                   "cùng loại; dòng của một đơn vị thay cho mức chung. Ô để trống: không giao.")
    sheet["A5"].font = Font(italic=True, size=9)
    header = 7
    _unit_columns(sheet, header)
    sign = DIRECTION_SIGNS[kpi.direction]
    for index, period in enumerate(periods):
        column = FIRST_FIGURE_COLUMN + index
        _header_cell(sheet, header, column, period.code)
        sheet.cell(row=header, column=column).number_format = "@"
        _header_cell(sheet, header + 1, column, f"Chỉ tiêu {sign} ({MEASURE_LABELS[kpi.measure]})")
        sheet.column_dimensions[get_column_letter(column)].width = 18
    rows: list[tuple[str, str] | Unit] = [(KIND_CODE_PREFIX + kind, kind_row_name(kind)) for kind in kinds]
    rows.extend(units)
    _unit_rows(sheet, header + 2, rows, FIRST_FIGURE_COLUMN, last_column)
    sheet.freeze_panes = sheet.cell(row=header + 2, column=FIRST_FIGURE_COLUMN)
    return _workbook_bytes(workbook)


# ----------------------------------------------------------------------------------------------- reading

@dataclass
class SheetRow:
    number: int  # the Excel row number, as the user sees it
    code: str
    name: str
    cells: list[Any]  # the figure cells, from column D


@dataclass
class Sheet:
    kpi_code: str | None
    header_row: int
    headers: list[Any]  # header cells from column D (the dates or period codes)
    subheaders: list[Any]
    rows: list[SheetRow]


def read_sheet(data: bytes) -> Sheet:
    """The first sheet of an import file: the KPI code, the header row ("STT"), and the unit rows."""
    rows = []
    with xlsx_rows(data, max_col=MAX_COLUMNS) as numbered:
        for _number, values in numbered:
            rows.append(list(values))
            if len(rows) > MAX_ROWS:
                raise ValidationError(f"Tệp có quá {MAX_ROWS} dòng.", {"file": "Tệp quá lớn."})
    kpi_code = None
    header_index = None
    for index, values in enumerate(rows[:40]):
        first = _text(values[0] if values else None)
        if first == KPI_CODE_LABEL and len(values) > 1:
            kpi_code = _text(values[1]) or None
        if fold(first) == "stt":
            header_index = index
            break
    if header_index is None:
        raise ValidationError("Không tìm thấy dòng tiêu đề (ô “STT” ở cột A). Hãy dùng biểu mẫu tải về từ hệ thống.",
                              {"file": "Sai mẫu."})
    headers = _figure_cells(rows[header_index])
    subheaders = _figure_cells(rows[header_index + 1]) if header_index + 1 < len(rows) else []
    body = []
    for index in range(header_index + 2, len(rows)):
        values = rows[index]
        cells = _figure_cells(values)
        code, name = _text(_at(values, 1)), _text(_at(values, 2))
        if not code and not name and all(is_blank(cell) for cell in cells):
            continue
        if fold(name).startswith("tong cong") or fold(code).startswith("tong cong"):
            continue  # a total row the user added: totals are recomputed, never imported
        body.append(SheetRow(number=index + 1, code=code, name=name, cells=cells))
    return Sheet(kpi_code=kpi_code, header_row=header_index + 1, headers=headers, subheaders=subheaders, rows=body)


def _at(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def _figure_cells(values: list[Any]) -> list[Any]:
    cells = list(values[FIRST_FIGURE_COLUMN - 1:])
    while cells and is_blank(cells[-1]):
        cells.pop()
    return cells


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_name(row: int, offset: int) -> str:
    """"E9" for the figure cell `offset` (0 = column D) of Excel row `row`."""
    return f"{get_column_letter(FIRST_FIGURE_COLUMN + offset)}{row}"


_DATE_IN_TEXT = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def header_date(value: Any) -> dt.date | None:
    """A header cell as a date: a date cell, "19/3/2021", "Số liệu tính đến ngày 19/3/2021", "2021-03-19"."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        match = _DATE_IN_TEXT.search(text)
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        match = _ISO_DATE.search(text)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return None


def header_text(value: Any) -> str:
    return _text(value)


# ------------------------------------------------------------------------------------------------ export

EXPORT_HEADER_ROW = 7  # rows 1–5: issuer, title, "(Kèm theo …)", period, date of extraction; 6: blank


def attached_to(issuer: str, day: dt.date) -> str:
    """The "(Kèm theo …)" line, with blanks for the number and day the clerk fills in, as in the seeds."""
    return f"(Kèm theo Báo cáo số        /BC-UBND ngày      /{day.month}/{day.year} của {issuer})"


def print_setup(sheet: Worksheet, header_rows: str) -> None:
    """A4 landscape, as wide as the page and as many pages down as needed, the header on every page."""
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = header_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.oddFooter.center.text = "Trang &P/&N"


def progress_workbook(table: ProgressTable, issuer: str, extracted_on: dt.date) -> bytes:
    """The progress table in the appendix layout: title block (issuer, title, "Kèm theo …", period, date of
    extraction), STT, Đơn vị, figures, bold total row from the sums, A4 landscape print set-up."""
    kpi = table.kpi
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.period.code
    if kpi.is_ratio:
        headers = ["STT", "Đơn vị", kpi.numerator_label, kpi.denominator_label, "Tỷ lệ (%)"]
    else:
        headers = ["STT", "Đơn vị", f"Giá trị ({MEASURE_LABELS[kpi.measure]})"]
    headers += [f"Chỉ tiêu ({DIRECTION_SIGNS[kpi.direction]})", "Đánh giá",
                f"Thay đổi so với {table.previous.label}"]
    last_column = len(headers)
    as_of = table.total.as_of if table.total else None
    period = f"{table.period.label}" + (f" (số liệu tính đến ngày {format_date(as_of)})" if as_of else "")
    lines = [
        (2, f"THỐNG KÊ {kpi.name.upper()}", Font(bold=True, size=13)),
        (3, attached_to(issuer, extracted_on), Font(italic=True)),
        (4, period, Font()),
        (5, f"Ngày trích xuất số liệu: {format_date(extracted_on)} (từ Phần mềm theo dõi nhiệm vụ)",
         Font(italic=True)),
    ]
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=min(3, last_column))
    write(sheet, 1, 1, issuer.upper()).font = BOLD
    for row, text, font in lines:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)
        cell = write(sheet, row, 1, text)
        cell.font, cell.alignment = font, CENTER
    header_row = EXPORT_HEADER_ROW
    for column, label in enumerate(headers, start=1):
        _header_cell(sheet, header_row, column, label)
    sheet.row_dimensions[header_row].height = 48
    percent_format = "0.00%"
    value_format = "#,##0" if kpi.measure in ("count", "vnd") else "0.00"
    target_format = percent_format if kpi.is_rate else value_format
    row_number = header_row
    for row in table.rows:
        row_number += 1
        values: list[Any] = [row.rank, row.unit_name]
        if kpi.is_ratio:
            values += [row.numerator, row.denominator, _fraction(row.actual_value)]
        else:
            values += [_fraction(row.actual_value) if kpi.is_rate else row.actual_value]
        values += [
            _fraction(row.target_value) if kpi.is_rate else row.target_value,
            _verdict(row.met, row.has_data),
            _fraction(row.change) if kpi.is_rate else row.change,
        ]
        _write_row(sheet, row_number, values, kpi, percent_format, value_format, target_format, bold=False)
    total = table.total
    if total is not None:
        row_number += 1
        values = ["TỔNG CỘNG", None]
        if kpi.is_ratio:
            values += [total.numerator, total.denominator, _fraction(total.actual_value)]
        else:
            values += [_fraction(total.actual_value) if kpi.is_rate else total.actual_value]
        values += ["", f"{total.units_met}/{total.units_with_target} đạt" if total.units_with_target else "",
                   _fraction(total.change) if kpi.is_rate else total.change]
        _write_row(sheet, row_number, values, kpi, percent_format, value_format, target_format, bold=True)
        sheet.merge_cells(start_row=row_number, start_column=1, end_row=row_number, end_column=2)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 42
    for column in range(3, last_column + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 18
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    print_setup(sheet, f"{header_row}:{header_row}")
    return _workbook_bytes(workbook)


def _fraction(percent: float | None) -> float | None:
    return None if percent is None else percent / 100


def _verdict(met: bool | None, has_data: bool) -> str:
    if not has_data:
        return "Chưa có số liệu"
    if met is None:
        return ""
    return "Đạt" if met else "Chưa đạt"


def _write_row(sheet: Worksheet, row: int, values: list[Any], kpi: Kpi, percent_format: str, value_format: str,
               target_format: str, *, bold: bool) -> None:
    ratio_extra = 2 if kpi.is_ratio else 0
    formats = {1: "0", 3: "#,##0" if kpi.is_ratio else (percent_format if kpi.is_rate else value_format)}
    if kpi.is_ratio:
        formats |= {4: "#,##0", 5: percent_format}
    formats |= {4 + ratio_extra: target_format, 6 + ratio_extra: "+0.00%;-0.00%;0.00%" if kpi.is_rate else value_format}
    for column, value in enumerate(values, start=1):
        cell = write(sheet, row, column, value)
        cell.border = BORDER
        if column in formats:
            cell.number_format = formats[column]
        if bold:
            cell.font = BOLD
