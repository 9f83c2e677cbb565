"""Every state change of the dossiers area, as plain functions. They flush; callers commit once."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from kpi_tasks.accounts.models import SYSTEM, Actor, User
from kpi_tasks.accounts.permissions import can_import_dossiers, can_record_apology_letter, can_view_unit_dossiers
from kpi_tasks.accounts.roles import OFFICE, UNIT_MANAGER
from kpi_tasks.audit.services import record
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.calendar.workdays import WorkingCalendar
from kpi_tasks.clock import today as clock_today
from kpi_tasks.clock import utcnow
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.models import (
    ISSUED,
    LATE,
    PENDING,
    SHORT_TEXT_MAX,
    ApologyLetter,
    Dossier,
    DossierImport,
)
from kpi_tasks.dossiers.queries import late_predicate, monthly_figures
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.hooks import Subscribers
from kpi_tasks.kpis.models import COMPUTED, RATIO, Kpi
from kpi_tasks.kpis.services import get_kpi_by_code, record_measurement
from kpi_tasks.text import format_date
from kpi_tasks.units.models import Unit
from kpi_tasks.validation import check_text

REASON_MAX = 2000


# --------------------------------------------------------------------------------------------- look-ups

def get_dossier_or_404(dossier_id: int, user: User) -> Dossier:
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or not can_view_unit_dossiers(user, dossier.unit_id):
        raise NotFound("Không tìm thấy hồ sơ hoặc bạn không có quyền xem.")
    return dossier


def get_letter_or_404(letter_id: int, user: User, for_edit: bool = False) -> ApologyLetter:
    letter = db.session.get(ApologyLetter, letter_id)
    if letter is None or not can_view_unit_dossiers(user, letter.unit_id):
        raise NotFound("Không tìm thấy phiếu xin lỗi hoặc bạn không có quyền xem.")
    if for_edit and not can_record_apology_letter(user, letter.unit_id):
        raise PermissionDenied("Chỉ đơn vị giải quyết hồ sơ hoặc Văn phòng được ghi nhận phiếu xin lỗi.")
    return letter


def letter_of(dossier: Dossier) -> ApologyLetter | None:
    return db.session.scalar(sa.select(ApologyLetter).where(ApologyLetter.dossier_id == dossier.id))


# ------------------------------------------------------------------------------------------ obligations

def letter_days_before() -> int:
    """APOLOGY_LETTER_DAYS_BEFORE_DUE: 0 = the letter is due on the dossier's due date."""
    return max(0, int(current_app.config.get("APOLOGY_LETTER_DAYS_BEFORE_DUE", 0)))


def letter_horizon(today: dt.date) -> dt.date:
    """The last due date whose letter is due by today: today + N working days (today itself when N = 0)."""
    days_before = letter_days_before()
    return current_calendar().add_working_days(today, days_before) if days_before else today


def letter_due_by(calendar: WorkingCalendar, effective_due: dt.date, days_before: int) -> dt.date:
    return effective_due if days_before <= 0 else calendar.add_working_days(effective_due, -days_before)


def _due_by_groups(
    condition: sa.ColumnElement[bool], days_before: int
) -> list[tuple[dt.date | None, sa.ColumnElement]]:
    """(effective due date or None for all, due_by expression) pairs covering the dossiers of `condition`.

    With letters due on the due date itself one statement does; with N working days before, one statement
    per distinct due date (a few hundred a year at most), each with its due_by worked out on the calendar.
    """
    if days_before <= 0:
        return [(None, Dossier.effective_due_on)]
    calendar = current_calendar()
    dates = db.session.scalars(sa.select(Dossier.effective_due_on).where(condition).distinct())
    return [(due, sa.literal(letter_due_by(calendar, due, days_before), sa.Date)) for due in dates]


def create_apology_obligations(today: dt.date) -> int:
    """One pending obligation for each late dossier that has none yet; returns how many were created.

    Idempotent (unique on the dossier, and only dossiers without one are selected), set-based SQL, so the
    daily `kpi-tasks scan` and every import may call it. Letters that the export already dates are
    recorded on the new obligations at once (`issued` or `late`).
    """
    table = ApologyLetter.__table__
    without_letter = ~sa.exists().where(ApologyLetter.dossier_id == Dossier.id)
    condition = sa.and_(late_predicate(today), without_letter)
    now = utcnow()
    # Counted, not taken from rowcount: psycopg reports -1 for INSERT … SELECT through SQLAlchemy.
    count = sa.select(sa.func.count()).select_from(table)
    before = db.session.scalar(count) or 0
    for due, due_by in _due_by_groups(condition, letter_days_before()):
        rows = sa.select(Dossier.id, Dossier.unit_id, due_by, sa.literal(PENDING), sa.literal(""),
                         sa.literal(now, sa.DateTime(timezone=True)), sa.literal(1)).where(condition)
        if due is not None:
            rows = rows.where(Dossier.effective_due_on == due)
        db.session.execute(sa.insert(table).from_select(
            ["dossier_id", "unit_id", "due_by", "status", "reason", "created_at", "version"], rows))
    apply_exported_letters()
    return (db.session.scalar(count) or 0) - before


