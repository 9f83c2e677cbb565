"""Excel imports of measurements and targets: every cell checked, every bad row listed, all or nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_enter_kpi_measurement, can_set_kpi_targets
from kpi_tasks.errors import PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.kpis import excel
from kpi_tasks.kpis.models import IMPORTED, Kpi
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.services import (
    check_figures,
    check_period_end,
    check_target_value,
    record_measurement,
    set_target,
)
from kpi_tasks.kpis.values import NotANumber, parse_number
from kpi_tasks.text import fold, format_date
from kpi_tasks.units.models import UNIT_KINDS, Unit


@dataclass
class Rejection:
    row: int
    message: str


class ImportRejected(ValidationError):
    """The file was refused whole; `rejected` lists every bad row with a Vietnamese message."""

    def __init__(self, rejected: list[Rejection]) -> None:
        count = len(rejected)
        super().__init__(
            f"Tệp không được nhập: có {count} dòng sai. Chưa có số liệu nào được ghi; sửa các dòng dưới đây "
            "rồi nhập lại cả tệp.",
            {"file": " ".join(item.message for item in rejected[:20])},
        )
        self.rejected = rejected


@dataclass
class ImportReport:
    imported: int
    units: int
    columns: list[str] = field(default_factory=list)


class UnitMatcher:
    """Finds a row's unit by its code, else by its name without regard to accents or case."""

    def __init__(self) -> None:
        units = list(db.session.scalars(sa.select(Unit).where(Unit.active.is_(True))))
        self.by_code = {unit.code.strip().upper(): unit for unit in units}
        self.by_name: dict[str, list[Unit]] = {}
        for unit in units:
            self.by_name.setdefault(fold(unit.name), []).append(unit)

    def match(self, code: str, name: str) -> tuple[Unit | None, str | None]:
        unit = self.by_code.get(code.strip().upper()) if code else None
        if unit is not None:
            return unit, None
        candidates = self.by_name.get(fold(name), []) if name else []
        if len(candidates) == 1:
            return candidates[0], None
        if len(candidates) > 1:
            return None, f"có {len(candidates)} đơn vị cùng tên “{name}”: ghi mã đơn vị để phân biệt"
        shown = " / ".join(f"“{part}”" for part in (code, name) if part)
        return None, f"không tìm thấy đơn vị {shown or '(trống)'} trong danh sách đơn vị"


def _row_label(row: excel.SheetRow) -> str:
    return f"Dòng {row.number} ({row.name or row.code or 'không tên'})"


def _header_rejection(sheet: excel.Sheet, message: str) -> Rejection:
    return Rejection(sheet.header_row, f"Dòng {sheet.header_row} (dòng tiêu đề): {message}.")


def _number(row: excel.SheetRow, offset: int, problems: list[str]) -> Any:
    raw = row.cells[offset] if offset < len(row.cells) else None
    try:
        return parse_number(raw)
    except NotANumber:
        problems.append(f"ô {excel.cell_name(row.number, offset)} “{raw}” không phải là số")
        return None


def _check_kpi_code(sheet: excel.Sheet, kpi: Kpi) -> None:
    if sheet.kpi_code and sheet.kpi_code != kpi.code:
        raise ImportRejected([Rejection(4, f"Dòng 4: tệp là biểu của chỉ tiêu “{sheet.kpi_code}”, không phải "
                                              f"“{kpi.code}”.")])


def _measurement_dates(sheet: excel.Sheet, width: int) -> list[dt.date]:
    """The days of the figures, read from the header row (one column per day, two for a ratio), or every
    problem of the header row at once."""
    rejected: list[Rejection] = []
    dates: list[dt.date] = []
    for index in range(0, len(sheet.headers), width):
        day = excel.header_date(sheet.headers[index])
        cell = excel.cell_name(sheet.header_row, index)
        date_errors: dict[str, str] = {}
        if day is None:
            rejected.append(_header_rejection(sheet, f"ô {cell} “{sheet.headers[index]}” không phải là ngày số liệu"))
            continue
        check_period_end(day, date_errors)
        if date_errors:
            rejected.append(_header_rejection(sheet, f"ô {cell}: {date_errors['period_end']}"))
        elif day in dates:
            rejected.append(_header_rejection(sheet, f"ô {cell}: ngày {format_date(day)} ghi hai lần"))
        dates.append(day)
    if not sheet.headers:
        rejected.append(_header_rejection(sheet, "chưa có cột ngày số liệu nào"))
    if rejected:
        raise ImportRejected(rejected)
    return dates


def _target_periods(sheet: excel.Sheet) -> list[Period]:
    """The periods of the targets, read from the header row, or every problem of the header row at once."""
    rejected: list[Rejection] = []
    periods: list[Period] = []
    for index, raw in enumerate(sheet.headers):
        cell = excel.cell_name(sheet.header_row, index)
        try:
            period = excel.header_period(raw)
        except ValidationError:
            rejected.append(_header_rejection(sheet, f"ô {cell} “{raw}” không phải là kỳ (Năm 2026, Quý I/2026, "
                                                     "Tháng 3/2026)"))
            continue
        if period in periods:
            rejected.append(_header_rejection(sheet, f"ô {cell}: kỳ {period.label} ghi hai lần"))
        periods.append(period)
    if not sheet.headers:
        rejected.append(_header_rejection(sheet, "chưa có cột kỳ nào"))
    if rejected:
        raise ImportRejected(rejected)
    return periods


