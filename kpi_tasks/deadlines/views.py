"""Pages of the deadlines area: extension requests and decisions, occurrences of recurring tasks, the
progress table and its Excel export, task groups. Each loads, checks, calls one service, commits."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import (
    can_contribute,
    can_decide_extension,
    can_edit_milestones,
    can_request_extension,
    can_review,
)
from kpi_tasks.attachments.services import FileTooLarge, attach_to_update, attachments_by_update, read_uploads
from kpi_tasks.calendar.recurrence import describe
from kpi_tasks.clock import today
from kpi_tasks.deadlines.excel import milestones_workbook
from kpi_tasks.deadlines.forms import (
    ExtensionDecisionForm,
    ExtensionRequestForm,
    MilestoneEditForm,
    MilestoneForm,
    OccurrenceReportForm,
    OccurrenceReviewForm,
)
from kpi_tasks.deadlines.models import EXTENSION_PENDING, EXTENSION_STATUS_LABELS, EXTENSION_STATUSES, TaskOccurrence
from kpi_tasks.deadlines.occurrences import (
    get_occurrence_or_404,
    report_occurrence,
    review_occurrence,
    task_rule,
)
from kpi_tasks.deadlines.queries import (
    extension_requests_query,
    occurrence_flags,
    occurrence_rows_query,
    task_extension_requests,
    task_milestones,
)
from kpi_tasks.deadlines.services import (
    BULK_KIND_LABELS,
    add_milestone,
    decide_extension,
    delete_milestone,
    get_extension_request_or_404,
    get_group_or_404,
    get_milestone_or_404,
    request_extension,
    update_milestone,
)
from kpi_tasks.directives.services import get_directive_or_404
from kpi_tasks.documents.downloads import XLSX_MIME, send_bytes
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.errors import ConflictError, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import form_version, show_errors
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.tasks.models import STATE_AWAITING_REVIEW, STATE_OPEN, ProgressUpdate, Task
from kpi_tasks.tasks.queries import TaskFilters, task_rows_query
from kpi_tasks.tasks.services import get_task_or_404
from kpi_tasks.tasks.views import _render_detail as render_task_page

bp = Blueprint("deadlines", __name__)
PER_PAGE = 30
FORM_ERRORS = (ValidationError, ConflictError)


def _due_soon_days() -> int:
    return current_app.config["DUE_SOON_WORKING_DAYS"]


def _back_to_task(task: Task, anchor: str = "") -> Response:
    return redirect(url_for("tasks.detail", task_id=task.id) + anchor, 303)


# -- extension requests --------------------------------------------------------------------------------


@bp.get("/extension-requests")
@login_required
def extension_requests() -> str:
    status = request.args.get("status", EXTENSION_PENDING)
    status = status if status in EXTENSION_STATUSES else None
    page = paginate_rows(
        extension_requests_query(current_user, status), request.args.get("page", 1, type=int), PER_PAGE
    )
    forms = {}
    if can_decide_extension(current_user):
        for row in page.items:
            if row.ExtensionRequest.status == EXTENSION_PENDING:
                form = ExtensionDecisionForm(formdata=None)
                form.back.data = "list"
                forms[row.ExtensionRequest.id] = form
    return render_template(
        "deadlines/extension_requests.html",
        page=page,
        status=status,
        status_labels=EXTENSION_STATUS_LABELS,
        decision_forms=forms,
    )


@bp.post("/tasks/<int:task_id>/extension-requests")
@login_required
def new_extension_request(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    if not can_request_extension(current_user, task):
        abort(403)
    form = ExtensionRequestForm()
    occurrence = None
    if (form.occurrence_id.data or "").isdigit():
        occurrence = get_occurrence_or_404(task, int(form.occurrence_id.data))
    if form.validate_on_submit():
        try:
            request_extension(task, current_user, new_deadline=form.new_deadline.data, reason=form.reason.data,
                              occurrence=occurrence)
        except FORM_ERRORS as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash("Đã gửi đề nghị gia hạn; chờ Văn phòng hoặc lãnh đạo UBND quyết định.", "success")
            if occurrence is not None:
                return redirect(url_for("deadlines.occurrence", task_id=task.id, occurrence_id=occurrence.id), 303)
            return _back_to_task(task, "#extensions")
    task = get_task_or_404(task_id, current_user)
    if occurrence is not None:
        return _render_occurrence(task, get_occurrence_or_404(task, occurrence.id), extension_form=form)
    return render_task_page(task, extension_form=form)


@bp.post("/extension-requests/<int:request_id>/decision")
@login_required
def decide(request_id: int) -> str | Response:
    extension = get_extension_request_or_404(request_id, current_user)
    if not can_decide_extension(current_user):
        abort(403)
    form = ExtensionDecisionForm()
    task_id, occurrence_id = extension.task_id, extension.occurrence_id
    if form.validate_on_submit():
        try:
            decide_extension(extension, current_user, decision=form.decision.data or "", note=form.note.data)
        except FORM_ERRORS as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash("Đã ghi nhận ý kiến về đề nghị gia hạn.", "success")
            if form.back.data == "list":
                return redirect(url_for("deadlines.extension_requests"), 303)
            if occurrence_id is not None:
                return redirect(url_for("deadlines.occurrence", task_id=task_id, occurrence_id=occurrence_id), 303)
            return redirect(url_for("tasks.detail", task_id=task_id) + "#extensions", 303)
    task = get_task_or_404(task_id, current_user)
    if occurrence_id is not None:
        return _render_occurrence(task, get_occurrence_or_404(task, occurrence_id), decision_forms={request_id: form})
    return render_task_page(task, decision_forms={request_id: form})


# -- occurrences of recurring tasks ------------------------------------------------------------------------


@bp.get("/tasks/<int:task_id>/occurrences")
@login_required
def occurrences(task_id: int) -> str:
    task = get_task_or_404(task_id, current_user)
    page = paginate_rows(
        occurrence_rows_query(task, today(), _due_soon_days()), request.args.get("page", 1, type=int), PER_PAGE
    )
    rule = task_rule(task)
    return render_template("deadlines/occurrences.html", task=task, page=page,
                           recurrence_text=describe(rule) if rule else None)


def _render_occurrence(task: Task, occurrence: TaskOccurrence, **overrides: Any) -> str:
    status, due_soon = occurrence_flags(occurrence, today(), _due_soon_days())
    updates = list(
        db.session.scalars(
            sa.select(ProgressUpdate)
            .where(ProgressUpdate.occurrence_id == occurrence.id)
            .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
        )
    )
    requests = [r for r in task_extension_requests(task) if r.occurrence_id == occurrence.id]
    report_form = review_form = extension_form = None
    if occurrence.state == STATE_OPEN and task.state == STATE_OPEN and can_contribute(current_user, task):
        report_form = OccurrenceReportForm(formdata=None)
        report_form.version.data = str(occurrence.version)
    if occurrence.state == STATE_AWAITING_REVIEW and can_review(current_user):
        review_form = OccurrenceReviewForm(formdata=None)
        review_form.version.data = str(occurrence.version)
    pending = any(r.status == EXTENSION_PENDING for r in requests)
    if occurrence.state == STATE_OPEN and task.state == STATE_OPEN and can_request_extension(current_user, task) \
            and not pending:
        extension_form = ExtensionRequestForm(formdata=None)
    decision_forms = {}
    if can_decide_extension(current_user):
        for each in requests:
            if each.status == EXTENSION_PENDING:
                decision_forms[each.id] = ExtensionDecisionForm(formdata=None)
    context: dict[str, Any] = {
        "report_form": report_form,
        "review_form": review_form,
        "extension_form": extension_form,
        "decision_forms": decision_forms,
    }
    context.update({key: value for key, value in overrides.items() if value is not None})
    if context["extension_form"] is not None:
        context["extension_form"].occurrence_id.data = str(occurrence.id)
    for form_name in ("report_form", "review_form"):
        if context[form_name] is not None:
            context[form_name].version.data = str(occurrence.version)
    return render_template(
        "deadlines/occurrence.html",
        task=task,
        occurrence=occurrence,
        status=status,
        due_soon=due_soon,
        updates=updates,
        update_attachments=attachments_by_update(task),
        extension_requests=requests,
        recurrence_text=describe(task_rule(task)) if task.recurrence else None,
        **context,
    )


@bp.get("/tasks/<int:task_id>/occurrences/<int:occurrence_id>")
@login_required
def occurrence(task_id: int, occurrence_id: int) -> str:
    task = get_task_or_404(task_id, current_user)
    return _render_occurrence(task, get_occurrence_or_404(task, occurrence_id))


@bp.post("/tasks/<int:task_id>/occurrences/<int:occurrence_id>/updates")
@login_required
def report(task_id: int, occurrence_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    occurrence_obj = get_occurrence_or_404(task, occurrence_id)
    if not can_contribute(current_user, task):
        abort(403)
    form = OccurrenceReportForm()
    if form.validate_on_submit():
        try:
            uploads = read_uploads(form.attachments.data or [])
            update = report_occurrence(
                occurrence_obj,
                current_user,
                progress_percent=form.progress_percent.data,
                note=form.note.data,
                report_completed=form.report_completed.data,
                completed_on=form.completed_on.data,
                expected_version=form_version(form),
            )
            attach_to_update(update, task, current_user, uploads)
        except (*FORM_ERRORS, FileTooLarge) as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash("Đã báo cáo hoàn thành kỳ; chờ Văn phòng xác nhận." if form.report_completed.data
                  else "Đã cập nhật báo cáo kỳ.", "success")
            return redirect(url_for("deadlines.occurrence", task_id=task_id, occurrence_id=occurrence_id), 303)
    task = get_task_or_404(task_id, current_user)
    return _render_occurrence(task, get_occurrence_or_404(task, occurrence_id), report_form=form)


@bp.post("/tasks/<int:task_id>/occurrences/<int:occurrence_id>/review")
@login_required
def review(task_id: int, occurrence_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    occurrence_obj = get_occurrence_or_404(task, occurrence_id)
    if not can_review(current_user):
        abort(403)
    form = OccurrenceReviewForm()
    if form.validate_on_submit():
        try:
            review_occurrence(occurrence_obj, current_user, decision=form.decision.data or "", note=form.note.data,
                              expected_version=form_version(form))
        except FORM_ERRORS as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash("Đã ghi nhận ý kiến xác nhận kỳ báo cáo.", "success")
            return redirect(url_for("deadlines.occurrence", task_id=task_id, occurrence_id=occurrence_id), 303)
    task = get_task_or_404(task_id, current_user)
    return _render_occurrence(task, get_occurrence_or_404(task, occurrence_id), review_form=form)


# -- progress table -------------------------------------------------------------------------------------------


def _milestone_values(form: MilestoneForm) -> dict[str, Any]:
    return {
        "step": form.step.data,
        "due_on": form.due_on.data,
        "done_on": form.done_on.data,
        "note": form.note.data,
        "position": form.position.data,
    }


@bp.post("/tasks/<int:task_id>/milestones")
@login_required
def new_milestone(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    if not can_edit_milestones(current_user, task):
        abort(403)
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            add_milestone(task, current_user, **_milestone_values(form))
        except FORM_ERRORS as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash("Đã thêm bước thực hiện.", "success")
            return _back_to_task(task, "#milestones")
    return render_task_page(get_task_or_404(task_id, current_user), milestone_form=form)


@bp.route("/tasks/<int:task_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@login_required
def edit_milestone(task_id: int, milestone_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    milestone = get_milestone_or_404(task, milestone_id)
    if not can_edit_milestones(current_user, task):
        abort(403)
    form = MilestoneEditForm(obj=milestone if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(milestone.version)
    if form.validate_on_submit():
        try:
            update_milestone(milestone, task, current_user, expected_version=form_version(form),
                             **_milestone_values(form))
        except FORM_ERRORS as error:
            db.session.rollback()
            show_errors(form, error)
            task = get_task_or_404(task_id, current_user)
            milestone = get_milestone_or_404(task, milestone_id)
        else:
            db.session.commit()
            flash("Đã lưu bước thực hiện.", "success")
            return _back_to_task(task, "#milestones")
    return render_template("deadlines/milestone_form.html", task=task, milestone=milestone, form=form)


@bp.post("/tasks/<int:task_id>/milestones/<int:milestone_id>/delete")
@login_required
def remove_milestone(task_id: int, milestone_id: int) -> Response:
    task = get_task_or_404(task_id, current_user)
    milestone = get_milestone_or_404(task, milestone_id)
    if not can_edit_milestones(current_user, task):
        abort(403)
    try:  # CSRFProtect has already checked the form's token
        delete_milestone(milestone, task, current_user)
    except ConflictError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash("Đã xóa bước thực hiện.", "success")
    return _back_to_task(task, "#milestones")


@bp.get("/tasks/<int:task_id>/milestones.xlsx")
@login_required
def export_milestones(task_id: int) -> Response:
    task = get_task_or_404(task_id, current_user)
    stream = milestones_workbook(task, task_milestones(task), current_identity().issuing_body)
    return send_bytes(stream.getvalue(), XLSX_MIME, f"bang-tien-do-nhiem-vu-{task.id}.xlsx")


# -- one instruction to every unit of a kind ----------------------------------------------------------------------


@bp.get("/task-groups/<int:group_id>")
@login_required
def group(group_id: int) -> str:
    task_group = get_group_or_404(group_id)
    directive = get_directive_or_404(task_group.directive_id, current_user)
    rows = db.session.execute(
        task_rows_query(current_user, TaskFilters(group_id=task_group.id), today(), _due_soon_days())
    ).all()
    return render_template("deadlines/group.html", group=task_group, directive=directive, rows=rows,
                           group_label=BULK_KIND_LABELS.get(task_group.unit_kind, task_group.unit_kind))
