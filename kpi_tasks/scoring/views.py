from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import can_decide_score_objection, can_manage_scoring, can_object_to_score
from kpi_tasks.background.views import start_in_background
from kpi_tasks.clock import local_date, today
from kpi_tasks.documents.appendix import DATE, WRAP, Column, count_rows
from kpi_tasks.documents.downloads import DOCX_MIME, send_bytes, send_document, wants_pdf
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.documents.lists import filter_line, send_list
from kpi_tasks.errors import ConflictError, DomainError, NotFound
from kpi_tasks.extensions import db
from kpi_tasks.forms import save, show_errors
from kpi_tasks.pagination import Page, paginate_rows
from kpi_tasks.scoring.appendix import write_appendix_docx
from kpi_tasks.scoring.excel import scoring_workbook
from kpi_tasks.scoring.forms import DecisionForm, ObjectionForm, PublishForm, RuleForm
from kpi_tasks.scoring.jobs import DRAFT, draft_is_large, draft_label, draft_params
from kpi_tasks.scoring.lines import (
    LINE_LABELS,
    item_label,
    objection_counted_text,
    objection_subject_text,
    period_code,
    period_label,
)
from kpi_tasks.scoring.models import (
    OBJECTION_PENDING,
    OBJECTION_STATUS_LABELS,
    OBJECTION_STATUSES,
    SUBJECT_TASK,
    Scoring,
)
from kpi_tasks.scoring.queries import (
    ScoringResult,
    breakdown_task_ids,
    is_superseded,
    latest_scoring,
    objection_counts,
    objections_query,
    occurrence_groups,
    published_result,
    published_unit_count,
    rule_is_used,
    rule_versions,
    scoring_versions,
)
from kpi_tasks.scoring.rules import (
    NUMBER_SETTINGS,
    OUTCOME_LABELS,
    PENALTY_LABELS,
    ROLE_LABELS,
    SCORED_OUTCOMES,
    grade_ranges,
)
from kpi_tasks.scoring.services import (
    MAX_YEAR,
    MIN_YEAR,
    check_year,
    compute_draft,
    create_objection,
    current_rule,
    decide_objection,
    get_objection_or_404,
    get_scoring_or_404,
    objection_subject,
    period_unfinished,
    publish_scoring,
    save_rule,
    task_or_none,
    unfinished_warning,
)
from kpi_tasks.tasks.lookups import visible_tasks
from kpi_tasks.text import format_date, parse_user_date

bp = Blueprint("scoring", __name__, url_prefix="/scoring")
OBJECTIONS_PER_PAGE = 30
# Units per page of a results table: a province's 2,000 units are read in pages (every unit is in the downloads).
UNITS_PER_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STALE_DRAFT = ("Số liệu hoặc tiêu chí đã thay đổi từ khi bạn xem bản nháp. Dưới đây là bản nháp mới nhất: "
               "xem lại rồi bấm “Công bố”.")


@bp.context_processor
def _labels() -> dict:
    return {
        "OUTCOME_LABELS": OUTCOME_LABELS, "ROLE_LABELS": ROLE_LABELS, "PENALTY_LABELS": PENALTY_LABELS,
        "SCORED_OUTCOMES": SCORED_OUTCOMES, "OBJECTION_STATUS_LABELS": OBJECTION_STATUS_LABELS,
        "occurrence_groups": occurrence_groups, "LINE_LABELS": LINE_LABELS, "item_label": item_label,
        "target_period": lambda item: period_code(*_target_dates(item)),
        "target_period_label": lambda item: period_label(*_target_dates(item)),
    }


def _target_dates(item: dict) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(item["period_start"]), dt.date.fromisoformat(item["period_end"])


def _year_arg() -> int:
    """The `year` of the query string; a missing one is this year, a bad one is said so and replaced by it."""
    raw = (request.args.get("year") or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_YEAR)) and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    if raw:
        flash(f"Năm “{raw}” không hợp lệ (năm phải từ {MIN_YEAR} đến {MAX_YEAR}); bộ lọc này được bỏ qua, "
              f"đang hiển thị năm {today().year}.", "warning")
    return today().year


