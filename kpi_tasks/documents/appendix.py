"""The one writer of every Excel file the product makes (appendices, exports and import templates).

A sheet is laid out as the appendices of the seed directives: a title block (the issuing body from the
document identity, the form's number "Biểu 01" on the right, the title, "(Kèm theo …)", the period and the
day the figures were extracted), a header of one or two rows (a group header over its columns), STT and the
rows, group rows "I", "II" (units of one kind ranked among themselves), a bold total row, then A4 landscape
print set-up with the header repeated on every page and "Trang x/y" at the foot.

Why xlsxwriter and not openpyxl: at 100,000 task rows × 12 columns it writes in 14.6 s with a peak of 22 MB,
openpyxl's write-only mode in 43.5 s with 121 MB (README, "Excel exports"); and xlsxwriter stores a formula's
value beside it, so a total is both a formula (a row added in Excel is counted) and a number that phone and
mail previews and `data_only` readers show. Rows go to a temporary file as they are written (constant memory),
so they must come in order: the title block, the header, then the rows.

Text is always written as text (`write_string`): a task title typed as `=HYPERLINK(…)` is never a formula;
the only formulas are the totals this module writes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

from kpi_tasks.documents.context import roman
from kpi_tasks.text import format_date

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT_NAME = "Times New Roman"
FONT_SIZE = 11
LINE_HEIGHT = 15  # points per line of 11-point text
# Characters of Vietnamese text in 11-point Times New Roman per unit of column width, a little under the real
# figure so that an estimated row height never clips (LibreOffice does not fit wrapped rows when it opens a file).
CHARS_PER_WIDTH = 1.1
TITLE_ROWS = 6  # rows 1–5: the title block; 6: blank; the header starts on row 7
HEADER_FILL = "#DDEBF7"
INPUT_FILL = "#FFF2CC"
MAX_TEXT = 32767  # the longest text a cell holds

# Column kinds: how a value is written and formatted.
TEXT, WRAP, CENTER, INT, DECIMAL, DATE = "text", "wrap", "center", "int", "decimal", "date"
PERCENT, WHOLE_PERCENT, POINTS = "percent", "whole", "points"
TASK_COUNT, REQUEST_COUNT, KPI_COUNT, DOSSIER_COUNT = "tasks", "requests", "kpis", "dossiers"
INPUT_NUMBER, INPUT_TEXT = "input_number", "input_text"  # cells of an import template the user fills in

_NUMBER_FORMATS = {
    INT: "#,##0", DECIMAL: "#,##0.00", DATE: "dd/mm/yyyy", PERCENT: "0.00%", WHOLE_PERCENT: "0%",
    # A change of a rate is in percentage points, "điểm %" (a quoted % is text, not a scaling by 100).
    POINTS: '+#,##0.00" điểm %";-#,##0.00" điểm %";0.00" điểm %"',
    TASK_COUNT: '#,##0 "nhiệm vụ"', REQUEST_COUNT: '#,##0 "đề nghị"', KPI_COUNT: '#,##0 "chỉ tiêu"',
    DOSSIER_COUNT: '#,##0 "hồ sơ"', INPUT_NUMBER: "#,##0.##", INPUT_TEXT: "@",
}
CUSTOM = "format:"  # a kind "format:<number format>" writes a number with its own format


def number_kind(number_format: str) -> str:
    """The kind of a number cell shown with `number_format` ('"≥ "0%': a target with its direction)."""
    return CUSTOM + number_format


_CENTERED = {CENTER, DATE}
_WRAPPED = {WRAP}


@dataclass(frozen=True)
class Figures:
    """What the data rows add up to, by column letter: the total row's stored values are computed from it."""

    sums: dict[str, float]
    numbers: dict[str, int]  # cells holding a number
    filled: dict[str, int]  # cells holding anything
    rows: int


