"""Excel workbooks of the KPI area: import templates, reading them back, the appendix export.

Every workbook is written by the one writer (documents/appendix.py). The layouts follow the seed directives'
appendices: a title block, then STT, Đơn vị and the figures, periods as columns (a ratio's period spans two
columns, numerator and denominator), a bold total row. Templates print on A4 landscape too, their input cells
are shaded and accept only numbers, their periods are written in Vietnamese ("Quý I/2026", "Số liệu đến ngày
19/03/2021") and the rows setting a target for every unit of a kind name the kind in words.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from kpi_tasks.documents.appendix import (
    CENTER,
    DECIMAL,
    INPUT_NUMBER,
    INT,
    PERCENT,
    POINTS,
    TEXT,
    WRAP,
    Appendix,
    Column,
    Figures,
    TitleBlock,
    Total,
    attached_to_report,
)
from kpi_tasks.errors import ValidationError
from kpi_tasks.kpis.models import DIRECTION_SIGNS, MEASURE_LABELS, Kpi
from kpi_tasks.kpis.periods import ROMAN, Period
from kpi_tasks.kpis.queries import ProgressRow, ProgressTable
from kpi_tasks.spreadsheets.reader import xlsx_rows
from kpi_tasks.text import fold, format_date
from kpi_tasks.units.models import UNIT_KIND_GROUP_LABELS, UNIT_KIND_LABELS, UNIT_KINDS, Unit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_FIGURE_COLUMN = 4  # A: STT, B: Mã đơn vị, C: Đơn vị, then the periods
MAX_ROWS = 5000
MAX_COLUMNS = 400
KPI_CODE_LABEL = "Mã chỉ tiêu:"
KIND_CODE_PREFIX = "*"  # "*department": how older templates named a kind's row (still read)
TEMPLATE_HEADER_ROW = 7


KIND_ROW_NAMES = {"department": "Tất cả các cơ quan chuyên môn", "commune": "Tất cả Ủy ban nhân dân các xã, phường",
                  "village": "Tất cả các thôn, ấp, tổ dân phố", "other": "Tất cả các đơn vị khác"}
# The kinds' names before the 2025 reform, which older templates wrote in that row.
_OLD_KIND_LABELS = {"department": "Phòng, ban chuyên môn", "commune": "Xã, thị trấn"}


def kind_row_name(kind: str) -> str:
    """The row that sets a target for every unit of a kind: "Tất cả các cơ quan chuyên môn"."""
    return KIND_ROW_NAMES[kind]


def old_kind_row_name(kind: str) -> str:
    """The name older templates gave that row ("Tất cả xã, thị trấn"), still read."""
    return "Tất cả " + _OLD_KIND_LABELS.get(kind, UNIT_KIND_LABELS[kind]).lower()


def _bytes(write: Any) -> bytes:
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


_UNIT_COLUMNS = [Column("Mã đơn vị", 14, TEXT), Column("Đơn vị", 42, WRAP)]


def _template(kpi: Kpi, units: Iterable[tuple[str, str] | Unit], figure_columns: list[Column], issuer: str,
              title: str, sheet_name: str, instructions: str) -> bytes:
    def write(target: io.BytesIO) -> None:
        with Appendix(target, title=f"{title} — {kpi.name}", author=issuer) as book:
            block = TitleBlock(issuer, title, kpi.name, instructions, None, code_line=(KPI_CODE_LABEL, kpi.code))
            sheet = book.sheet(sheet_name, block, [*_UNIT_COLUMNS, *figure_columns], first_frozen_column=3)
            first = sheet.row
            for unit in units:
                code, name = (unit.code, unit.name) if isinstance(unit, Unit) else unit
                sheet.append([code, name, *[None] * len(figure_columns)])
            if sheet.rows:
                sheet.validate_numbers(first, FIRST_FIGURE_COLUMN - 1, sheet.row - 1,
                                       FIRST_FIGURE_COLUMN - 2 + len(figure_columns),
                                       message="Nhập một số không âm (số nguyên không ghi phần thập phân); "
                                               "để trống nếu chưa có số liệu.")
    return _bytes(write)


def as_of_label(day: dt.date) -> str:
    return f"Số liệu đến ngày {format_date(day)}"


def measurement_template(kpi: Kpi, units: Iterable[Unit], period_ends: list[dt.date], issuer: str) -> bytes:
    """Units as rows, one column (value) or two (numerator, denominator) per "as of" date."""
    columns = []
    for day in period_ends:
        group = as_of_label(day)
        if kpi.is_ratio:
            columns += [Column(kpi.numerator_label or "Tử số", 16, INPUT_NUMBER, group=group),
                        Column(kpi.denominator_label or "Mẫu số", 16, INPUT_NUMBER, group=group)]
        else:
            columns.append(Column(f"Giá trị ({MEASURE_LABELS[kpi.measure]})", 16, INPUT_NUMBER, group=group))
    instructions = ("Điền số liệu vào các ô tô màu từ dòng 9, mỗi đơn vị một dòng; giữ nguyên cột Mã đơn vị và dòng "
                    "“Số liệu đến ngày …”. Ô để trống: đơn vị chưa có số liệu ngày đó. Số nguyên không ghi phần "
                    "thập phân.")
    return _template(kpi, units, columns, issuer, "Biểu nhập số liệu chỉ tiêu", "Số liệu", instructions)


def target_template(kpi: Kpi, units: Iterable[Unit], periods: list[Period], kinds: Iterable[str],
                    issuer: str) -> bytes:
    """Rows for every unit of a kind ("Tất cả …") then units; one column per period."""
    sign = DIRECTION_SIGNS[kpi.direction]
    columns = [Column(f"Chỉ tiêu {sign} ({MEASURE_LABELS[kpi.measure]})", 18, INPUT_NUMBER, group=period.label)
               for period in periods]
    rows: list[tuple[str, str] | Unit] = [("", kind_row_name(kind)) for kind in kinds]
    rows.extend(units)
    instructions = ("Mỗi cột là một kỳ giao (Năm 2026, Quý I/2026, Tháng 3/2026). Dòng “Tất cả …” giao cho mọi đơn "
                    "vị cùng loại; dòng của một đơn vị thay cho mức chung. Ô để trống: không giao.")
    return _template(kpi, rows, columns, issuer, "Biểu giao chỉ tiêu", "Chỉ tiêu", instructions)


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
        elif first.startswith(KPI_CODE_LABEL):  # "Mã chỉ tiêu: KYSO" in one cell, as templates write it now
            kpi_code = first[len(KPI_CODE_LABEL):].strip() or None
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


_PERIOD_LABEL = re.compile(r"(?:(nam)\s*(\d{4})|(quy)\s*([ivx]+|[1-4])\s*[/-]\s*(\d{4})"
                           r"|(thang)\s*(\d{1,2})\s*[/-]\s*(\d{4}))")


def header_period(value: Any) -> Period:
    """A template's period header: "Năm 2026", "Quý I/2026", "Tháng 3/2026", or the codes 2026, 2026-Q1, 2026-03
    of older templates. Raises ValidationError for anything else."""
    text = _text(value)
    match = _PERIOD_LABEL.fullmatch(fold(text))
    if match is None:
        return Period.parse(text)
    if match[1]:
        return Period.parse(match[2])
    if match[3]:
        quarter = match[4].upper()
        number = ROMAN.index(quarter) + 1 if quarter in ROMAN else int(quarter)
        if not 1 <= number <= 4:
            raise ValidationError(f"Quý “{text}” không hợp lệ.", {"period": "Quý từ I đến IV."})
        return Period.parse(f"{match[5]}-Q{number}")
    return Period.parse(f"{match[8]}-{int(match[7]):02d}")


# ------------------------------------------------------------------------------------------------ export

EXPORT_HEADER_ROW = 7  # rows 1–5: issuer, title, "(Kèm theo …)", period, date of extraction; 6: blank


def _fraction(percent: float | None) -> float | None:
    return None if percent is None else round(percent / 100, 6)


def _verdict(met: bool | None, has_data: bool) -> str:
    if not has_data:
        return "Chưa có số liệu"
    if met is None:
        return ""
    return "Đạt" if met else "Chưa đạt"


def _progress_columns(table: ProgressTable) -> list[Column]:
    kpi, total = table.kpi, table.total
    value_kind = PERCENT if kpi.is_rate else (INT if kpi.measure in ("count", "vnd") else DECIMAL)
    additive = kpi.is_ratio or kpi.measure != "percent"
    verdict = f"{total.units_met}/{total.units_with_target} đạt" if total and total.units_with_target else ""
    change = total.change if total else None
    columns = [Column("Đơn vị", 42, WRAP)]
    if kpi.is_ratio:
        def rate(figures: Figures) -> float | str:
            return round(figures.sums["C"] / figures.sums["D"], 6) if figures.sums["D"] else ""

        columns += [Column(kpi.numerator_label or "Tử số", 16, INT, "sum"),
                    Column(kpi.denominator_label or "Mẫu số", 16, INT, "sum"),
                    Column("Tỷ lệ (%)", 12, PERCENT, Total('=IF(D{row}>0,C{row}/D{row},"")', rate))]
    else:
        columns.append(Column(f"Giá trị ({MEASURE_LABELS[kpi.measure]})", 16, value_kind,
                              "sum" if additive else None))
    columns += [
        Column(f"Chỉ tiêu ({DIRECTION_SIGNS[kpi.direction]})", 12, value_kind),
        Column("Đánh giá", 14, CENTER, Total(None, lambda _figures: verdict)),
        # A change of a rate is in percentage points ("+30,00 điểm %"), of a figure in its own unit.
        Column(f"Thay đổi so với {table.previous.label}", 16, POINTS if kpi.is_rate else value_kind,
               Total(None, lambda _figures: change)),
    ]
    return columns


def _progress_values(row: ProgressRow, kpi: Kpi) -> list[Any]:
    values: list[Any] = [row.unit_name]
    if kpi.is_ratio:
        values += [row.numerator, row.denominator, _fraction(row.actual_value)]
    else:
        values.append(_fraction(row.actual_value) if kpi.is_rate else row.actual_value)
    return [*values, _fraction(row.target_value) if kpi.is_rate else row.target_value, _verdict(row.met, row.has_data),
            row.change]


def write_progress_workbook(target: io.BytesIO, table: ProgressTable, issuer: str, extracted_on: dt.date) -> None:
    """The progress table in the appendix layout (seed 000's Phụ lục 1): units grouped by kind and ranked within
    their group (departments and communes have different targets), a total row recomputed from the sums."""
    kpi = table.kpi
    as_of = table.total.as_of if table.total else None
    period = table.period.label + (f" (số liệu tính đến ngày {format_date(as_of)})" if as_of else "")
    title = f"Thống kê {kpi.name}"
    with Appendix(target, title=title, author=issuer) as book:
        block = TitleBlock(issuer, title, attached_to_report(issuer, extracted_on), period, extracted_on)
        sheet = book.sheet(table.period.label.replace("/", " năm "), block, _progress_columns(table))
        kinds = [kind for kind in UNIT_KINDS if any(row.unit_kind == kind for row in table.rows)]
        for number, kind in enumerate(kinds, start=1):
            sheet.group(UNIT_KIND_GROUP_LABELS[kind], number)
            for row in table.rows:
                if row.unit_kind == kind:
                    sheet.append(_progress_values(row, kpi))
        if not sheet.rows:
            sheet.note("Chưa có đơn vị nào có số liệu hoặc được giao chỉ tiêu trong kỳ.")
        if table.total is not None:
            sheet.finish()


def progress_workbook(table: ProgressTable, issuer: str, extracted_on: dt.date) -> bytes:
    return _bytes(lambda target: write_progress_workbook(target, table, issuer, extracted_on))