def _period_args() -> tuple[dt.date | None, dt.date | None]:
    """Optional period bounds from the query string (dd/mm/yyyy or yyyy-mm-dd); bad ones are ignored."""
    bounds = []
    for name in ("from", "to"):
        raw = request.args.get(name) or ""
        try:
            bounds.append(parse_user_date(raw) if raw else None)
        except ValueError:
            flash(f"Ngày “{raw}” không đúng dạng dd/mm/yyyy; bỏ qua.", "warning")
            bounds.append(None)
    return bounds[0], bounds[1]


def _page_number(units: int) -> int:
    """The page of the results table asked for (`page`), within the pages `units` fill."""
    pages = max(1, -(-units // UNITS_PER_PAGE))
    return min(max(1, request.args.get("page", 1, type=int)), pages)


def _units_page(result: ScoringResult) -> Page:
    """The page of a computed results table asked for, in rank order."""
    number = _page_number(len(result.units))
    start = (number - 1) * UNITS_PER_PAGE
    return Page(items=result.units[start:start + UNITS_PER_PAGE], total=len(result.units), page=number,
                per_page=UNITS_PER_PAGE)


def _published_page(scoring: Scoring) -> tuple[ScoringResult, Page]:
    """The page asked for of a published results table, reading only that page's units."""
    total = published_unit_count(scoring)
    number = _page_number(total)
    first = (number - 1) * UNITS_PER_PAGE + 1
    result = published_result(scoring, positions=(first, first + UNITS_PER_PAGE - 1))
    return result, Page(items=result.units, total=total, page=number, per_page=UNITS_PER_PAGE)


def _period_query(result: ScoringResult) -> dict[str, str]:
    """The query string that reproduces a draft's period (empty for the default calendar year)."""
    period = result.period
    if (period.start, period.end) == (dt.date(period.year, 1, 1), dt.date(period.year, 12, 31)):
        return {}
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


@bp.get("/")
@login_required
def index() -> str:
    """The year's results: the latest published version, or today's draft when nothing is published."""
    year = _year_arg()
    latest = latest_scoring(year)
    if latest:
        result, units_page = _published_page(latest)
    else:
        result = compute_draft(year, with_items=False)
        units_page = _units_page(result)
    return render_template(
        "scoring/index.html", year=year, latest=latest, result=result, units_page=units_page,
        versions=scoring_versions(year),
        objections=objection_counts(year), can_manage=can_manage_scoring(current_user),
    )


@bp.get("/<int:year>/draft")
@login_required
def draft(year: int) -> str:
    start, end = _period_args()
    result = compute_draft(year, start, end, with_items=False)
    return render_template(
        "scoring/draft.html", year=year, result=result, units_page=_units_page(result), latest=latest_scoring(year),
        period_args=_period_query(result), can_manage=can_manage_scoring(current_user),
        awaiting=sum(unit.breakdown["awaiting_review"]["count"] for unit in result.units),
        unfinished=period_unfinished(result.period),
    )


@dataclass(frozen=True)
class PublicationSummary:
    """What a publication is about to freeze, for the confirmation page."""

    version: int
    previous: Scoring | None
    units: int
    grades: list[tuple[str, int]]  # every grade of the rule, in its order, with its number of units
    ungraded: int  # units with nothing due in the period: no score, no grade
    awaiting: list[tuple[str, int]]  # units whose reported completions the office has not confirmed yet

    @property
    def awaiting_items(self) -> int:
        return sum(count for _name, count in self.awaiting)


def _publication_summary(year: int, result: ScoringResult) -> PublicationSummary:
    previous = latest_scoring(year)
    by_grade = Counter(unit.grade for unit in result.units)
    awaiting = [(unit.unit_name, unit.breakdown["awaiting_review"]["count"]) for unit in result.units
                if unit.breakdown["awaiting_review"]["count"]]  # fmt: skip
    return PublicationSummary(
        version=(previous.version + 1) if previous else 1, previous=previous, units=len(result.units),
        grades=[(grade["name"], by_grade[grade["name"]]) for grade in result.settings["grades"]],
        ungraded=by_grade[None], awaiting=awaiting,
    )


def _render_confirmation(year: int, result: ScoringResult, form: PublishForm) -> str:
    summary = _publication_summary(year, result)
    period = result.period
    form.unfinished_confirmed.label.text = (
        f"Tôi biết kỳ đánh giá đến hết ngày {format_date(period.end)} mới kết thúc và vẫn công bố kết quả tạm "
        f"tính đến ngày {format_date(period.as_of)}"
    )
    form.reason.label.text = (
        f"Lý do ban hành phiên bản thay thế phiên bản {summary.previous.version} (bắt buộc)" if summary.previous
        else "Ghi chú (không bắt buộc)"
    )
    unfinished = period_unfinished(period)
    return render_template("scoring/publish.html", year=year, result=result, summary=summary, form=form,
                           period_args=_period_query(result), unfinished=unfinished,
                           unfinished_warning=unfinished_warning(period) if unfinished else "")


def _back_to_draft(year: int, start: dt.date | None, end: dt.date | None, message: str) -> Response:
    """To the draft of the same period (no query string for the calendar year), with `message`."""
    flash(message, "warning")
    calendar_year = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    args = {"from": start.isoformat(), "to": end.isoformat()} if start and end and (start, end) != calendar_year else {}
    return redirect(url_for("scoring.draft", year=year, **args), 303)


@bp.get("/<int:year>/publish")
@login_required
def confirm_publish(year: int) -> str | Response:
    """The step between the draft and the publication: what will be frozen, and the reason field. It is
    reached from the draft page's button, which sends the fingerprint of the figures the user looked at."""
    if not can_manage_scoring(current_user):
        abort(403)
    start, end = _period_args()
    seen = request.args.get("digest", "")
    if not seen:
        return _back_to_draft(year, start, end, "Hãy xem bản nháp rồi bấm “Công bố” ở cuối trang bản nháp.")
    result = compute_draft(year, start, end, with_items=False)
    if seen != result.digest:
        return _back_to_draft(year, start, end, STALE_DRAFT)
    form = PublishForm(formdata=None)
    form.digest.data = seen
    form.period_start.data = result.period.start.isoformat()
    form.period_end.data = result.period.end.isoformat()
    return _render_confirmation(year, result, form)


@bp.post("/<int:year>/publish")
@login_required
def publish(year: int) -> str | Response:
    """Only the confirmation page's button publishes; the fingerprint still refuses changed figures."""
    if not can_manage_scoring(current_user):
        abort(403)
    form = PublishForm()
    try:
        start = dt.date.fromisoformat(form.period_start.data) if form.period_start.data else None
        end = dt.date.fromisoformat(form.period_end.data) if form.period_end.data else None
    except ValueError:
        abort(400)
    if form.validate_on_submit():
        saved = save(form, lambda: publish_scoring(
            year, current_user, reason=form.reason.data, expected_digest=form.digest.data, start=start, end=end,
            unfinished_confirmed=bool(form.unfinished_confirmed.data),
        ), lambda scoring: f"Đã công bố kết quả chấm điểm năm {year}, phiên bản {scoring.version}.",
            show=lambda error: _publish_refused(form, error))
        if saved:
            return redirect(url_for("scoring.version", scoring_id=saved.result.id), 303)
        if isinstance(saved.error, ConflictError):
            return _back_to_draft(year, start, end, saved.error.message)
    result = compute_draft(year, start, end, with_items=False)
    if form.digest.data != result.digest:
        return _back_to_draft(year, start, end, STALE_DRAFT)
    return _render_confirmation(year, result, form)


def _publish_refused(form: PublishForm, error: DomainError) -> None:
    if not isinstance(error, ConflictError):  # a conflict (the figures changed) is said on the draft's page
        show_errors(form, error)


@bp.get("/versions/<int:scoring_id>")
@login_required
def version(scoring_id: int) -> str:
    scoring = get_scoring_or_404(scoring_id)
    result, units_page = _published_page(scoring)
    return render_template(
        "scoring/version.html", scoring=scoring, result=result, units_page=units_page,
        superseded=is_superseded(scoring), latest=latest_scoring(scoring.year),
    )


def _render_unit(result: ScoringResult, scoring_id: int | None, back_url: str) -> str:
    unit = result.units[0] if result.units else None
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị trong kết quả chấm điểm.")
    named = breakdown_task_ids(unit.breakdown)
    return render_template(
        "scoring/unit.html", result=result, unit=unit, scoring_id=scoring_id, back_url=back_url,
        tasks=visible_tasks(sorted(named), current_user),
        can_object=can_object_to_score(current_user, unit.unit_id),
        ranges=grade_ranges(result.settings),
    )


@bp.get("/<int:year>/draft/units/<int:unit_id>")
@login_required
def draft_unit(year: int, unit_id: int) -> str:
    start, end = _period_args()
    result = compute_draft(year, start, end, unit_id=unit_id)
    return _render_unit(result, None, url_for("scoring.draft", year=year, **_period_query(result)))


@bp.get("/versions/<int:scoring_id>/units/<int:unit_id>")
@login_required
def version_unit(scoring_id: int, unit_id: int) -> str:
    scoring = get_scoring_or_404(scoring_id)
    return _render_unit(published_result(scoring, unit_id), scoring.id,
                        url_for("scoring.version", scoring_id=scoring.id))


def _draft_label(result: ScoringResult) -> str:
    return f"BẢN NHÁP, chưa công bố; tính ngày {result.period.as_of:%d/%m/%Y}"


def _version_label(scoring: Scoring) -> str:
    label = f"Phiên bản {scoring.version}, công bố ngày {scoring.published_at:%d/%m/%Y}"
    return label + " (đã được thay thế bằng phiên bản sau)" if is_superseded(scoring) else label


def _xlsx(result: ScoringResult, filename: str, version: str) -> Response:
    content = scoring_workbook(result, current_identity().issuing_body, version, today())
    return send_bytes(content, XLSX, filename)


def _docx(result: ScoringResult, filename: str, version: str) -> Response:
    identity, day = current_identity(), today()
    return send_document(lambda target: write_appendix_docx(target, result, identity, version, day), DOCX_MIME,
                         filename)


@bp.get("/<int:year>/draft.xlsx")
@login_required
def draft_export(year: int) -> Response:
    start, end = _period_args()
    if draft_is_large(year, start, end):
        return _draft_in_background(year, start, end, "xlsx")
    result = compute_draft(year, start, end, with_items=False)
    return _xlsx(result, f"cham-diem-thi-dua-{year}-ban-nhap.xlsx", _draft_label(result))


@bp.get("/<int:year>/draft.docx")
@login_required
def draft_docx(year: int) -> Response:
    start, end = _period_args()
    if draft_is_large(year, start, end):
        return _draft_in_background(year, start, end, "docx")
    result = compute_draft(year, start, end, with_items=False)
    return _docx(result, f"phu-luc-cham-diem-thi-dua-{year}-ban-nhap.docx", _draft_label(result))


def _draft_in_background(year: int, start: dt.date | None, end: dt.date | None, file_format: str) -> Response:
    """A year with more tasks due than JOB_BACKGROUND_ROWS: the worker computes and writes the appendix."""
    params = draft_params(year, start, end, file_format, pdf=wants_pdf())
    return start_in_background(current_user._get_current_object(), DRAFT, params, draft_label(year, file_format))


@bp.get("/versions/<int:scoring_id>.xlsx")
@login_required
def version_export(scoring_id: int) -> Response:
    scoring = get_scoring_or_404(scoring_id)
    return _xlsx(published_result(scoring), f"cham-diem-thi-dua-{scoring.year}-v{scoring.version}.xlsx",
                 _version_label(scoring))


@bp.get("/versions/<int:scoring_id>.docx")
@login_required
def version_docx(scoring_id: int) -> Response:
    scoring = get_scoring_or_404(scoring_id)
    return _docx(published_result(scoring), f"phu-luc-cham-diem-thi-dua-{scoring.year}-v{scoring.version}.docx",
                 _version_label(scoring))


@bp.route("/rules/<int:year>", methods=["GET", "POST"])
@login_required
def rules(year: int) -> str | Response:
    check_year(year)
    versions = rule_versions(year)
    shown_version = request.args.get("version", type=int)
    shown = next((rule for rule in versions if rule.version == shown_version), None)
    if shown_version is not None and shown is None:
        raise NotFound("Không có phiên bản tiêu chí này.")
    rule, settings = (shown, shown.settings) if shown else current_rule(year)
    form = RuleForm()
    if request.method == "POST":
        if not can_manage_scoring(current_user):
            abort(403)
        # A conflict (the year's rule saved meanwhile) has no field: show_errors flashes its message alone.
        if form.validate_on_submit() and save(
            form, lambda: save_rule(year, current_user, form.settings_data(), form.note.data),
            lambda saved: f"Đã lưu tiêu chí chấm điểm năm {year} (phiên bản {saved.version}).",
        ):
            return redirect(url_for("scoring.rules", year=year), 303)
    else:
        form.fill(settings, rule.note if rule else "")
    return render_template(
        "scoring/rules.html", year=year, form=form, rule=rule, settings=settings, versions=versions,
        shown=shown, used=rule_is_used(rule) if rule else False, number_settings=NUMBER_SETTINGS,
        ranges=grade_ranges(settings), can_edit=can_manage_scoring(current_user) and shown is None,
    )


OBJECTION_COLUMNS = [
    Column("Ngày gửi", 12, DATE),
    Column("Đơn vị", 24, WRAP),
    Column("Nhiệm vụ, mục đề nghị", 40, WRAP, count_rows(), "format:#,##0 \"đề nghị\""),
    Column("Đang tính là", 18, WRAP),
    Column("Lý do", 32, WRAP),
    Column("Trạng thái", 16, WRAP),
    Column("Ý kiến Văn phòng", 30, WRAP),
    Column("Ngày xem xét", 12, DATE),
]


def _objection_filters(year: int, status: str | None) -> str:
    return filter_line([f"Năm {year}", f"Trạng thái: {OBJECTION_STATUS_LABELS[status]}" if status else ""])


def _objection_args() -> tuple[int, str | None, int | None]:
    """(year, status, unit) of the objection list: a unit's users see their unit's objections only."""
    status = request.args.get("status") if request.args.get("status") in OBJECTION_STATUSES else None
    unit_id = None if current_user.sees_all else (current_user.unit_id or -1)
    return _year_arg(), status, unit_id


@bp.get("/objections.xlsx")
@login_required
def objections_xlsx() -> Response:
    """The objections as the list shows them (the same year and status)."""
    year, status, unit_id = _objection_args()
    day = today()

    def rows() -> Iterator[list]:
        for objection in db.session.scalars(objections_query(year, unit_id, status)).unique():
            decided = " — đã loại khỏi chấm điểm" if objection.exclude else ""
            yield [local_date(objection.created_at), objection.unit.name, objection_subject_text(objection),
                   objection_counted_text(objection, OUTCOME_LABELS, ROLE_LABELS), objection.reason,
                   objection.status_label + decided, objection.decision_note or "",
                   local_date(objection.decided_at) if objection.decided_at else None]

    return send_list(rows(), day=day, file_name=f"de-nghi-xem-xet-cham-diem-{year}.xlsx",
                     title=f"Danh sách đề nghị xem xét kết quả chấm điểm năm {year}",
                     filters=_objection_filters(year, status), columns=OBJECTION_COLUMNS,
                     empty="Không có đề nghị nào theo bộ lọc đã chọn.", sheet_name="Đề nghị xem xét")


@bp.get("/objections/")
@login_required
def objections() -> str:
    year, status, unit_id = _objection_args()
    page = paginate_rows(objections_query(year, unit_id, status), request.args.get("page", 1, type=int),
                         OBJECTIONS_PER_PAGE)
    return render_template(
        "scoring/objections.html", year=year, status=status, page=page, form=DecisionForm(formdata=None),
        can_decide=can_decide_score_objection(current_user), statuses=OBJECTION_STATUSES,
        pending=OBJECTION_PENDING, export_filters=_objection_filters(year, status),
    )


@bp.route("/<int:year>/objections/new", methods=["GET", "POST"])
@login_required
def new_objection(year: int) -> str | Response:
    """An objection to one line of the unit's scoring: `task_id` for a task; else `line` (kpi or a penalty
    code) with `item` (the item's ref) or without it for the whole line."""
    if not can_object_to_score(current_user):
        abort(403)
    task_id = request.args.get("task_id", type=int)
    scoring_id = request.args.get("scoring_id", type=int)
    line = request.args.get("line") or SUBJECT_TASK
    item_ref = request.args.get("item") or None
    # Load, check: what is not in the unit's breakdown is reported missing before the form is shown.
    scoring = get_scoring_or_404(scoring_id) if scoring_id is not None else None
    named = objection_subject(year, current_user.unit_id, scoring, subject=line, task_id=task_id, item_ref=item_ref)
    form = ObjectionForm()
    if form.validate_on_submit() and save(
        form, lambda: create_objection(current_user, year=year, task_id=task_id, reason=form.reason.data,
                                       scoring_id=scoring_id, subject=line, item_ref=item_ref),
        "Đã gửi đề nghị xem xét tới Văn phòng HĐND và UBND.",
    ):
        return redirect(url_for("scoring.objections", year=year), 303)
    return render_template("scoring/objection_form.html", year=year, form=form, task=task_or_none(named.task_id),
                           named=named, scoring_id=scoring_id)


@bp.route("/objections/<int:objection_id>/decision", methods=["GET", "POST"])
@login_required
def decide(objection_id: int) -> str | Response:
    """The office's decision on one objection. The list's inline forms post here; a refused decision (no
    choice, no note) comes back on this page with what was typed, as does a plain GET of the address."""
    objection = get_objection_or_404(objection_id, current_user)
    if not can_decide_score_objection(current_user):
        abort(403)
    form = DecisionForm()
    if request.method == "GET" and objection.status != OBJECTION_PENDING:
        flash(f"Đề nghị này đã được xem xét ({objection.status_label.lower()}).", "info")
        return redirect(url_for("scoring.objections", year=objection.year), 303)
    if form.validate_on_submit():
        year = objection.year
        saved = save(form, lambda: decide_objection(objection, current_user, decision=form.decision.data,
                                                    note=form.note.data, exclude=bool(form.exclude.data)),
                     "Đã ghi ý kiến xem xét; kết quả được áp dụng từ bản nháp tiếp theo.")
        # Saved, or decided meanwhile by someone else (a conflict, flashed): back to the list either way.
        if saved or isinstance(saved.error, ConflictError):
            return redirect(url_for("scoring.objections", year=year), 303)
    elif request.method == "POST":
        flash("Ý kiến xem xét chưa hợp lệ (xem các ô được đánh dấu). Chưa có gì được lưu.", "danger")
    return render_template("scoring/decision.html", objection=objection, form=form, year=objection.year)