@dataclass(frozen=True)
class Total:
    """A total cell other than a sum: its formula ({row} the total row, {first}/{last} the data rows, column
    letters as they stand) and the value stored beside it, computed from the rows' figures."""

    formula: str | None  # None: the value alone (a verdict, a change from the previous period)
    value: Callable[[Figures], Any]


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: str = TEXT
    # The total row's cell: "sum", "count" (the rows with a number here), "counta" (the rows with anything
    # here), a Total, or None for an empty cell.
    total: str | Total | None = None
    total_kind: str | None = None  # the total cell's kind when it differs from the column's
    group: str | None = None  # the header over consecutive columns of one group (a two-row header)


@dataclass(frozen=True)
class TitleBlock:
    issuer: str  # "Ủy ban nhân dân tỉnh Gia Lai", printed in capitals
    title: str
    attached_to: str  # "(Kèm theo …)"
    period_label: str
    extracted_on: dt.date | None
    form: str = ""  # "Biểu 01", printed at the top right
    # A label and a value on row 5 instead of the date of extraction ("Mã chỉ tiêu: KYSO" in a template).
    code_line: tuple[str, str] | None = None


def attached_to_report(issuer: str, day: dt.date, subject: str = "", symbol: str = "BC-UBND") -> str:
    """The "(Kèm theo …)" line, with blanks for the number and day the clerk fills in, as in the seeds."""
    about = f" {subject}" if subject else ""
    return f"(Kèm theo Báo cáo số        /{symbol} ngày      /{day.month}/{day.year} của {issuer}{about})"


def clean(value: str) -> str:
    """Text a worksheet can hold: control characters dropped, cut at a cell's limit."""
    # isprintable() runs in C and is False for every control character: most text skips the regular expression.
    if not value.isprintable():
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT]


def wrapped_lines(text: str, width: float) -> int:
    return _lines(text, max(1, int(width * CHARS_PER_WIDTH)))


def _lines(text: str, per_line: int) -> int:
    if len(text) <= per_line and "\n" not in text:
        return 1
    return sum(max(1, -(-len(part) // per_line)) for part in text.splitlines() or [""])


EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system, as xlsxwriter counts


class Appendix:
    """A workbook of appendix sheets written to `target` (a path or a binary file) when closed.

    Use: `with Appendix(target, author=…) as book: sheet = book.sheet(…); sheet.append([...]); sheet.finish()`.
    """

    def __init__(self, target: str | IO[bytes], *, title: str = "", author: str = "") -> None:
        self.book: Workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                                           "strings_to_urls": False, "strings_to_numbers": False})
        # One font everywhere, empty cells included (the default format is the workbook's "Normal" style).
        self.book.formats[0].set_font_name(FONT_NAME)
        self.book.set_properties({"title": title, "author": author, "company": author,
                                  "created": dt.datetime.now(dt.UTC).replace(tzinfo=None)})
        self.book.set_custom_property("Language", "vi-VN")
        self._formats: dict[tuple, Any] = {}

    def __enter__(self) -> Appendix:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.book.close()

    def format(self, kind: str = TEXT, *, bold: bool = False, italic: bool = False, size: int = FONT_SIZE,
               align: str | None = None, border: bool = True, fill: str | None = None, wrap: bool | None = None,
               valign: str = "top") -> Any:
        """The workbook's format for a cell of `kind` (made once, then shared)."""
        key = (kind, bold, italic, size, align, border, fill, wrap, valign)
        found = self._formats.get(key)
        if found is None:
            properties: dict[str, Any] = {"font_name": FONT_NAME, "font_size": size, "valign": valign}
            if kind in _NUMBER_FORMATS:
                properties["num_format"] = _NUMBER_FORMATS[kind]
            elif kind.startswith(CUSTOM):
                properties["num_format"] = kind.removeprefix(CUSTOM)
            if bold:
                properties["bold"] = True
            if italic:
                properties["italic"] = True
            if border:
                properties["border"] = 1
            horizontal = align or ("center" if kind in _CENTERED else None)
            if horizontal:
                properties["align"] = horizontal
            if wrap if wrap is not None else kind in _WRAPPED:
                properties["text_wrap"] = True
            if fill or kind in (INPUT_NUMBER, INPUT_TEXT):
                properties["bg_color"] = fill or INPUT_FILL
                properties["locked"] = kind not in (INPUT_NUMBER, INPUT_TEXT)
            found = self._formats[key] = self.book.add_format(properties)
        return found

    def sheet(self, name: str, block: TitleBlock | None, columns: Sequence[Column], *, total_label: str = "TỔNG CỘNG",
              numbered: bool = True, number_header: str = "STT", first_frozen_column: int = 2) -> AppendixSheet:
        return AppendixSheet(self, name, block, columns, total_label=total_label, numbered=numbered,
                             number_header=number_header, first_frozen_column=first_frozen_column)


@dataclass
class _Sums:
    """By column index, what the data rows add up to."""

    sums: defaultdict[int, float] = field(default_factory=lambda: defaultdict(int))
    numbers: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))
    filled: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))