def _dossier_value(column: sa.Column) -> sa.ScalarSelect:
    table = ApologyLetter.__table__
    return sa.select(column).where(Dossier.__table__.c.id == table.c.dossier_id).scalar_subquery()


def apply_exported_letters() -> None:
    """Pending obligations whose dossier's export gives the letter date: recorded from the export."""
    table = ApologyLetter.__table__
    dossiers = Dossier.__table__
    letter_on = _dossier_value(dossiers.c.apology_letter_on)
    db.session.execute(
        sa.update(table)
        .where(table.c.status == PENDING, letter_on.is_not(None))
        .values(issued_on=letter_on, new_appointment_on=_dossier_value(dossiers.c.new_appointment_on),
                status=sa.case((letter_on <= table.c.due_by, ISSUED), else_=LATE), recorded_at=utcnow(),
                version=table.c.version + 1)
    )



# Rows of the packages above that point at an obligation, dropped with it: `drop(ids)` deletes those whose
# obligation id is in the `ids` select. Registered by web.init_app (notifications' apology reminders).
ObligationDependant = Callable[[sa.Select], None]
obligation_dependants: Subscribers[ObligationDependant] = Subscribers("what points at an apology obligation")

def refresh_pending_obligations(today: dt.date) -> None:
    """After an import corrected dossiers: a pending obligation follows its dossier's unit and due date,
    and goes away if the corrected dossier is not late after all. Recorded letters are history: kept."""
    table = ApologyLetter.__table__
    dossiers = Dossier.__table__
    pending = table.c.status == PENDING
    gone = sa.and_(pending, table.c.dossier_id.in_(sa.select(Dossier.id).where(sa.not_(late_predicate(today)))))
    # What points at them goes with them (notifications' reminders): the foreign keys cascade on PostgreSQL,
    # SQLite does not enforce them.
    for drop in obligation_dependants:
        drop(sa.select(table.c.id).where(gone))
    db.session.execute(sa.delete(table).where(gone))
    unit_of = _dossier_value(dossiers.c.unit_id)
    db.session.execute(sa.update(table).where(pending, table.c.unit_id != unit_of)
                       .values(unit_id=unit_of, version=table.c.version + 1))
    has_pending = sa.exists().where(table.c.dossier_id == Dossier.id, pending)
    for due, due_by in _due_by_groups(has_pending, letter_days_before()):
        if due is None:
            due_by = _dossier_value(dossiers.c.effective_due_on)
            condition = pending
        else:
            condition = sa.and_(pending, table.c.dossier_id.in_(
                sa.select(Dossier.id).where(Dossier.effective_due_on == due)))
        db.session.execute(sa.update(table).where(condition, table.c.due_by != due_by)
                           .values(due_by=due_by, version=table.c.version + 1))


