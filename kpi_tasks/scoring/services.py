"""Every state change of the scoring area, as plain functions. Each flushes and logs; callers commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_decide_score_objection,
    can_manage_scoring,
    can_object_to_score,
    oversees_unit,
)
from kpi_tasks.audit.services import record
from kpi_tasks.clock import today, utcnow
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.scoring.lines import LINES, item_label, line_items, whole_line_label
from kpi_tasks.scoring.models import (
    OBJECTION_ACCEPTED,
    OBJECTION_PENDING,
    OBJECTION_REJECTED,
    SUBJECT_TASK,
    ScoreObjection,
    ScoreRule,
    Scoring,
    UnitScore,
)
from kpi_tasks.scoring.queries import (
    Period,
    ScoringResult,
    breakdown_task_ids,
    compute_scoring,
    latest_rule,
    latest_scoring,
    published_units,
    rule_is_used,
    year_period,
)
from kpi_tasks.scoring.rules import default_settings, validate_settings
from kpi_tasks.tasks.models import Task
from kpi_tasks.text import format_date
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

MIN_YEAR, MAX_YEAR = 2000, 2100
# A scoring period longer than this is a typing mistake, not an emulation period.
MAX_PERIOD_DAYS = 731


def check_year(year: int | None) -> int:
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError("Năm chấm điểm không hợp lệ.", {"year": f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}."})
    return year


def scoring_period(year: int, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The period of a year's scoring (default 01/01–31/12), computed as of today."""
    check_year(year)
    period = year_period(year, today(), start, end)
    errors = {}
    if period.start > period.end:
        errors["period_end"] = "Ngày kết thúc kỳ phải sau ngày bắt đầu."
    elif (period.end - period.start).days > MAX_PERIOD_DAYS:
        errors["period_end"] = "Kỳ chấm điểm dài tối đa 2 năm."
    if errors:
        raise ValidationError("Kỳ chấm điểm chưa hợp lệ.", errors)
    return period


def period_unfinished(period: Period) -> bool:
    """The period has not ended: its last day is today or later."""
    return period.as_of <= period.end


def unfinished_warning(period: Period) -> str:
    return (f"Kỳ đánh giá {format_date(period.start)}–{format_date(period.end)} chưa kết thúc (hôm nay "
            f"{format_date(period.as_of)}): nhiệm vụ đến hạn sau hôm nay chưa được tính. Phải xác nhận công bố "
            "kết quả tạm tính khi kỳ chưa kết thúc.")


def current_rule(year: int) -> tuple[ScoreRule | None, dict[str, Any]]:
    """The latest saved rule of the year and its settings; the shipped default when none is saved."""
    rule = latest_rule(year)
    return rule, (rule.settings if rule else default_settings())


def compute_draft(
    year: int, start: dt.date | None = None, end: dt.date | None = None, unit_id: int | None = None,
    *, with_items: bool = True,
) -> ScoringResult:
    """Today's computation for the year under its current rule: nothing is stored. Without items, the figures of
    the results table only (queries.compute_scoring), with the same digest."""
    period = scoring_period(year, start, end)
    rule, settings = current_rule(year)
    return compute_scoring(period, settings, rule, unit_id=unit_id, with_items=with_items)


# --- rules ------------------------------------------------------------------------------------------


def save_rule(year: int, actor: User, raw_settings: dict[str, Any], note: str | None = "") -> ScoreRule:
    """Save the year's rule. The latest version is changed in place only while no published scoring
    uses it; otherwise the settings become the next version, and the used one stays as it was."""
    if not can_manage_scoring(actor):
        raise PermissionDenied("Chỉ Phòng Nội vụ (hoặc quản trị) được sửa tiêu chí chấm điểm.")
    check_year(year)
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, "ghi chú", max_length=MAX_TEXT_LENGTH)
    try:
        settings = validate_settings(raw_settings)
    except ValidationError as error:
        raise ValidationError(error.message, {**error.fields, **errors}) from error
    if errors:
        raise ValidationError("Tiêu chí chấm điểm chưa hợp lệ.", errors)
    latest = latest_rule(year)
    if latest is not None and not rule_is_used(latest):
        changes = {
            key: (latest.settings.get(key), value) for key, value in settings.items()
            if latest.settings.get(key) != value
        }
        if note != latest.note:
            changes["note"] = (latest.note, note)
        if not changes:
            return latest
        latest.settings = settings
        latest.note = note
        db.session.flush()
        record(actor, "score_rule", latest.id, "score_rule_update", changes,
               note=f"Năm {year}, phiên bản {latest.version}")
        return latest
    return _new_rule(year, actor, settings, note, latest)