class AppendixSheet:
    """One sheet laid out as an appendix. `append` a row's values (without STT, which is numbered here),
    `group` a group row, `note` a line of explanation, `finish` the total row."""

    def __init__(self, book: Appendix, name: str, block: TitleBlock | None, columns: Sequence[Column], *,
                 total_label: str, numbered: bool, number_header: str, first_frozen_column: int) -> None:
        self.book = book
        self.sheet: Worksheet = book.book.add_worksheet(clean(name)[:31])
        self.columns = [Column(number_header, 6, CENTER), *columns] if numbered else list(columns)
        self.numbered = numbered
        self.total_label = total_label
        self.last_column = len(self.columns) - 1
        self.rows = 0  # data rows written
        self.number = 0  # the STT of the last row (numbered again in each group)
        self.row = 0  # the next row to write (0-based)
        self.first_data_row: int | None = None
        self.totals = _Sums()
        self._formats_by_weight: dict[bool, list[Any]] = {}
        self._rows_out = RowWriter(self.sheet, len(self.columns))
        self._wrapped = [(index, max(1, int(column.width * CHARS_PER_WIDTH)))
                         for index, column in enumerate(self.columns) if column.kind in _WRAPPED]
        two_rows = any(column.group for column in self.columns)
        self.header_row = TITLE_ROWS if block is not None else 0
        self.header_rows = 2 if two_rows else 1
        self._layout(first_frozen_column)
        if block is not None:
            self._title_block(block)
        self._header()

    # -- before the first row ------------------------------------------------------------------------------
    def _layout(self, first_frozen_column: int) -> None:
        sheet = self.sheet
        for index, column in enumerate(self.columns):
            sheet.set_column(index, index, column.width)
        body = self.header_row + self.header_rows
        sheet.freeze_panes(body, first_frozen_column if len(self.columns) > first_frozen_column else 0)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)  # as wide as the page, as many pages down as needed
        sheet.repeat_rows(self.header_row, body - 1)
        sheet.center_horizontally()
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        sheet.set_footer("&C&\"Times New Roman\"Trang &P/&N")

    def _line(self, text: str, fmt: Any, *, first: int = 0, last: int | None = None,
              height: float | None = None) -> None:
        last = self.last_column if last is None else last
        if height:
            self.sheet.set_row(self.row, height)
        if last > first:
            self.sheet.merge_range(self.row, first, self.row, last, clean(text), fmt)
        else:
            self.sheet.write_string(self.row, first, clean(text), fmt)

    def _title_block(self, block: TitleBlock) -> None:
        book = self.book
        issuer_last = min(2, self.last_column)
        width = sum(column.width for column in self.columns[:issuer_last + 1])
        lines = wrapped_lines(block.issuer, width)
        if lines > 1:
            self.sheet.set_row(0, lines * LINE_HEIGHT)
        issuer_fmt = book.format(bold=True, border=False, align="center", wrap=True, valign="vcenter")
        if block.form and self.last_column > issuer_last:
            self._line(block.issuer.upper(), issuer_fmt, last=issuer_last)
            self._line(block.form, book.format(bold=True, border=False, align="right", valign="vcenter"),
                       first=issuer_last + 1)
        else:
            self._line(block.issuer.upper(), issuer_fmt, last=issuer_last)
        self.row = 1
        title_width = sum(column.width for column in self.columns)
        lines = wrapped_lines(block.title, title_width * 0.85)
        self._line(block.title.upper(), book.format(bold=True, size=13, border=False, align="center", wrap=True,
                                                    valign="vcenter"), height=20 * lines if lines > 1 else None)
        self.row = 2
        lines = wrapped_lines(block.attached_to, title_width)
        self._line(block.attached_to, book.format(italic=True, border=False, align="center", wrap=True,
                                                  valign="vcenter"), height=LINE_HEIGHT * lines if lines > 1 else None)
        self.row = 3
        lines = wrapped_lines(block.period_label, title_width)
        self._line(block.period_label, book.format(border=False, align="center", wrap=True, valign="vcenter"),
                   height=LINE_HEIGHT * lines if lines > 1 else None)
        self.row = 4
        if block.code_line is not None:
            label, value = block.code_line
            self._line(f"{label} {value}", book.format(bold=True, border=False, align="left"),
                       last=min(2, self.last_column))
        elif block.extracted_on is not None:
            self._line(f"Ngày trích xuất số liệu: {format_date(block.extracted_on)} (từ Phần mềm theo dõi nhiệm vụ)",
                       book.format(italic=True, border=False, align="center", valign="vcenter"))
        self.row = TITLE_ROWS

    def _header(self) -> None:
        book, sheet = self.book, self.sheet
        fmt = book.format(bold=True, align="center", wrap=True, fill=HEADER_FILL, valign="vcenter")
        top = self.header_row
        longest = max(wrapped_lines(column.header, column.width) for column in self.columns)
        if self.header_rows == 1:
            sheet.set_row(top, max(2, longest) * LINE_HEIGHT + 3)
            for index, column in enumerate(self.columns):
                sheet.write_string(top, index, clean(column.header), fmt)
        else:
            # Rows are written in order (constant memory): the first header row's cells, then the second's,
            # and the merges listed without merge_range, which would write into the second row first.
            groups = [column.group for column in self.columns]
            group_lines = max((wrapped_lines(group, 30) for group in groups if group), default=1)
            sheet.set_row(top, group_lines * LINE_HEIGHT + 3)
            index = 0
            while index < len(self.columns):
                group = groups[index]
                end = index
                while group is not None and end + 1 < len(self.columns) and groups[end + 1] == group:
                    end += 1
                sheet.write_string(top, index, clean(group or self.columns[index].header), fmt)
                for blank in range(index + 1, end + 1):
                    sheet.write_blank(top, blank, None, fmt)
                if group is None:
                    sheet.merge.append([top, index, top + 1, index])
                elif end > index:
                    sheet.merge.append([top, index, top, end])
                index = end + 1
            sheet.set_row(top + 1, max(2, longest) * LINE_HEIGHT + 3)
            for index, column in enumerate(self.columns):
                if column.group is None:
                    sheet.write_blank(top + 1, index, None, fmt)
                else:
                    sheet.write_string(top + 1, index, clean(column.header), fmt)
        self.row = top + self.header_rows

    # -- rows ---------------------------------------------------------------------------------------------
    def write(self, row: int, column: int, value: Any, fmt: Any) -> None:
        """One cell by its kind of value: text as text, dates as dates, numbers as numbers, None blank."""
        sheet = self.sheet
        if value is None or value == "":
            sheet.write_blank(row, column, None, fmt)
        elif isinstance(value, str):
            sheet.write_string(row, column, clean(value), fmt)
        elif isinstance(value, bool):
            sheet.write_string(row, column, "Có" if value else "Không", fmt)
        elif type(value) is dt.date:
            # The serial number xlsxwriter's write_datetime would store (the same XML), without its conversions:
            # an export writes tens of thousands of dates.
            sheet.write_number(row, column, value.toordinal() - EXCEL_EPOCH, fmt)
        elif isinstance(value, dt.datetime | dt.date):
            sheet.write_datetime(row, column, value, fmt)
        else:
            sheet.write_number(row, column, value, fmt)

    def _start_data(self) -> None:
        if self.first_data_row is None:
            self.first_data_row = self.row

    def _row_formats(self, bold: bool) -> list[Any]:
        """Each column's format for a data row, looked up once per sheet (a row of an export is written in
        microseconds; a dictionary key built per cell cost a fifth of the time)."""
        formats = self._formats_by_weight.get(bold)
        if formats is None:
            formats = self._formats_by_weight[bold] = [self.book.format(column.kind, bold=bold)
                                                       for column in self.columns]
        return formats

    def append(self, values: Sequence[Any], *, bold: bool = False, kinds: dict[int, str] | None = None) -> None:
        """One data row, without its STT; `kinds` overrides the kind of some cells (by 0-based column)."""
        self._start_data()
        self.rows += 1
        self.number += 1
        values = [self.number, *values] if self.numbered else list(values)
        if len(values) != len(self.columns):
            raise ValueError(f"{len(values)} values for {len(self.columns)} columns")
        lines = 1
        for index, per_line in self._wrapped:
            value = values[index]
            if isinstance(value, str) and value:
                lines = max(lines, _lines(value, per_line))
        row = self.row
        if lines > 1:
            self.sheet.set_row(row, lines * LINE_HEIGHT)
        formats = self._row_formats(bold)
        if kinds:
            formats = [self.book.format(kinds[index], bold=bold) if index in kinds else fmt
                       for index, fmt in enumerate(formats)]
        if not self._rows_out.write(row, values, formats):
            for index, value in enumerate(values):
                self.write(row, index, value, formats[index])
        sums = self.totals
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            sums.filled[index] += 1
            if isinstance(value, int | float) and not isinstance(value, bool):
                sums.sums[index] += value
                sums.numbers[index] += 1
            elif isinstance(value, dt.date):  # a date is a number to COUNT
                sums.numbers[index] += 1
        if self.rows > 1:
            # The row above has gone to disk: its height is no longer needed (memory stays flat).
            self.sheet.row_info.pop(row - 1, None)
            self.sheet.row_sizes.pop(row - 1, None)
        self.row = row + 1

    def group(self, label: str, number: int | None = None) -> None:
        """A group row ("I" | "Các cơ quan chuyên môn"); the STT starts again under it."""
        self._start_data()
        fmt = self.book.format(bold=True, align="left", valign="vcenter")
        numeral = roman(number) if number is not None else ""
        self.sheet.write_string(self.row, 0, numeral, self.book.format(CENTER, bold=True, valign="vcenter"))
        self.sheet.merge_range(self.row, 1, self.row, self.last_column, clean(label), fmt)
        self.number = 0
        self.row += 1

    def note(self, text: str) -> None:
        """A line of explanation inside the table (an empty list)."""
        self._start_data()
        self._line(text, self.book.format(italic=True, align="left", wrap=True, valign="vcenter"))
        self.row += 1

    def finish(self, *, notes: Sequence[str] = ()) -> int | None:
        """The bold total row ("TỔNG CỘNG" over STT and the first column, as in the seeds' appendices) when
        a column has a total, then the notes under the table. Returns the total row (1-based), if any."""
        total_row = None
        if any(column.total for column in self.columns):
            total_row = self._total_row()
        if notes:
            self.row += 1  # a blank line between the table and its notes
        for text in notes:
            self._line(text, self.book.format(italic=True, border=False, align="left", wrap=True))
            self.row += 1
        return total_row

    def _total_row(self) -> int:
        first = (self.first_data_row if self.first_data_row is not None else self.row) + 1  # 1-based
        last = self.row  # 1-based number of the last row written
        row = self.row + 1
        letters = {index: xl_col_to_name(index) for index in range(len(self.columns))}
        figures = Figures({letter: self.totals.sums.get(index, 0) for index, letter in letters.items()},
                          {letter: self.totals.numbers.get(index, 0) for index, letter in letters.items()},
                          {letter: self.totals.filled.get(index, 0) for index, letter in letters.items()}, self.rows)
        label_fmt = self.book.format(TEXT, bold=True, align="center", valign="vcenter")
        self.sheet.merge_range(self.row, 0, self.row, 1, self.total_label, label_fmt)
        for index, column in enumerate(self.columns[2:], start=2):
            letter = xl_col_to_name(index)
            fmt = self.book.format(column.total_kind or column.kind, bold=True)
            if column.total is None:
                self.sheet.write_blank(self.row, index, None, fmt)
                continue
            if column.total == "sum":
                formula, value = f"=SUM({letter}{first}:{letter}{last})", self.totals.sums.get(index, 0)
            elif column.total == "count":
                formula, value = f"=COUNT({letter}{first}:{letter}{last})", self.totals.numbers.get(index, 0)
            elif column.total == "counta":
                formula, value = f"=COUNTA({letter}{first}:{letter}{last})", self.totals.filled.get(index, 0)
            elif isinstance(column.total, Total) and column.total.formula is None:
                self.write(self.row, index, column.total.value(figures), fmt)
                continue
            elif isinstance(column.total, Total):
                formula = column.total.formula.format(row=row, first=first, last=last)
                value = column.total.value(figures)
            else:
                raise ValueError(column.total)
            if value is None:
                value = ""
            self.sheet.write_formula(self.row, index, formula, fmt, value)
        self.row += 1
        return row

    # -- import templates -----------------------------------------------------------------------------------
    def validate_numbers(self, first_row: int, first_column: int, last_row: int, last_column: int, *,
                         minimum: float = 0, message: str = "Nhập một số không âm.") -> None:
        """Data validation on input cells (0-based, inclusive): a number ≥ `minimum`, with a Vietnamese
        prompt and error."""
        self.sheet.data_validation(first_row, first_column, last_row, last_column, {
            "validate": "decimal", "criteria": ">=", "value": minimum, "ignore_blank": True,
            "input_title": "Nhập số liệu", "input_message": message[:255],
            "error_title": "Số liệu không hợp lệ", "error_message": message[:255], "error_type": "stop",
        })

    def validate_list(self, first_row: int, first_column: int, last_row: int, last_column: int,
                      choices: Sequence[str], *, message: str) -> None:
        self.sheet.data_validation(first_row, first_column, last_row, last_column, {
            "validate": "list", "source": list(choices), "ignore_blank": True,
            "input_title": "Chọn giá trị", "input_message": message[:255],
            "error_title": "Giá trị không hợp lệ", "error_message": message[:255], "error_type": "stop",
        })