def record_apology_letter(
    letter: ApologyLetter,
    actor: User,
    *,
    issued_on: dt.date | None,
    new_appointment_on: dt.date | None,
    reason: str | None,
    signer: str | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> ApologyLetter:
    """Record (or correct) the letter sent: `issued` when dated on or before its due day, else `late`.

    The letter's own date decides, as the Decree asks that it reach the applicant by then; it cannot be in
    the future, and who recorded it and when stays in the audit log.
    """
    if not can_record_apology_letter(actor, letter.unit_id):
        raise PermissionDenied("Chỉ đơn vị giải quyết hồ sơ hoặc Văn phòng được ghi nhận phiếu xin lỗi.")
    if expected_version is not None and expected_version != letter.version:
        raise ConflictError("Phiếu xin lỗi vừa được người khác cập nhật. Vui lòng tải lại trang rồi thực hiện lại.")
    today = today or clock_today()
    dossier = letter.dossier
    errors: dict[str, str] = {}
    reason = check_text(errors, "reason", reason, "lý do chậm trễ", required=True, max_length=REASON_MAX)
    signer = check_text(errors, "signer", signer, "người ký", max_length=SHORT_TEXT_MAX) or None
    if issued_on is None:
        errors["issued_on"] = "Chưa nhập ngày gửi phiếu xin lỗi."
    elif issued_on > today:
        errors["issued_on"] = f"Ngày gửi phiếu không được sau hôm nay ({format_date(today)})."
    elif issued_on < dossier.received_on:
        errors["issued_on"] = f"Ngày gửi phiếu trước ngày tiếp nhận hồ sơ ({format_date(dossier.received_on)})."
    if new_appointment_on is None:
        errors["new_appointment_on"] = "Chưa nhập ngày hẹn lại trả kết quả."
    elif new_appointment_on <= dossier.due_on:
        errors["new_appointment_on"] = (f"Ngày hẹn lại phải sau ngày hẹn trả ban đầu "
                                        f"({format_date(dossier.due_on)}).")
    elif issued_on is not None and new_appointment_on < issued_on:
        errors["new_appointment_on"] = "Ngày hẹn lại không được trước ngày gửi phiếu."
    if errors:
        raise ValidationError("Thông tin phiếu xin lỗi chưa hợp lệ.", errors)
    status = ISSUED if issued_on <= letter.due_by else LATE
    new = {"issued_on": issued_on, "new_appointment_on": new_appointment_on, "reason": reason, "signer": signer,
           "status": status}
    changes = {key: (getattr(letter, key), value) for key, value in new.items() if getattr(letter, key) != value}
    action = "apology_record" if letter.status == PENDING else "apology_correct"
    if not changes:
        return letter
    for key, value in new.items():
        setattr(letter, key, value)
    letter.recorded_by_id = actor.id
    letter.recorded_at = utcnow()
    db.session.flush()
    record(actor, "apology_letter", letter.id, action, changes, note=f"Hồ sơ {dossier.code}")
    return letter


# ----------------------------------------------------------------------------------------- computed KPIs

@dataclass(frozen=True)
class ComputedKpi:
    key: str  # the key of queries.MonthlyFigures.figures
    code: str
    name: str
    numerator_label: str
    denominator_label: str
    description: str


COMPUTED_KPIS = (
    ComputedKpi("on_time", "TTHC_DUNG_HAN", "Tỷ lệ hồ sơ TTHC giải quyết đúng hạn",
                "Số hồ sơ giải quyết đúng hạn", "Số hồ sơ đã giải quyết",
                "Tính từ dữ liệu hồ sơ TTHC theo tháng trả kết quả (ngày hẹn trả rơi vào ngày nghỉ thì tính "
                "đến ngày làm việc kế tiếp)."),
    ComputedKpi("online", "TTHC_TRUC_TUYEN", "Tỷ lệ hồ sơ TTHC nộp trực tuyến",
                "Số hồ sơ nộp trực tuyến", "Số hồ sơ tiếp nhận (có ghi hình thức nộp)",
                "Tính từ dữ liệu hồ sơ TTHC theo tháng tiếp nhận."),
    ComputedKpi("online_payment", "TTHC_THANH_TOAN_TT", "Tỷ lệ hồ sơ TTHC thanh toán trực tuyến",
                "Số hồ sơ thanh toán trực tuyến", "Số hồ sơ có nghĩa vụ tài chính (có ghi thanh toán)",
                "Tính từ dữ liệu hồ sơ TTHC theo tháng tiếp nhận; hồ sơ để trống cột thanh toán được coi là "
                "không phải nộp phí, lệ phí."),
    ComputedKpi("digitised", "TTHC_SO_HOA", "Tỷ lệ hồ sơ TTHC được số hóa",
                "Số hồ sơ được số hóa", "Số hồ sơ tiếp nhận (có ghi số hóa)",
                "Tính từ dữ liệu hồ sơ TTHC theo tháng tiếp nhận."),
)


def ensure_computed_kpis() -> dict[str, Kpi]:
    """The dossier KPIs by key, created in the catalogue when missing; ones the office retired are skipped.

    Created directly (the KPI area's `create_kpi` asks for a person allowed to edit the catalogue; this is
    the product itself), with the same audit entry.
    """
    kpis: dict[str, Kpi] = {}
    for spec in COMPUTED_KPIS:
        kpi = get_kpi_by_code(spec.code)
        if kpi is None:
            kpi = Kpi(code=spec.code, name=spec.name, measure="percent", formula=RATIO, direction="at_least",
                      aggregation="sum", numerator_label=spec.numerator_label,
                      denominator_label=spec.denominator_label, description=spec.description)
            db.session.add(kpi)
            db.session.flush()
            record(None, "kpi", kpi.id, "create", {"code": (None, spec.code), "name": (None, spec.name)},
                   note="Tạo tự động cho số liệu hồ sơ TTHC")
        if kpi.active:
            kpis[spec.key] = kpi
    return kpis


def _month_end(first_day: dt.date) -> dt.date:
    return (first_day + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def record_dossier_measurements(touched: set[tuple[int, dt.date]]) -> int:
    """Write the monthly rates of the (unit, first day of month) pairs given as `computed` KPI measurements,
    dated the month's last day (one figure per month: the KPIs sum them over a quarter or a year)."""
    if not touched:
        return 0
    kpis = ensure_computed_kpis()
    months = [month for _, month in touched]
    units = {unit.id: unit for unit in db.session.scalars(
        sa.select(Unit).where(Unit.id.in_({unit_id for unit_id, _ in touched})))}
    written = 0
    # Each call looks its row up before writing; only audit entries are pending then, which that look-up
    # does not need, so they go out with the next write instead of in a flush of their own.
    with db.session.no_autoflush:
        for figures in monthly_figures(min(months), max(months)):
            if (figures.unit_id, figures.month) not in touched:
                continue
            for key, (numerator, denominator) in figures.figures.items():
                if key not in kpis or denominator == 0:
                    continue
                record_measurement(kpis[key], units[figures.unit_id], _month_end(figures.month),
                                   numerator=numerator, denominator=denominator, source=COMPUTED,
                                   actor=SYSTEM)
                written += 1
    db.session.flush()
    return written


# ---------------------------------------------------------------------------------------------- imports

@dataclass
class ImportOutcome:
    imported: int
    created: int
    updated: int
    unchanged: int
    obligations_created: int
    measurements: int
    record: DossierImport


def import_dossiers(
    path: Path,
    actor: Actor,
    *,
    file_name: str,
    kind: str | None = None,
    today: dt.date | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportOutcome:
    """Import a dossier-system export whole or not at all.

    Raises DossierImportRejected (every bad row with its message) before anything is written. Then the
    dossiers are upserted on their code, pending obligations follow corrected dossiers, obligations are
    created for the late ones, and the units' months that new or changed dossiers touch get their computed
    KPI measurements. `actor` is the office's user, or SYSTEM for the console command.
    """
    if not can_import_dossiers(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được nhập dữ liệu hồ sơ TTHC.")
    today = today or clock_today()
    calendar = current_calendar()
    with tempfile.TemporaryFile(prefix="kpi-dossiers-") as spill:
        try:
            kind = kind or importing.detect_kind(path, file_name)
            _rows, rejected = importing.validate(path, kind, calendar, today, progress, spill)
        except importing.FileRefused as error:
            raise importing.DossierImportRejected(error.rejected) from error
        if rejected:
            raise importing.DossierImportRejected(rejected)
        written = importing.write(spill, progress)
    refresh_pending_obligations(today)
    obligations = create_apology_obligations(today)
    measurements = record_dossier_measurements(written.touched)
    log = DossierImport(file_name=file_name[:SHORT_TEXT_MAX], rows=written.rows, created=written.created,
                        updated=written.updated, unchanged=written.unchanged, obligations_created=obligations,
                        imported_by_id=actor.id if actor else None)
    db.session.add(log)
    db.session.flush()
    record(actor, "dossier_import", log.id, "dossier_import",
           {"rows": (None, written.rows), "created": (None, written.created), "updated": (None, written.updated),
            "obligations_created": (None, obligations)}, note=file_name)
    return ImportOutcome(imported=written.rows, created=written.created, updated=written.updated,
                         unchanged=written.unchanged, obligations_created=obligations, measurements=measurements,
                         record=log)


def recent_imports(limit: int = 10) -> list[DossierImport]:
    return list(db.session.scalars(sa.select(DossierImport).order_by(DossierImport.id.desc()).limit(limit)))


# ----------------------------------------------------------------------------------------- the daily scan

def overdue_obligations(today: dt.date, escalate_before: dt.date) -> list[tuple[int, int, dt.date]]:
    """(user id, obligation id, due day) of each pending obligation past its day, to each head of the handling
    unit, and to every office user once it is due before `escalate_before` (the office hears of the laggards,
    not of every letter a day late)."""
    overdue = sa.and_(ApologyLetter.status == PENDING, ApologyLetter.due_by < today)
    to_unit = (sa.select(User.id, ApologyLetter.id, ApologyLetter.due_by).select_from(ApologyLetter)
               .join(User, sa.and_(User.unit_id == ApologyLetter.unit_id, User.role == UNIT_MANAGER,
                                   User.active.is_(True)))
               .where(overdue))
    to_office = (sa.select(User.id, ApologyLetter.id, ApologyLetter.due_by).select_from(ApologyLetter)
                 .join(User, sa.and_(User.role == OFFICE, User.active.is_(True)))
                 .where(overdue, ApologyLetter.due_by < escalate_before))
    return [tuple(row) for statement in (to_unit, to_office) for row in db.session.execute(statement)]
