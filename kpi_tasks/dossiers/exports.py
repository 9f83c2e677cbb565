"""Excel exports of the administrative dossiers (seed 001): the late dossiers of a month, the register of apology
letters by unit, the units late in two or more consecutive months of a year. Each is a plain function writing
an appendix workbook (documents/appendix.py) to a binary file, with the rows the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import dossier_visibility_clause
from kpi_tasks.documents.appendix import (
    CENTER,
    DATE,
    DOSSIER_COUNT,
    INT,
    WRAP,
    Appendix,
    Column,
    TitleBlock,
    attached_to_report,
    count_rows,
)
from kpi_tasks.documents.identity import Identity
from kpi_tasks.dossiers.models import CHANNEL_LABELS, LETTER_STATUS_LABELS, ApologyLetter, Dossier
from kpi_tasks.dossiers.queries import (
    DOSSIER_STATUS_LABELS,
    RepeatOffender,
    late_predicate,
    letter_rows_query,
    status_expression,
)
from kpi_tasks.extensions import db
from kpi_tasks.units.models import UNIT_KIND_GROUP_LABELS, UNIT_KINDS, Unit

STREAM_BATCH = 1000

# --- late dossiers of a month --------------------------------------------------------------------------------

LATE_COLUMNS = [
    Column("Mã hồ sơ", 26, WRAP),
    Column("Tên thủ tục hành chính", 40, WRAP, count_rows(), DOSSIER_COUNT),
    Column("Người nộp", 22, WRAP),
    Column("Đơn vị giải quyết", 24, WRAP),
    Column("Ngày tiếp nhận", 12, DATE),
    Column("Ngày hẹn trả", 12, DATE),
    Column("Ngày trả kết quả", 12, DATE),
    Column("Số ngày trễ hạn", 10, INT, "sum"),
    Column("Tình trạng", 18, WRAP),
    Column("Phiếu xin lỗi", 18, WRAP),
]


def late_dossiers_query(user: User, month: dt.date, today: dt.date, unit_id: int | None = None) -> sa.Select:
    """The late dossiers due in `month` (resolved after their day, or past it unresolved) that `user` may see,
    by kind of unit, unit and due date."""
    end = (month + dt.timedelta(days=32)).replace(day=1)
    kind_order = sa.case(*[(Unit.kind == kind, index) for index, kind in enumerate(UNIT_KINDS)], else_=len(UNIT_KINDS))
    query = (
        sa.select(Dossier, status_expression(today).label("status"), Unit.name.label("unit_name"),
                  Unit.kind.label("unit_kind"), ApologyLetter.status.label("letter_status"))
        .join(Unit, Unit.id == Dossier.unit_id)
        .outerjoin(ApologyLetter, ApologyLetter.dossier_id == Dossier.id)
        .where(dossier_visibility_clause(user, Dossier.unit_id), late_predicate(today),
               Dossier.effective_due_on >= month, Dossier.effective_due_on < end)
        .order_by(kind_order, Unit.name, Dossier.effective_due_on, Dossier.code)
    )
    if unit_id:
        query = query.where(Dossier.unit_id == unit_id)
    return query


def write_late_dossiers(target: IO[bytes], rows: Iterable[Any], month: dt.date, identity: Identity,
                        today: dt.date) -> int:
    """The late dossiers of a month, grouped by kind of unit; returns the number of dossiers."""
    label = f"tháng {month.month}/{month.year}"
    title = f"Danh sách hồ sơ thủ tục hành chính trễ hạn {label}"
    with Appendix(target, title=title, author=identity.issuing_body) as book:
        block = TitleBlock(identity.issuing_body, title, attached_to_report(identity.issuing_body_short, today),
                           f"Hồ sơ có ngày hẹn trả trong {label}, trả kết quả sau ngày hẹn hoặc đã quá hạn mà chưa trả",
                           today)
        sheet = book.sheet("Hồ sơ trễ hạn", block, LATE_COLUMNS)
        kind, number = None, 0
        for row in rows:
            dossier = row.Dossier
            if row.unit_kind != kind:
                kind, number = row.unit_kind, number + 1
                sheet.group(UNIT_KIND_GROUP_LABELS.get(kind, kind), number)
            end = dossier.resolved_on or today
            sheet.append([dossier.code, dossier.procedure, dossier.applicant or "", row.unit_name,
                          dossier.received_on, dossier.effective_due_on, dossier.resolved_on,
                          max((end - dossier.effective_due_on).days, 0), DOSSIER_STATUS_LABELS[row.status],
                          LETTER_STATUS_LABELS.get(row.letter_status or "", "")])
        if not sheet.rows:
            sheet.note(f"Không có hồ sơ trễ hạn trong {label}.")
        sheet.finish()
    return sheet.rows


def export_late_dossiers(target: IO[bytes], user: User, month: dt.date, identity: Identity, today: dt.date,
                         unit_id: int | None = None) -> int:
    query = late_dossiers_query(user, month, today, unit_id).execution_options(yield_per=STREAM_BATCH)
    return write_late_dossiers(target, db.session.execute(query), month, identity, today)


# --- the register of apology letters, by unit -------------------------------------------------------------

SUMMARY_COLUMNS = [
    Column("Đơn vị", 36, WRAP),
    Column("Chưa gửi phiếu", 12, INT, "sum"),
    Column("Trong đó quá hạn gửi", 12, INT, "sum"),
    Column("Gửi đúng hạn", 12, INT, "sum"),
    Column("Gửi trễ hạn", 12, INT, "sum"),
    Column("Tổng số phiếu phải gửi", 12, INT, "sum"),
]
REGISTER_COLUMNS = [
    Column("Mã hồ sơ", 26, WRAP),
    Column("Tên thủ tục hành chính", 36, WRAP, count_rows(), DOSSIER_COUNT),
    Column("Người nhận phiếu", 20, WRAP),
    Column("Hạn gửi phiếu", 12, DATE),
    Column("Ngày gửi phiếu", 12, DATE),
    Column("Ngày hẹn trả lại", 12, DATE),
    Column("Lý do trễ hạn", 34, WRAP),
    Column("Người ký phiếu", 18, WRAP),
    Column("Tình trạng", 16, WRAP),
]


def _letters_of_year(user: User, today: dt.date, year: int) -> list[Any]:
    query = letter_rows_query(user, today).where(ApologyLetter.due_by >= dt.date(year, 1, 1),
                                                 ApologyLetter.due_by <= dt.date(year, 12, 31))
    return list(db.session.execute(query.order_by(None).order_by(Unit.name, ApologyLetter.due_by,
                                                                    ApologyLetter.id)))


def write_letter_register(target: IO[bytes], user: User, year: int, identity: Identity, today: dt.date) -> int:
    """Sheet 1: each unit's letters (owed, overdue, issued on time, late); sheet 2: every letter, under a group
    row per unit. Returns the number of letters."""
    rows = _letters_of_year(user, today, year)
    by_unit: dict[str, list[Any]] = {}
    for row in rows:
        by_unit.setdefault(row.unit_name, []).append(row)
    title = f"Sổ theo dõi phiếu xin lỗi và hẹn lại ngày trả kết quả năm {year}"
    attached = attached_to_report(identity.issuing_body_short, today)
    period = f"Phiếu có hạn gửi trong năm {year} (mẫu số 04, Thông tư 01/2018/TT-VPCP)"
    with Appendix(target, title=title, author=identity.issuing_body) as book:
        summary = book.sheet("Theo đơn vị", TitleBlock(identity.issuing_body, f"Tổng hợp phiếu xin lỗi theo đơn vị "
                                                                            f"năm {year}", attached, period, today),
                             SUMMARY_COLUMNS)
        for unit_name, letters in by_unit.items():
            pending = [row for row in letters if row.ApologyLetter.status == "pending"]
            summary.append([unit_name, len(pending), sum(1 for row in pending if row.ApologyLetter.due_by < today),
                            sum(1 for row in letters if row.ApologyLetter.status == "issued"),
                            sum(1 for row in letters if row.ApologyLetter.status == "late"), len(letters)])
        if not summary.rows:
            summary.note(f"Không có phiếu xin lỗi nào có hạn gửi trong năm {year}.")
        summary.finish()

        register = book.sheet("Sổ theo dõi", TitleBlock(identity.issuing_body, title, attached, period, today),
                              REGISTER_COLUMNS)
        for number, (unit_name, letters) in enumerate(by_unit.items(), start=1):
            register.group(unit_name, number)
            for row in letters:
                letter = row.ApologyLetter
                register.append([row.dossier_code, row.procedure, row.applicant or "", letter.due_by,
                                 letter.issued_on, letter.new_appointment_on, letter.reason or "", letter.signer or "",
                                 LETTER_STATUS_LABELS.get(letter.status, letter.status)])
        if not register.rows:
            register.note(f"Không có phiếu xin lỗi nào có hạn gửi trong năm {year}.")
        register.finish()
    return len(rows)


# --- units late in consecutive months ---------------------------------------------------------------------

OFFENDER_COLUMNS = [
    Column("Đơn vị", 36, WRAP),
    Column("Các tháng liên tiếp có hồ sơ trễ hạn (số hồ sơ)", 52, WRAP),
    Column("Số tháng", 10, CENTER, "sum", INT),
    Column("Số hồ sơ trễ hạn", 12, INT, "sum"),
]


def _runs_text(offender: RepeatOffender) -> str:
    return "\n".join(", ".join(f"{month:%m/%Y} ({count})" for month, count in run.months) for run in offender.runs)


def write_repeat_offenders(target: IO[bytes], offenders: list[RepeatOffender], year: int, identity: Identity,
                           today: dt.date) -> int:
    """The units with late dossiers in two or more consecutive months touching `year` (seed 001)."""
    title = f"Danh sách đơn vị có hồ sơ trễ hạn từ 02 tháng liên tiếp trở lên năm {year}"
    with Appendix(target, title=title, author=identity.issuing_body) as book:
        block = TitleBlock(identity.issuing_body, title, attached_to_report(identity.issuing_body_short, today),
                           "Hồ sơ trễ hạn tính vào tháng của ngày hẹn trả kết quả", today)
        sheet = book.sheet(f"Trễ hạn liên tiếp {year}", block, OFFENDER_COLUMNS)
        for offender in offenders:
            sheet.append([offender.unit_name, _runs_text(offender), offender.months, offender.dossiers])
        if not sheet.rows:
            sheet.note(f"Không có đơn vị nào có hồ sơ trễ hạn 02 tháng liên tiếp trở lên trong năm {year}.")
        sheet.finish()
    return sheet.rows


# --- the lists as their pages show them -------------------------------------------------------------------

DOSSIER_LIST_COLUMNS = [
    Column("Mã hồ sơ", 26, WRAP),
    Column("Tên thủ tục hành chính", 38, WRAP, count_rows(), DOSSIER_COUNT),
    Column("Người nộp", 20, WRAP),
    Column("Đơn vị xử lý", 24, WRAP),
    Column("Ngày tiếp nhận", 12, DATE),
    Column("Ngày hẹn trả", 12, DATE),
    Column("Ngày trả kết quả", 12, DATE),
    Column("Kênh nộp", 12, WRAP),
    Column("Tình trạng", 18, WRAP),
    Column("Phiếu xin lỗi", 16, WRAP),
]
LETTER_LIST_COLUMNS = [
    Column("Mã hồ sơ", 26, WRAP),
    Column("Tên thủ tục hành chính", 36, WRAP, count_rows(), DOSSIER_COUNT),
    Column("Người nộp", 20, WRAP),
    Column("Đơn vị", 24, WRAP),
    Column("Hạn gửi phiếu", 12, DATE),
    Column("Tình trạng", 16, WRAP),
    Column("Ngày gửi phiếu", 12, DATE),
    Column("Ngày hẹn trả lại", 12, DATE),
]


def dossier_list_values(row: Any) -> list[Any]:
    """A row of dossiers.queries.dossier_rows_query as the list page shows it."""
    dossier = row.Dossier
    return [dossier.code, dossier.procedure, dossier.applicant or "", row.unit_name, dossier.received_on,
            dossier.effective_due_on, dossier.resolved_on, CHANNEL_LABELS.get(dossier.channel or "", ""),
            DOSSIER_STATUS_LABELS[row.status], LETTER_STATUS_LABELS.get(row.letter_status or "", "")]


def letter_list_values(row: Any) -> list[Any]:
    """A row of dossiers.queries.letter_rows_query as the list page shows it."""
    letter = row.ApologyLetter
    return [row.dossier_code, row.procedure or "", row.applicant or "", row.unit_name, letter.due_by,
            letter.status_label, letter.issued_on, letter.new_appointment_on]