def _new_rule(year: int, actor: User | None, settings: dict[str, Any], note: str, latest: ScoreRule | None
              ) -> ScoreRule:
    rule = ScoreRule(
        year=year, version=(latest.version + 1) if latest else 1, settings=settings, note=note,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(rule)
    _flush_or_conflict("Tiêu chí của năm vừa được người khác lưu. Vui lòng tải lại trang.")
    changes = {"settings": (latest.settings if latest else None, settings)}
    record(actor, "score_rule", rule.id, "score_rule_create", changes, note=f"Năm {year}, phiên bản {rule.version}")
    return rule


def create_default_rule(year: int, actor: User | None) -> ScoreRule:
    """Store the shipped default as the year's rule (version 1) if the year has none."""
    check_year(year)
    return latest_rule(year) or _new_rule(year, actor, default_settings(), "Tiêu chí mặc định.", None)


def _flush_or_conflict(message: str) -> None:
    """Flush; a unique (year, version) taken by a concurrent writer becomes a 409. The caller rolls back."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise ConflictError(message) from error


# --- publication -----------------------------------------------------------------------------------


def _check_publication(year: int, period: Period, previous: Scoring | None, reason: str | None,
                       unfinished_confirmed: bool) -> str:
    """The reason given, once the publication may go ahead: a replacement says why, an unfinished period is
    confirmed in words."""
    errors: dict[str, str] = {}
    reason = check_text(errors, "reason", reason, "lý do", max_length=MAX_TEXT_LENGTH)
    if period_unfinished(period) and not unfinished_confirmed:
        errors["unfinished_confirmed"] = (f"Kỳ đánh giá chưa kết thúc (đến hết ngày {format_date(period.end)}): "
                                          "đánh dấu ô này nếu vẫn công bố kết quả tạm tính.")
    if previous is not None and not reason:
        errors["reason"] = (
            f"Năm {year} đã công bố phiên bản {previous.version}; "
            "phải nêu lý do ban hành phiên bản thay thế."
        )
    if errors:
        raise ValidationError("Chưa thể công bố kết quả chấm điểm.", errors)
    return reason


def publish_scoring(
    year: int,
    actor: User,
    *,
    reason: str | None = "",
    expected_digest: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    unfinished_confirmed: bool = False,
) -> Scoring:
    """Compute the year's scoring now and freeze it as the next version.

    `expected_digest` (sent by the page) guards against publishing other figures than the ones the
    user reviewed. A second version needs a reason; the earlier versions stay as they were. A period
    that has not ended (today on or before its last day: tasks still to fall due are left out) is
    published only with `unfinished_confirmed`, which the confirmation page asks for in words.
    """
    if not can_manage_scoring(actor):
        raise PermissionDenied("Chỉ Phòng Nội vụ (hoặc quản trị) được công bố kết quả chấm điểm.")
    period = scoring_period(year, start, end)
    previous = latest_scoring(year)
    reason = _check_publication(year, period, previous, reason, unfinished_confirmed)
    rule = create_default_rule(year, actor)
    result = compute_scoring(period, rule.settings, rule)
    digest = result.digest
    if expected_digest and expected_digest != digest:
        raise ConflictError(
            "Số liệu hoặc tiêu chí đã thay đổi từ khi bạn xem bản nháp. "
            "Vui lòng xem lại bản nháp mới nhất rồi công bố."
        )
    scoring = Scoring(
        year=year, version=(previous.version + 1) if previous else 1, period_start=period.start,
        period_end=period.end, as_of=period.as_of, rule_id=rule.id, reason=reason, digest=digest,
        sources=result.sources, published_by_id=actor.id, published_at=utcnow(),
    )
    db.session.add(scoring)
    _flush_or_conflict("Một phiên bản khác vừa được công bố. Vui lòng tải lại trang.")
    if result.units:
        db.session.execute(sa.insert(UnitScore), [
            {"scoring_id": scoring.id, "unit_id": unit.unit_id, "unit_code": unit.unit_code,
             "unit_name": unit.unit_name, "position": unit.position, "score": unit.score, "grade": unit.grade,
             "breakdown": unit.breakdown}
            for unit in result.units
        ])
    changes: dict[str, tuple[Any, Any]] = {
        "version": (previous.version if previous else None, scoring.version),
        "period": (None, f"{format_date(period.start)}–{format_date(period.end)}"),
        "rule_version": (None, rule.version),
    }
    action = "score_supersede" if previous else "score_publish"
    record(actor, "scoring", scoring.id, action, changes, note=reason or None)
    return scoring


def get_scoring_or_404(scoring_id: int) -> Scoring:
    scoring = db.session.get(Scoring, scoring_id)
    if scoring is None:
        raise NotFound("Không tìm thấy kết quả chấm điểm.")
    return scoring


# --- objections ------------------------------------------------------------------------------------


def unit_breakdown(year: int, unit_id: int, scoring: Scoring | None) -> dict[str, Any] | None:
    """The unit's breakdown: of a published version, else of today's draft."""
    if scoring is not None:
        units = published_units(scoring, unit_id)
        return units[0].breakdown if units else None
    unit = compute_draft(year, unit_id=unit_id).unit(unit_id)
    return unit.breakdown if unit else None


def counted_tasks(year: int, unit_id: int, scoring: Scoring | None) -> dict[int, str]:
    """The tasks named in the unit's breakdown: of a published version, else of today's draft."""
    breakdown = unit_breakdown(year, unit_id, scoring)
    return breakdown_task_ids(breakdown) if breakdown else {}


@dataclass(frozen=True)
class ObjectionSubject:
    """What an objection names, checked against the unit's breakdown."""

    subject: str
    task_id: int | None
    item_ref: str | None
    label: str
    counted_as: str


def objection_subject(
    year: int, unit_id: int, scoring: Scoring | None, *, subject: str = SUBJECT_TASK, task_id: int | None = None,
    item_ref: str | None = None,
) -> ObjectionSubject:
    """The line (and item) an objection names, as the unit's breakdown counts it; NotFound when the
    breakdown does not count it (another unit's task, an item not listed, a line without data)."""
    breakdown = unit_breakdown(year, unit_id, scoring)
    if breakdown is None:
        raise NotFound("Đơn vị không có trong kết quả chấm điểm.")
    if subject == SUBJECT_TASK:
        counted = breakdown_task_ids(breakdown)
        if task_id is None or task_id not in counted:
            raise NotFound("Nhiệm vụ này không có trong kết quả chấm điểm của đơn vị.")
        return ObjectionSubject(SUBJECT_TASK, task_id, None, "", counted[task_id])
    items = line_items(breakdown, subject) if subject in LINES else None
    if not items:
        raise NotFound("Dòng này không có mục nào trong kết quả chấm điểm của đơn vị.")
    if item_ref is None:
        return ObjectionSubject(subject, None, None, whole_line_label(subject, items), f"{subject}/line")
    item = next((item for item in items if item["ref"] == item_ref), None)
    if item is None:
        raise NotFound("Mục này không có trong kết quả chấm điểm của đơn vị.")
    return ObjectionSubject(subject, None, item_ref, item_label(subject, item), f"{subject}/item")


def create_objection(
    actor: User, *, year: int, task_id: int | None = None, reason: str | None, scoring_id: int | None = None,
    subject: str = SUBJECT_TASK, item_ref: str | None = None,
) -> ScoreObjection:
    """The head of a unit objects to one line of the unit's scoring, with a reason: a counted task, a KPI
    target, an apology letter or a month of a penalty, or a whole KPI or penalty line (`item_ref` None)."""
    if not can_object_to_score(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được đề nghị xem xét kết quả chấm điểm của đơn vị mình.")
    check_year(year)
    unit_id = actor.unit_id
    assert unit_id is not None  # can_object_to_score requires a unit
    scoring = get_scoring_or_404(scoring_id) if scoring_id is not None else None
    if scoring is not None and scoring.year != year:
        raise NotFound("Không tìm thấy kết quả chấm điểm.")
    named = objection_subject(year, unit_id, scoring, subject=subject, task_id=task_id, item_ref=item_ref)
    errors: dict[str, str] = {}
    reason = check_text(errors, "reason", reason, "lý do đề nghị", required=True, max_length=MAX_TEXT_LENGTH)
    if errors:
        raise ValidationError("Đề nghị xem xét chưa hợp lệ.", errors)
    same = (ScoreObjection.task_id == named.task_id if named.subject == SUBJECT_TASK
            else ScoreObjection.item_ref.is_(None) if named.item_ref is None
            else ScoreObjection.item_ref == named.item_ref)
    open_objection = db.session.scalar(
        sa.select(ScoreObjection).where(
            ScoreObjection.year == year, ScoreObjection.unit_id == unit_id, ScoreObjection.subject == named.subject,
            same, ScoreObjection.status.in_((OBJECTION_PENDING, OBJECTION_ACCEPTED)),
        ).limit(1)
    )
    if open_objection is not None:
        what = "nhiệm vụ này" if named.subject == SUBJECT_TASK else "mục này"
        raise ConflictError(
            f"Đơn vị đã đề nghị xem xét {what} (trạng thái: {open_objection.status_label.lower()})."
        )
    objection = ScoreObjection(
        year=year, unit_id=unit_id, subject=named.subject, task_id=named.task_id, item_ref=named.item_ref,
        item_label=named.label[:500], scoring_id=scoring.id if scoring else None, counted_as=named.counted_as,
        reason=reason, status=OBJECTION_PENDING, created_by_id=actor.id,
    )
    db.session.add(objection)
    db.session.flush()
    changes: dict[str, tuple[Any, Any]] = {"counted_as": (None, objection.counted_as)}
    if named.task_id is not None:
        changes["task_id"] = (None, named.task_id)
    else:
        changes["subject"] = (None, named.subject)
        changes["item"] = (None, named.label)
    record(actor, "score_objection", objection.id, "score_objection", changes, note=reason)
    return objection


def decide_objection(
    objection: ScoreObjection, actor: User, *, decision: str | None, note: str | None, exclude: bool = True
) -> ScoreObjection:
    """The office accepts (optionally excluding the task from the unit's next computations) or rejects."""
    if not can_decide_score_objection(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được xem xét đề nghị về kết quả chấm điểm.")
    if objection.status != OBJECTION_PENDING:
        raise ConflictError(f"Đề nghị này đã được xem xét ({objection.status_label.lower()}).")
    errors: dict[str, str] = {}
    if decision not in ("accept", "reject"):
        errors["decision"] = "Chưa chọn chấp nhận hay không chấp nhận."
    note = check_text(errors, "note", note, "ý kiến xem xét", required=True, max_length=MAX_TEXT_LENGTH)
    if errors:
        raise ValidationError("Ý kiến xem xét chưa hợp lệ.", errors)
    accepted = decision == "accept"
    before = (objection.status, objection.exclude)
    objection.status = OBJECTION_ACCEPTED if accepted else OBJECTION_REJECTED
    objection.exclude = accepted and exclude
    objection.decision_note = note
    objection.decided_by_id = actor.id
    objection.decided_at = utcnow()
    db.session.flush()
    record(actor, "score_objection", objection.id,
           "score_objection_accept" if accepted else "score_objection_reject",
           {"status": (before[0], objection.status), "exclude": (before[1], objection.exclude)}, note=note)
    return objection


def get_objection_or_404(objection_id: int, user: User) -> ScoreObjection:
    """An objection its unit or the staff overseeing that unit may read; another unit's (another commune's) is
    reported missing."""
    objection = db.session.get(ScoreObjection, objection_id)
    if objection is None or (not oversees_unit(user, objection.unit_id) and user.unit_id != objection.unit_id):
        raise NotFound("Không tìm thấy đề nghị xem xét.")
    return objection


def task_or_none(task_id: int | None) -> Task | None:
    return db.session.get(Task, task_id) if task_id is not None else None
