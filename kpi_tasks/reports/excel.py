"""Excel exports laid out as the appendices users read (seed 000): a title block (issuer, title, "Kèm theo …",
period, date of extraction), STT, the figures, a bold total row computed by formula, A4 landscape print set-up.

Every workbook is written with openpyxl's write-only mode: rows go to a temporary file as they come, so an
export of 100,000 tasks takes bounded memory (bench/export_memory.py measures it). In that mode column
widths, frozen panes and the sheet's fit-to-page flag must be set before the first row; merges, print
titles and page set-up are written when the sheet closes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass
from types import MethodType
from typing import IO, Any

from flask import current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import VIETNAM
from kpi_tasks.clock import today as clock_today
from kpi_tasks.directives.models import Directive
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.extensions import db
from kpi_tasks.reports.queries import (
    KpiStatus,
    MonthlyReport,
    ReportFilters,
    ReportPeriod,
    monthly_report,
    report_rows_query,
)
from kpi_tasks.spreadsheets.cells import Formula, new_cell
from kpi_tasks.tasks.models import EXTENSION_STATUS_LABELS
from kpi_tasks.tasks.status import STATUS_LABELS
from kpi_tasks.text import format_date, format_number
from kpi_tasks.units.models import Unit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT_NAME = "Times New Roman"
HEADER_ROW = 7  # rows 1–5: title block, 6: blank
FIRST_DATA_ROW = HEADER_ROW + 1
STREAM_BATCH = 1000

# Column kinds: how a value is written and formatted.
TEXT, WRAP, CENTER, INT, DATE, PERCENT, WHOLE_PERCENT = "text", "wrap", "center", "int", "date", "percent", "whole"
TASK_COUNT = "tasks"  # a count of tasks in a total row: 120 → "120 nhiệm vụ", still a number
REQUEST_COUNT = "requests"
LINE_HEIGHT = 15  # points per line of 11-point text
# Characters of Vietnamese text in 11-point Times New Roman per unit of column width (the width of a "0" in
# the default font), a little under the real figure so that an estimated row height never clips.
CHARS_PER_WIDTH = 1.1

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP = Alignment(vertical="top")
_STYLES = {
    # name: (number format, alignment, bold)
    TEXT: ("General", _TOP, False),
    WRAP: ("General", Alignment(vertical="top", wrap_text=True), False),
    CENTER: ("General", Alignment(horizontal="center", vertical="top"), False),
    INT: ("#,##0", _TOP, False),
    DATE: ("dd/mm/yyyy", Alignment(horizontal="center", vertical="top"), False),
    PERCENT: ("0.00%", _TOP, False),
    WHOLE_PERCENT: ("0%", _TOP, False),
    TASK_COUNT: ('#,##0 "nhiệm vụ"', _TOP, False),
    REQUEST_COUNT: ('#,##0 "đề nghị"', _TOP, False),
}


def _style_name(kind: str, total: bool = False) -> str:
    return f"bc_{kind}_total" if total else f"bc_{kind}"


def new_workbook() -> Workbook:
    """A write-only workbook with the report cell styles registered once (named styles: setting one on a
    cell is a lookup, far cheaper than building fonts and borders per cell)."""
    workbook = Workbook(write_only=True)
    for kind, (number_format, alignment, _bold) in _STYLES.items():
        for total in (False, True):
            workbook.add_named_style(NamedStyle(
                name=_style_name(kind, total), number_format=number_format, alignment=alignment, border=_BORDER,
                font=Font(name=FONT_NAME, size=11, bold=total),
            ))
    return workbook


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: str = TEXT
    # The total row's cell: "sum", or a formula with {row} (the total row) and {first}/{last} (the data
    # rows), or None for an empty cell.
    total: str | None = None
    total_kind: str | None = None  # the total cell's kind when it differs from the column's


@dataclass(frozen=True)
class TitleBlock:
    issuer: str
    title: str
    attached_to: str  # "(Kèm theo …)"
    period_label: str
    extracted_on: dt.date


def attached_to_report(issuer: str, day: dt.date, subject: str = "") -> str:
    """The "(Kèm theo …)" line, with blanks for the number and day the clerk fills in, as in the seeds."""
    about = f" {subject}" if subject else ""
    return f"(Kèm theo Báo cáo số        /BC-UBND ngày      /{day.month}/{day.year} của {issuer}{about})"


class AppendixSheet:
    """One write-only sheet laid out as an appendix: title block, header, STT + rows, bold total row.

    Use: `sheet = AppendixSheet(workbook, name, block, columns)`, `sheet.append([...])` per row (without
    the STT, which is added), then `sheet.finish()`.
    """

    def __init__(self, workbook: Workbook, name: str, block: TitleBlock, columns: Sequence[Column],
                 total_label: str = "TỔNG CỘNG") -> None:
        self.sheet = workbook.create_sheet(name[:31])
        # Every row appended is a list of cells: hand them to the writer as they are (see _cells_to_row).
        self.sheet._values_to_row = MethodType(_cells_to_row, self.sheet)  # type: ignore[method-assign]
        self.columns = [Column("STT", 7, CENTER), *columns]
        self.total_label = total_label
        self.rows = 0
        self._note_rows = 0  # explanation lines written inside the table, before the total row
        self._last_letter = get_column_letter(len(self.columns))
        self._styles: dict[str, StyleArray] = {}
        self._layout()
        self._title_block(block)
        self._header()

    # -- set-up written before the first row --------------------------------------------------------------
    def _layout(self) -> None:
        sheet = self.sheet
        for index, column in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        # Freeze the title block, the header and the two first columns (STT and the name).
        sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.row_dimensions[HEADER_ROW].height = 48
        # Print: A4 landscape, as wide as the page, as many pages down as needed, the header on each page.
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.page_margins.top = sheet.page_margins.bottom = 0.5
        sheet.oddFooter.center.text = "Trang &P/&N"

    def _cell(self, value: Any, *, bold: bool = False, italic: bool = False, size: int = 11,
              horizontal: str = "center") -> WriteOnlyCell:
        cell = new_cell(self.sheet, value)
        cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic)
        cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        return cell

    def _merged_line(self, row: int, cell: WriteOnlyCell, first: str = "A", last: str | None = None) -> None:
        self.sheet.merged_cells.add(f"{first}{row}:{last or self._last_letter}{row}")
        self.sheet.append([cell])

    def _title_block(self, block: TitleBlock) -> None:
        issuer = self._cell(block.issuer.upper(), bold=True, horizontal="left")
        self._merged_line(1, issuer, last=get_column_letter(min(3, len(self.columns))))
        self._merged_line(2, self._cell(block.title.upper(), bold=True, size=13))
        self._merged_line(3, self._cell(block.attached_to, italic=True))
        self._merged_line(4, self._cell(block.period_label))
        extracted = f"Ngày trích xuất số liệu: {format_date(block.extracted_on)} (từ Phần mềm theo dõi nhiệm vụ)"
        self._merged_line(5, self._cell(extracted, italic=True))
        self.sheet.append([])

    def _header(self) -> None:
        fill = PatternFill("solid", fgColor="DDEBF7")
        cells = []
        for column in self.columns:
            cell = self._cell(column.header, bold=True)
            cell.border, cell.fill = _BORDER, fill
            cells.append(cell)
        self.sheet.append(cells)

    # -- rows ------------------------------------------------------------------------------------------------
    def _styled(self, value: Any, style_name: str) -> WriteOnlyCell:
        """A cell with one of the workbook's named styles.

        `cell.style = name` looks the name up among the workbook's named styles on every cell (about 20 µs, more
        than writing the cell); the style it sets is the same array of indexes for every cell of that style,
        so it is looked up once per sheet and copied, as openpyxl itself does once it has found it.
        """
        cell = new_cell(self.sheet, value)
        style = self._styles.get(style_name)
        if style is None:
            cell.style = style_name
            self._styles[style_name] = copy(cell._style)
        else:
            cell._style = copy(style)
        return cell

    def append(self, values: Sequence[Any]) -> None:
        """One data row, without its STT."""
        self.rows += 1
        cells = []
        lines = 1
        for column, value in zip(self.columns, (self.rows, *values), strict=True):
            cells.append(self._styled(value, _style_name(column.kind)))
            if column.kind == WRAP and value:
                lines = max(lines, _wrapped_lines(str(value), column.width))
        row = FIRST_DATA_ROW + self._note_rows + self.rows - 1
        if lines > 1:
            # LibreOffice does not fit row heights to wrapped text when it opens a file, so the height is
            # written; the dimension is dropped once the row is out, to keep memory flat.
            self.sheet.row_dimensions[row].height = lines * LINE_HEIGHT
        self.sheet.append(cells)
        if lines > 1:
            del self.sheet.row_dimensions[row]

    def note(self, text: str) -> None:
        """A line of explanation inside the table (an empty list, a feature not yet available)."""
        row = FIRST_DATA_ROW + self.rows
        cell = self._cell(text, italic=True, horizontal="left")
        self.sheet.merged_cells.add(f"A{row}:{self._last_letter}{row}")
        self.sheet.append([cell])
        self._note_rows += 1

    def finish(self) -> None:
        """The bold total row ("TỔNG CỘNG" over STT and the name, as in the seeds' appendices): each
        column's sum, or its own formula, over the data rows."""
        offset = self._note_rows
        first, last = FIRST_DATA_ROW + offset, FIRST_DATA_ROW + offset + self.rows - 1
        row = last + 1
        cells = []
        for index, column in enumerate(self.columns, start=1):
            letter = get_column_letter(index)
            value: Any = None
            if index == 1:
                value = self.total_label
            elif column.total == "sum":
                value = Formula(f"=SUM({letter}{first}:{letter}{last})") if self.rows else 0
            elif column.total:
                value = Formula(column.total.format(row=row, first=first, last=last)) if self.rows else 0
            cells.append(self._styled(value, _style_name(TEXT if index == 1 else column.total_kind or column.kind,
                                                         total=True)))
        self.sheet.merged_cells.add(f"A{row}:B{row}")
        self.sheet.append(cells)


def _cells_to_row(sheet: WriteOnlyWorksheet, cells: Iterable[Any], row_index: int) -> Iterator[Cell]:
    """A write-only sheet's `_values_to_row` for a row of cells, without openpyxl's detour.

    openpyxl first tries each appended item as a value, which for a cell raises and formats a ValueError
    (its message holds the cell's repr) before it takes the cell as it is: a third of the time of writing
    an export. The rows AppendixSheet appends are lists of cells; any other row goes openpyxl's way.
    """
    cells = list(cells)
    if not all(isinstance(cell, Cell) for cell in cells):
        yield from WriteOnlyWorksheet._values_to_row(sheet, cells, row_index)
        return
    for column_index, cell in enumerate(cells, start=1):
        cell.column = column_index
        cell.row = row_index
        if cell.hyperlink is not None:
            cell.hyperlink.ref = cell.coordinate
        yield cell


def _wrapped_lines(text: str, width: float) -> int:
    per_line = max(1, int(width * CHARS_PER_WIDTH))
    return sum(max(1, -(-len(part) // per_line)) for part in text.splitlines() or [""])


def _percent(value: float | None) -> float | None:
    """A percentage (65.54) as the fraction Excel formats with % (0.6554)."""
    return None if value is None else round(value / 100, 6)


def _save(workbook: Workbook, target: IO[bytes]) -> None:
    workbook.save(target)


# --- (1) task list --------------------------------------------------------------------------------------

TASK_COLUMNS = [
    Column("Nhiệm vụ", 46, WRAP),
    # The total row counts the tasks (STT is numbered 1..n, so COUNT of it is the number of rows).
    Column("Văn bản giao", 16, WRAP, "=COUNT(A{first}:A{last})", TASK_COUNT),
    Column("Ngày văn bản", 12, DATE),
    Column("Mục", 7, CENTER),
    Column("Đơn vị chủ trì", 24, WRAP),
    Column("Đơn vị phối hợp", 24, WRAP),
    Column("Hạn ban đầu", 12, DATE),
    Column("Hạn xử lý", 12, DATE),
    Column("Tiến độ", 9, WHOLE_PERCENT),
    Column("Trạng thái", 20, WRAP),
    Column("Ngày hoàn thành", 12, DATE),
]


def task_values(row: Any) -> list[Any]:
    """An exported task row (reports.queries.report_rows_query) as cell values."""
    status = STATUS_LABELS.get(row.status, row.status)
    if row.due_soon:
        status += " (sắp đến hạn)"
    coordinating = "; ".join(sorted(row.coordinating_unit_names.split("; "))) if row.coordinating_unit_names else ""
    return [
        row.title, row.directive_number, row.directive_issued_on, row.section, row.lead_unit_name, coordinating,
        row.deadline, row.effective_deadline, row.progress_percent / 100, status, row.completed_on,
    ]


def describe_filters(filters: ReportFilters) -> str:
    """The filters of an export in words, printed in the title block."""
    t = filters.tasks
    parts = []
    if filters.period_from or filters.period_to:
        parts.append("Kỳ thống kê: " + ReportPeriod(filters.period_from, filters.period_to).label)
    if t.status:
        parts.append("Trạng thái: " + STATUS_LABELS.get(t.status, t.status))
    if t.unit_id is not None:
        unit = db.session.get(Unit, t.unit_id)
        role = {"lead": " (chủ trì)", "coordinating": " (phối hợp)"}.get(t.role or "", "")
        parts.append("Đơn vị: " + (unit.name if unit else str(t.unit_id)) + role)
    if t.due_soon:
        parts.append("Sắp đến hạn")
    if t.q:
        parts.append(f"Tìm: “{t.q}”")
    if t.deadline_from or t.deadline_to:
        parts.append("Hạn xử lý " + ReportPeriod(t.deadline_from, t.deadline_to).label)
    if filters.completed_from or filters.completed_to:
        parts.append("Hoàn thành " + ReportPeriod(filters.completed_from, filters.completed_to).label)
    if t.directive_id:
        directive = db.session.get(Directive, t.directive_id)
        parts.append("Văn bản " + (directive.number if directive else f"mã {t.directive_id}"))
    return "; ".join(parts) if parts else "Tất cả nhiệm vụ"


def write_task_list(target: IO[bytes], rows: Iterable[Any], *, issuer: str, description: str,
                    today: dt.date) -> int:
    """The task list (any filter) as an appendix workbook. Returns the number of task rows written."""
    workbook = new_workbook()
    block = TitleBlock(issuer, "Danh sách nhiệm vụ", attached_to_report(issuer, today), description, today)
    sheet = AppendixSheet(workbook, "Danh sách nhiệm vụ", block, TASK_COLUMNS)
    for row in rows:
        sheet.append(task_values(row))
    if not sheet.rows:
        sheet.note("Không có nhiệm vụ nào theo bộ lọc đã chọn.")
    sheet.finish()
    _save(workbook, target)
    return sheet.rows


def export_task_list(target: IO[bytes], user: User, filters: ReportFilters, *, today: dt.date,
                     due_soon_days: int, issuer: str, progress: Callable[[int], object] | None = None) -> int:
    """Stream the rows `user` may see under `filters` from the database into the task-list workbook; `progress`
    (a background job's) is told the rows read so far, every STREAM_BATCH rows."""
    query = report_rows_query(user, filters, today, due_soon_days).execution_options(yield_per=STREAM_BATCH)
    rows: Iterable[Any] = db.session.execute(query)
    if progress is not None:
        rows = counted(rows, progress)
    return write_task_list(target, rows, issuer=issuer, description=describe_filters(filters), today=today)


def counted(rows: Iterable[Any], progress: Callable[[int], object], every: int | None = None) -> Iterator[Any]:
    """The rows unchanged, telling `progress` how many have passed every `every` rows (STREAM_BATCH) and at
    the end."""
    every = every or STREAM_BATCH
    count = 0
    for count, row in enumerate(rows, 1):
        yield row
        if count % every == 0:
            progress(count)
    progress(count)


# --- (2) per-unit statistics ------------------------------------------------------------------------------

STAT_FIGURES = ["assigned", "in_progress", "overdue", "awaiting_review", "done_on_time", "done_late", "ongoing"]
RATE_FORMULA = '=IF((G{row}+H{row}+E{row})>0,G{row}/(G{row}+H{row}+E{row}),"")'
STAT_COLUMNS = [
    Column("Đơn vị", 36, WRAP),
    Column("Tổng số nhiệm vụ được giao", 11, INT, "sum"),
    Column("Đang thực hiện trong hạn", 12, INT, "sum"),
    Column("Đang thực hiện quá hạn", 12, INT, "sum"),
    Column("Chờ xác nhận hoàn thành", 12, INT, "sum"),
    Column("Hoàn thành đúng hạn", 12, INT, "sum"),
    Column("Hoàn thành quá hạn", 12, INT, "sum"),
    Column("Thường xuyên", 11, INT, "sum"),
    # The total's rate is recomputed from the total row (on time ÷ (on time + late + overdue)), never averaged.
    Column("Tỷ lệ hoàn thành đúng hạn", 12, PERCENT, RATE_FORMULA),
    Column("Xếp hạng", 9, CENTER),
]


def _unit_stats_sheet(workbook: Workbook, ranked: list[dict], block: TitleBlock, name: str) -> AppendixSheet:
    sheet = AppendixSheet(workbook, name, block, STAT_COLUMNS)
    for item in ranked:
        sheet.append([item["unit_name"], *[item[key] for key in STAT_FIGURES], _percent(item["on_time_rate"]),
                      item["rank"] if item["rank"] is not None else "—"])
    if not sheet.rows:
        sheet.note("Không có đơn vị nào có nhiệm vụ trong kỳ.")
    sheet.finish()
    return sheet


def write_unit_stats(target: IO[bytes], ranked: list[dict], period: ReportPeriod, *, issuer: str,
                     today: dt.date) -> None:
    """Per-unit statistics of a period, units ranked by on-time rate (only units with tasks in the period)."""
    workbook = new_workbook()
    block = TitleBlock(issuer, "Thống kê kết quả thực hiện nhiệm vụ theo đơn vị",
                       attached_to_report(issuer, today), "Kỳ thống kê: " + period.label, today)
    _unit_stats_sheet(workbook, [item for item in ranked if item["assigned"]], block, "Thống kê theo đơn vị")
    _save(workbook, target)


# --- (3) the monthly report to the Chairman ---------------------------------------------------------------

OVERDUE_COLUMNS = [*TASK_COLUMNS, Column("Số ngày quá hạn", 10, INT)]
LATE_COLUMNS = [*TASK_COLUMNS, Column("Số ngày chậm", 10, INT)]
EXTENSION_COLUMNS = [
    Column("Nhiệm vụ", 46, WRAP),
    Column("Đơn vị đề nghị", 24, WRAP, '=COUNTA(B{first}:B{last})', "requests"),
    Column("Ngày đề nghị", 12, DATE),
    Column("Hạn trước khi đề nghị", 12, DATE),
    Column("Hạn đề nghị", 12, DATE),
    Column("Lý do", 40, WRAP),
    Column("Kết quả", 16, WRAP),
]
KPI_COLUMNS = [
    Column("Chỉ tiêu", 46, WRAP),
    Column("Mã", 12, TEXT),
    Column("Kỳ", 14, CENTER),
    Column("Số đơn vị được giao chỉ tiêu", 13, INT, "sum"),
    Column("Số đơn vị đạt", 11, INT, "sum"),
    Column("Số đơn vị chưa đạt", 11, INT, "sum"),
    Column("Số đơn vị đã báo cáo số liệu", 13, INT, "sum"),
    Column("Kết quả chung", 13, TEXT),
]


def local_date(moment: dt.datetime) -> dt.date:
    """The day in Vietnam of a stored timestamp (UTC; SQLite hands it back without its offset)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).date()


def _days_between(first: dt.date | None, second: dt.date | None) -> int | None:
    return None if first is None or second is None else (second - first).days


def _kpi_result(status: KpiStatus) -> str:
    if status.actual_value is None:
        return "Chưa có số liệu"
    return format_number(status.actual_value, 2) + ("%" if status.measure == "percent" else "")


def write_monthly_workbook(target: IO[bytes], report: MonthlyReport) -> None:
    """The monthly report to the Chairman: one sheet each for the statistics, newly overdue tasks, tasks
    completed late, extension requests and KPI status."""
    workbook = new_workbook()
    issuer, today, period = report.identity.issuing_body, report.today, report.period
    attached = attached_to_report(issuer, today, f"về kết quả thực hiện nhiệm vụ {period.label}")

    def block(title: str) -> TitleBlock:
        return TitleBlock(issuer, title, attached, "Kỳ báo cáo: " + period.label, today)

    _unit_stats_sheet(workbook, report.ranked, block(f"Thống kê kết quả thực hiện nhiệm vụ {period.label}"),
                      "Thống kê")

    overdue = AppendixSheet(workbook, "Quá hạn trong tháng", block(f"Nhiệm vụ quá hạn phát sinh {period.label}"),
                            OVERDUE_COLUMNS)
    for row in report.newly_overdue:
        overdue.append([*task_values(row), _days_between(row.effective_deadline, today)])
    if not overdue.rows:
        overdue.note(f"Không có nhiệm vụ quá hạn phát sinh {period.label}.")
    overdue.finish()

    late = AppendixSheet(workbook, "Hoàn thành quá hạn", block(f"Nhiệm vụ hoàn thành quá hạn {period.label}"),
                         LATE_COLUMNS)
    for row in report.completed_late:
        late.append([*task_values(row), _days_between(row.effective_deadline, row.completed_on)])
    if not late.rows:
        late.note(f"Không có nhiệm vụ hoàn thành quá hạn {period.label}.")
    late.finish()

    extensions = AppendixSheet(workbook, "Đề nghị gia hạn",
                               block(f"Đề nghị gia hạn {period.label} và đề nghị chờ quyết định"), EXTENSION_COLUMNS)
    for request in report.extension_requests:
        extensions.append([request.title, request.unit_name, local_date(request.created_at),
                           request.previous_deadline, request.new_deadline, request.reason,
                           EXTENSION_STATUS_LABELS.get(request.status, request.status)])
    if not extensions.rows:
        extensions.note(f"Không có đề nghị gia hạn {period.label}.")
    extensions.finish()

    kpis = AppendixSheet(workbook, "Chỉ tiêu", block(f"Tình hình thực hiện chỉ tiêu {period.label}"), KPI_COLUMNS)
    for status in report.kpis or []:
        kpis.append([status.name, status.code, status.period_label, status.units_with_target, status.units_met,
                     status.units_not_met, status.units_reporting, _kpi_result(status)])
    if not kpis.rows:
        kpis.note("Chưa có chỉ tiêu nào được theo dõi trên Phần mềm.")
    kpis.finish()
    _save(workbook, target)


def build_monthly_workbook(month: str) -> bytes:
    """The monthly report to the Chairman for `month` ("YYYY-MM") as .xlsx bytes, figures as of today.

    Needs an application context (database, document identity, DUE_SOON_WORKING_DAYS); raises ValidationError for
    a malformed month. Used by the `export-report` command and the monthly e-mail.
    """
    report = load_monthly_report(month)
    buffer = io.BytesIO()
    write_monthly_workbook(buffer, report)
    return buffer.getvalue()


def load_monthly_report(month: str) -> MonthlyReport:
    """The monthly report's figures as of today, with the application's issuer and due-soon setting."""
    return monthly_report(month, clock_today(), current_identity(), current_app.config["DUE_SOON_WORKING_DAYS"])