def import_measurements(kpi: Kpi, actor: User, data: bytes) -> ImportReport:
    """Read a filled measurement template and record every figure as `imported`, or nothing at all."""
    sheet = excel.read_sheet(data)
    _check_kpi_code(sheet, kpi)
    width = 2 if kpi.is_ratio else 1
    dates = _measurement_dates(sheet, width)
    rejected: list[Rejection] = []
    matcher = UnitMatcher()
    seen: dict[int, int] = {}
    pending: list[tuple[Unit, dt.date, Any, Any, Any]] = []
    for row in sheet.rows:
        problems: list[str] = []
        unit, unknown = matcher.match(row.code, row.name)
        if unit is None:
            problems.append(unknown or "không rõ đơn vị")
        elif unit.id in seen:
            problems.append(f"đơn vị đã có ở dòng {seen[unit.id]}")
        elif not can_enter_kpi_measurement(actor, unit.id):
            problems.append("bạn chỉ được nhập số liệu của đơn vị mình")
        if unit is not None:
            seen.setdefault(unit.id, row.number)
        if len(row.cells) > width * len(dates):
            extra = excel.cell_name(row.number, width * len(dates))
            problems.append(f"ô {extra} có số liệu nhưng cột này không có ngày số liệu ở dòng tiêu đề")
        for date_index, day in enumerate(dates):
            first = date_index * width
            if all(excel.is_blank(row.cells[i]) if i < len(row.cells) else True for i in range(first, first + width)):
                continue  # no figure for this unit on this day
            unreadable = len(problems)
            figures = [_number(row, offset, problems) for offset in range(first, first + width)]
            if len(problems) > unreadable:
                continue  # text in a number cell, already listed
            numerator, denominator, value = (figures[0], figures[1], None) if kpi.is_ratio else (None, None, figures[0])
            errors, *_ = check_figures(kpi, numerator, denominator, value)
            for name, message in errors.items():
                cell = excel.cell_name(row.number, first + (1 if name == "denominator" else 0))
                problems.append(f"ô {cell} (ngày {format_date(day)}): {message[0].lower()}{message[1:].rstrip('.')}")
            if not errors and unit is not None:
                pending.append((unit, day, numerator, denominator, value))
        if problems:
            rejected.append(Rejection(row.number, f"{_row_label(row)}: " + "; ".join(problems) + "."))
    if rejected:
        raise ImportRejected(rejected)
    if not pending:
        raise ImportRejected([_header_rejection(sheet, "tệp chưa có số liệu nào")])
    for unit, day, numerator, denominator, value in pending:
        record_measurement(kpi, unit, day, numerator=numerator, denominator=denominator, value=value,
                           source=IMPORTED, actor=actor)
    return ImportReport(imported=len(pending), units=len({item[0].id for item in pending}),
                        columns=[format_date(day) for day in dates])


def import_targets(kpi: Kpi, actor: User, data: bytes) -> ImportReport:
    """Read a filled target template and set every target in it, or none."""
    if not can_set_kpi_targets(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được giao chỉ tiêu.")
    sheet = excel.read_sheet(data)
    _check_kpi_code(sheet, kpi)
    periods = _target_periods(sheet)
    rejected: list[Rejection] = []
    matcher = UnitMatcher()
    kinds = {excel.KIND_CODE_PREFIX + kind: kind for kind in UNIT_KINDS}
    kind_names = {fold(name(kind)): kind for kind in UNIT_KINDS
                  for name in (excel.kind_row_name, excel.old_kind_row_name)}
    seen: dict[str, int] = {}
    pending: list[tuple[int | None, str | None, Period, Any]] = []
    for row in sheet.rows:
        problems: list[str] = []
        kind = kinds.get(row.code.strip().lower()) or kind_names.get(fold(row.name))
        unit = None
        if kind is None:
            unit, unknown = matcher.match(row.code, row.name)
            if unit is None:
                problems.append(unknown or "không rõ đơn vị")
        key = f"kind:{kind}" if kind else f"unit:{unit.id if unit else row.number}"
        if key in seen:
            problems.append(f"đã có ở dòng {seen[key]}")
        seen.setdefault(key, row.number)
        if len(row.cells) > len(periods):
            problems.append("có giá trị ở cột không có kỳ ở dòng tiêu đề")
        for index, period in enumerate(periods):
            value = _number(row, index, problems)
            if value is None:
                continue
            errors: dict[str, str] = {}
            checked = check_target_value(kpi, value, errors)
            if errors:
                message = errors["target_value"]
                problems.append(f"ô {excel.cell_name(row.number, index)} (kỳ {period.label}): "
                                f"{message[0].lower()}{message[1:].rstrip('.')}")
            elif kind is not None or unit is not None:
                pending.append((unit.id if unit else None, kind, period, checked))
        if problems:
            rejected.append(Rejection(row.number, f"{_row_label(row)}: " + "; ".join(problems) + "."))
    if rejected:
        raise ImportRejected(rejected)
    if not pending:
        raise ImportRejected([_header_rejection(sheet, "tệp chưa có chỉ tiêu nào")])
    for unit_id, kind, period, value in pending:
        set_target(kpi, actor, period=period, target_value=value, unit_id=unit_id, unit_kind=kind)
    return ImportReport(imported=len(pending), units=len({(item[0], item[1]) for item in pending}),
                        columns=[period.code for period in periods])