def rate_total(on_time: str, late: str, overdue: str) -> Total:
    """The on-time rate of the total row, recomputed from its sums (on time ÷ (on time + late + overdue)),
    never an average of the units' rates."""
    formula = (f'=IF(({on_time}{{row}}+{late}{{row}}+{overdue}{{row}})>0,'
               f'{on_time}{{row}}/({on_time}{{row}}+{late}{{row}}+{overdue}{{row}}),"")')

    def value(figures: Figures) -> float | str:
        sums = figures.sums
        due = sums[on_time] + sums[late] + sums[overdue]
        return round(sums[on_time] / due, 6) if due else ""

    return Total(formula, value)


def count_rows(column: str = "A") -> Total:
    """The number of data rows (STT is numbered 1..n in column A, so COUNT of it counts them)."""
    return Total(f"=COUNT({column}{{first}}:{column}{{last}})", lambda figures: figures.numbers[column])


def count_filled(column: str) -> Total:
    return Total(f"=COUNTA({column}{{first}}:{column}{{last}})", lambda figures: figures.filled[column])


class RowWriter:
    """Writes a data row's XML straight to the worksheet's row file, as xlsxwriter would write it.

    Why: in an export of 20,000 tasks, xlsxwriter's per-cell path (argument checks, a tuple stored per cell, the
    cell's XML built from attribute lists at the row's flush) took two thirds of the time. This writes the same
    `<row>`/`<c>` elements in one pass. It relies on xlsxwriter's constant-memory internals (`fh`,
    `previous_row`, `_write_single_row`, `_write_row`, `_check_dimensions`), pinned in pyproject.toml;
    tests/documents/test_appendix_rows.py writes the same rows both ways and requires the same sheet XML, so
    an xlsxwriter release that changes them fails there, not in a user's file.

    A row it cannot write exactly (a value other than text, a finite number, a date or None; a text that
    xlsxwriter would shorten) is left to xlsxwriter: `write` answers False. One difference, on purpose: a text
    typed as "<r>…</r>" is written as that text; xlsxwriter would copy it into the file as rich-text markup.
    """

    def __init__(self, sheet: Worksheet, columns: int) -> None:
        self.sheet = sheet
        self.last_column = columns - 1
        self.letters = [xl_col_to_name(index) for index in range(columns)]
        self.enabled = bool(getattr(sheet, "constant_memory", False))

    def write(self, row: int, values: Sequence[Any], formats: Sequence[Any]) -> bool:
        if not self.enabled:
            return False
        sheet = self.sheet
        if row > sheet.previous_row:
            # The row xlsxwriter still holds goes to the file first: its formats take their numbers in the
            # styles before this row's do, as they would through xlsxwriter.
            sheet._write_single_row(row)
        elif sheet.table.get(row):
            return False  # never here: a data row is written whole, once
        cells = self._cells(str(row + 1), values, formats)
        if cells is None:
            return False
        sheet._check_dimensions(row, 0)
        sheet._check_dimensions(row, self.last_column)
        sheet._write_row(row, None, sheet.row_info.pop(row, None))
        sheet.fh.write(cells)
        sheet.fh.write("</row>")
        return True

    def _cells(self, number: str, values: Sequence[Any], formats: Sequence[Any]) -> str | None:
        parts = []
        for letter, value, fmt in zip(self.letters, values, formats, strict=True):
            head = f'<c r="{letter}{number}" s="{fmt._get_xf_index()}"'
            kind = type(value)
            if value is None or value == "":
                parts.append(head + "/>")
            elif kind is str or kind is bool:
                text = _inline_text(clean(value) if kind is str else "Có" if value else "Không")
                if text is None:
                    return None
                parts.append(head + text)
            elif kind is int or (kind is float and math.isfinite(value)):
                parts.append(f"{head}><v>{value:.16G}</v></c>")
            elif kind is dt.date:
                parts.append(f"{head}><v>{value.toordinal() - EXCEL_EPOCH}</v></c>")
            else:
                return None
        return "".join(parts)


def _inline_text(text: str) -> str | None:
    """A text cell's type and content as xlsxwriter writes it in constant memory (an inline string)."""
    if len(text) > MAX_TEXT // 2:
        return None  # xlsxwriter counts UTF-16 units when it shortens a long text: leave those to it
    if "_x" in text or "\r" in text or "\ufffe" in text or "\uffff" in text:
        text = XMLwriter._escape_control_characters(text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'

