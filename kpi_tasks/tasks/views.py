from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_assign_staff,
    can_assign_to_unit,
    can_break_down,
    can_contribute,
    can_decide_extension,
    can_delete_task,
    can_give_direction,
    can_manage_tasks,
    can_request_extension,
    can_review,
    can_view_task,
    can_view_unacknowledged,
    committee_id_of,
    unit_committee_id,
)
from kpi_tasks.accounts.queries import active_leaders, users_of_unit
from kpi_tasks.accounts.roles import LEADER, UNIT_STAFF
from kpi_tasks.attachments.services import (
    FileTooLarge,
    attach_to_update,
    attachments_by_update,
    directive_attachments,
    read_uploads,
)
from kpi_tasks.audit.services import ACTION_LABELS, history
from kpi_tasks.calendar.recurrence import describe
from kpi_tasks.clock import local_date, today
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import get_directive_or_404
from kpi_tasks.documents.appendix import DATE, REQUEST_COUNT, WRAP, Column, count_rows
from kpi_tasks.documents.lists import filter_line, send_history, send_list
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import REFUSALS, PageArgs, form_version, htmx_target, options, save, save_action, unique_ids
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.tasks import corrections, lifecycle
from kpi_tasks.tasks.forms import (
    AssignForm,
    CorrectionForm,
    DirectionForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    OccurrenceReportForm,
    ProgressForm,
    ReviewForm,
    TaskForm,
    WithdrawDirectiveForm,
)
from kpi_tasks.tasks.lifecycle import (
    Reportable,
    decide_extension,
    get_extension_request_or_404,
    request_extension,
)
from kpi_tasks.tasks.models import (
    EXTENSION_PENDING,
    EXTENSION_STATUS_LABELS,
    EXTENSION_STATUSES,
    STATE_AWAITING_REVIEW,
    STATE_OPEN,
    STATE_WITHDRAWN,
    ExtensionRequest,
    Task,
    TaskDirection,
    TaskOccurrence,
)
from kpi_tasks.tasks.occurrences import get_occurrence_or_404, task_rule
from kpi_tasks.tasks.queries import (
    TaskFilters,
    current_occurrence_rows,
    describe_task_filters,
    directive_task_counts,
    extension_requests_query,
    group_size,
    level_units,
    listed_total,
    new_directions_for_unit,
    occurrence_count,
    occurrence_flags,
    occurrence_rows_query,
    progress_updates,
    read_task_filters,
    subtask_breakdown,
    subtask_rows,
    task_directions,
    task_extension_requests,
    task_flags,
    task_group,
    task_rows_query,
    unacknowledged_tasks_query,
)
from kpi_tasks.tasks.services import (
    BULK_KIND_LABELS,
    acknowledge_task,
    assign_staff,
    break_down,
    create_task,
    create_task_group,
    get_group_or_404,
    get_task_or_404,
    give_direction,
    update_task,
)
from kpi_tasks.units.queries import active_unit_names_digested, active_units_digest
from kpi_tasks.units.services import list_units

bp = Blueprint("tasks", __name__)
PER_PAGE = 30


# What the task page shows of the task's relations, loaded with the task in one statement (a task has a few
# coordinating units and assignees at most) instead of one lazy load each.
TASK_PAGE_LOADS = (joinedload(Task.lead_unit), joinedload(Task.leader), joinedload(Task.acknowledged_by),
                   joinedload(Task.parent_task), joinedload(Task.coordinating_units), joinedload(Task.assignees))


def _due_soon_days() -> int:
    return current_app.config["DUE_SOON_WORKING_DAYS"]


@bp.get("/tasks/")
@login_required
def index() -> str:
    filters = read_task_filters(PageArgs(request.args), current_user, own_unit_first=True)
    page = paginate_rows(
        task_rows_query(current_user, filters, today(), _due_soon_days(), with_relations=False),
        request.args.get("page", 1, type=int),
        PER_PAGE,
        total=listed_total(current_user, filters, today()),
    )
    partial = htmx_target() == "task-rows"
    template = "tasks/_rows.html" if partial else "tasks/list.html"
    page_args = {key: value for key, value in request.args.items() if key != "page"}
    # A partial (the filters changed) replaces only the rows: it carries the filters' messages itself.
    # The list's downloads are the report list's (reports.tasks_xlsx): the same filters read the same rows.
    # The unit filter is the office's and leaders' (a unit's own users list their unit's tasks); the rows' partial
    # has no filters. None: the page shows no unit filter.
    show_units = not partial and not current_user.is_unit_user
    unit_options = active_unit_filter_options(filters.unit_id) if show_units else None
    return render_template(template, page=page, page_args=page_args, filters=filters, unit_options=unit_options,
                           partial=partial, export_title=_list_name(current_user),
                           export_filters=filter_line(["; ".join(describe_task_filters(filters))]))


# The unit filter's options as written with no unit selected, by the digest of the units they show
# (units.queries.active_units_digest): a province's 2,000 options cost a list page more than its rows, and they
# change only when a unit does. The digest is read from the database on every page, so every host sees a change
# at once. A few entries at most (a test run has a database per dialect).
_UNIT_OPTIONS: dict[str, str] = {}
_UNIT_OPTIONS_KEPT = 4


def active_unit_filter_options(selected: int | None) -> Markup:
    """`unit_filter_options` of the active units, from the kept markup while the units are unchanged."""
    digest = active_units_digest()
    written = _UNIT_OPTIONS.get(digest) if digest is not None else None
    if written is None:
        # The rows with their own digest: a unit may change between the two statements.
        units, digest = active_unit_names_digested()
        written = str(unit_filter_options(units, None))
        if digest is not None:
            if len(_UNIT_OPTIONS) >= _UNIT_OPTIONS_KEPT:
                _UNIT_OPTIONS.clear()  # one step, whatever another thread does meanwhile
            _UNIT_OPTIONS[digest] = written
    if selected is not None:  # the one option of that id, as unit_filter_options marks it
        written = written.replace(f'<option value="{selected}" >', f'<option value="{selected}" selected>', 1)
    return Markup(written)  # noqa: S704 - written by unit_filter_options, which escapes the names


def unit_filter_options(units: list[sa.Row], selected: int | None) -> Markup:
    """The list's unit filter's options (a province's 2,000 units), each written in one f-string: the same markup
    as a template loop, which took a good part of the list's page at that size."""
    return Markup("".join(  # noqa: S704 - the name is escaped, the id is an int
        f'<option value="{unit.id}" {"selected" if selected == unit.id else ""}>{escape(unit.name)}</option>'
        for unit in units))


def _list_name(user: User) -> str:
    """The task list's title (as templates/tasks/list.html names it)."""
    if user.role == UNIT_STAFF:
        return "Việc được giao"
    return "Việc của đơn vị" if user.is_unit_user else "Danh sách nhiệm vụ"


def _unit_choices(form: TaskForm, committee_id: int | None, keep: Task | None = None) -> None:
    """The units the committee `committee_id` gives tasks to (and those `keep` already has)."""
    kept = set() if keep is None else {keep.lead_unit_id, *keep.coordinating_unit_ids}
    units = [u for u in list_units() if can_assign_to_unit(committee_id, u) or u.id in kept]
    form.lead_unit_id.choices = options([(0, "— Chọn đơn vị chủ trì —")] + [(u.id, u.name) for u in units])
    form.coordinating_unit_ids.choices = options((u.id, u.name) for u in units)
    form.lead_unit_kind.choices = options([("", "— Không (giao cho một đơn vị) —"), *BULK_KIND_LABELS.items()])
    form.leader_id.choices = options([(0, "— Chưa giao lãnh đạo phụ trách —")]
                                     + [(leader.id, leader.display_name) for leader in active_leaders()
                                        if committee_id_of(leader) == committee_id])


@bp.route("/tasks/new/<int:directive_id>", methods=["GET", "POST"])
@login_required
def new(directive_id: int) -> str | Response:
    if not can_manage_tasks(current_user):
        abort(403)
    directive = get_directive_or_404(directive_id, current_user)
    if not can_manage_tasks(current_user, directive):
        abort(403)
    form = TaskForm()
    _unit_choices(form, directive.committee_id)
    if form.validate_on_submit() and save(form, lambda: _give_task(directive, form), lambda message: message):
        if request.form.get("then") == "another":
            return redirect(url_for("tasks.new", directive_id=directive.id), 303)
        return redirect(url_for("directives.detail", directive_id=directive.id), 303)
    return render_template("tasks/form.html", form=form, directive=directive, task=None)


def _give_task(directive: Directive, form: TaskForm) -> str:
    """Give the task the form describes to its lead unit, or one to each unit of the kind chosen; says what."""
    values = {
        "title": form.title.data or "",
        "content": form.content.data,
        "section": form.section.data,
        "coordinating_unit_ids": form.coordinating_unit_ids.data or [],
        "leader_id": form.leader_id.data or None,
        **form.deadline_values(),
    }
    if not form.lead_unit_kind.data:
        task = create_task(directive, current_user, lead_unit_id=form.lead_unit_id.data or None, **values)
        return f"Đã giao nhiệm vụ “{task.title}”."
    if form.lead_unit_id.data:
        raise ValidationError("Chọn một đơn vị chủ trì hoặc một nhóm đơn vị, không chọn cả hai.",
                              {"lead_unit_kind": "Bỏ chọn đơn vị chủ trì ở trên, hoặc bỏ chọn nhóm."})
    _, tasks = create_task_group(directive, current_user, unit_kind=form.lead_unit_kind.data, **values)
    return (f"Đã giao nhiệm vụ “{tasks[0].title}” cho {len(tasks)} đơn vị "
            f"({BULK_KIND_LABELS[form.lead_unit_kind.data]}), mỗi đơn vị một nhiệm vụ.")


@bp.route("/tasks/<int:task_id>/subtasks/new", methods=["GET", "POST"])
@login_required
def new_subtask(task_id: int) -> str | Response:
    """Giao tiếp: the office of the committee that received the task gives its parts to its own units."""
    parent = get_task_or_404(task_id, current_user)
    if not can_break_down(current_user, parent):
        abort(403)
    form = TaskForm()
    _unit_choices(form, unit_committee_id(parent.lead_unit))
    form.lead_unit_kind.choices = options([("", "— Không (giao cho một đơn vị) —")])
    if request.method == "GET":
        form.title.data = parent.title
        if parent.effective_deadline is not None:
            form.deadline_kind.data, form.deadline.data = "date", parent.effective_deadline
    if form.validate_on_submit():
        saved = save(form, lambda: break_down(
            parent, current_user, title=form.title.data or "", content=form.content.data,
            section=form.section.data, lead_unit_id=form.lead_unit_id.data or None,
            coordinating_unit_ids=form.coordinating_unit_ids.data or [], leader_id=form.leader_id.data or None,
            **form.deadline_values(),
        ), lambda subtask: f"Đã giao “{subtask.title}” cho {subtask.lead_unit.name}.")
        if saved:
            if request.form.get("then") == "another":
                return redirect(url_for("tasks.new_subtask", task_id=parent.id), 303)
            return redirect(url_for("tasks.detail", task_id=parent.id) + "#breakdown", 303)
        parent = get_task_or_404(task_id, current_user)
    return render_template("tasks/form.html", form=form, directive=parent.directive, task=None, parent=parent)


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@login_required
def edit(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    if not can_manage_tasks(current_user, task):
        abort(403)
    form = TaskForm(obj=task if request.method == "GET" else None)
    _unit_choices(form, task.committee_id, keep=task)
    if request.method == "GET":
        form.coordinating_unit_ids.data = task.coordinating_unit_ids
        form.deadline_kind.data = task.deadline_kind if task.deadline_kind != "none" else "none"
        form.show_recurrence(task.recurrence)
        form.version.data = str(task.version)
    if form.validate_on_submit():
        if save(form, lambda: update_task(
            task,
            current_user,
            expected_version=form_version(form),
            title=form.title.data or "",
            content=form.content.data,
            section=form.section.data,
            lead_unit_id=form.lead_unit_id.data or None,
            coordinating_unit_ids=form.coordinating_unit_ids.data or [],
            leader_id=form.leader_id.data or None,
            **form.deadline_values(),
        ), "Đã lưu thay đổi."):
            return redirect(url_for("tasks.detail", task_id=task_id), 303)
        task = get_task_or_404(task_id, current_user)
    return render_template("tasks/form.html", form=form, directive=task.directive, task=task)


def render_task_page(task: Task, **submitted: Any) -> str:
    """The task page, for the views of the task's other panels (thread_views.py) that show it again."""
    return _render_detail(task, **submitted)


def _render_detail(task: Task, **submitted: Any) -> str:
    """The task page. A form submitted from it and refused comes in `submitted`, shown again with its errors (the
    progress table's, directions' and KPI targets' panels take theirs from there through their template globals)."""
    status, due_soon = task_flags(task, today(), _due_soon_days())
    requests = task_extension_requests(task)
    assign_form = None
    if can_assign_staff(current_user, task):
        assign_form = AssignForm(formdata=None)
        staff = [u for u in users_of_unit(current_user.unit_id) if u.role == UNIT_STAFF]
        assign_form.user_ids.choices = options((u.id, u.display_name) for u in staff)
        assign_form.user_ids.data = [u.id for u in task.assignees]
    lifecycle = _lifecycle_forms(Reportable(task), requests, submitted)
    submitted.setdefault("correction", None)  # the panel's form itself comes when opened (correction_panel)
    subtasks = subtask_rows(task, today(), _due_soon_days())
    return render_template(
        "tasks/detail.html",
        task=task,
        breakdown=subtask_breakdown(subtasks),
        subtasks=subtasks,
        may_break_down=can_break_down(current_user, task) and task.state in (STATE_OPEN, STATE_AWAITING_REVIEW),
        parent_visible=task.parent_task is not None and can_view_task(current_user, task.parent_task),
        status=status,
        due_soon=due_soon,
        updates=progress_updates(task),
        events=history("task", task.id),
        action_labels=ACTION_LABELS,
        assign_form=assign_form,
        may_correct=_may_correct(task),
        extension_requests=requests,
        update_attachments=attachments_by_update(task),
        **_task_panels(task),
        **lifecycle,
        **submitted,
    )


def _task_panels(task: Task) -> dict[str, Any]:
    """The task page's panels of its periods, group and directive's files."""
    rule = task_rule(task)
    group = task_group(task.group_id)
    return {
        "recurrence_text": describe(rule) if rule else None,
        "occurrence_rows": current_occurrence_rows(task, today(), _due_soon_days()) if rule else [],
        "occurrence_total": occurrence_count(task) if rule else 0,
        "group": group,
        "group_label": BULK_KIND_LABELS.get(group.unit_kind, group.unit_kind) if group else None,
        "group_size": group_size(group.id) if group else 0,
        "directive_files": directive_attachments(task.directive),
    }


def _lifecycle_forms(subject: Reportable, requests: list[ExtensionRequest], submitted: dict[str, Any]) -> dict:
    """The lifecycle's forms a task's or a period's page shows (templates/tasks/_lifecycle.html), each only to
    whom may use it now: report, review, ask for an extension, decide each pending request. A refused form in
    `submitted` (taken out of it) replaces its blank one."""
    user, task, item = current_user, subject.task, subject.item
    is_open = item.state == STATE_OPEN and task.state == STATE_OPEN
    own = subject.occurrence.id if subject.occurrence is not None else None
    pending = any(r.status == EXTENSION_PENDING and r.occurrence_id == own for r in requests)
    report_form_class = ProgressForm if subject.occurrence is None else OccurrenceReportForm
    forms: dict[str, Any] = {"report_form": None, "review_form": None, "extension_form": None, "decision_forms": {}}
    if is_open and can_contribute(user, task):
        forms["report_form"] = submitted.pop("report_form", None) or report_form_class(formdata=None)
    if item.state == STATE_AWAITING_REVIEW and can_review(user, task):
        forms["review_form"] = unique_ids(submitted.pop("review_form", None) or ReviewForm(formdata=None), "review")
    if is_open and subject.may_ask_extension and can_request_extension(user, task) and not pending:
        forms["extension_form"] = ExtensionRequestForm(formdata=None)
    if can_decide_extension(user, task) and task.state != STATE_WITHDRAWN:
        forms["decision_forms"] = {r.id: unique_ids(ExtensionDecisionForm(formdata=None), f"x{r.id}")
                                   for r in requests if r.status == EXTENSION_PENDING}
    submitted.pop("report_form", None), submitted.pop("review_form", None)
    forms.update({key: submitted.pop(key) for key in ("extension_form", "decision_forms") if key in submitted})
    for name in ("report_form", "review_form"):
        if forms[name] is not None:
            forms[name].version.data = str(item.version)
    if forms["extension_form"] is not None and own is not None:
        forms["extension_form"].occurrence_id.data = str(own)
    return forms


@bp.get("/tasks/<int:task_id>")
@login_required
def detail(task_id: int) -> str:
    return _render_detail(get_task_or_404(task_id, current_user, *TASK_PAGE_LOADS))


@bp.get("/tasks/<int:task_id>/history.xlsx")
@login_required
def history_export(task_id: int) -> Response:
    """The task's change log, to whoever may open the task's page."""
    task, day = get_task_or_404(task_id, current_user), today()
    return send_history(history("task", task.id), day=day, subject=f"Nhiệm vụ: {task.title}",
                        file_name=f"lich-su-nhiem-vu-{task.id}-{day:%Y%m%d}.xlsx")


@bp.post("/tasks/<int:task_id>/updates")
@login_required
def add_update(task_id: int) -> str | Response:
    return _report(_subject(task_id))


@bp.post("/tasks/<int:task_id>/review")
@login_required
def review(task_id: int) -> str | Response:
    return _review(_subject(task_id))


@bp.post("/tasks/<int:task_id>/acknowledge")
@login_required
def acknowledge(task_id: int) -> Response:
    task = get_task_or_404(task_id, current_user)
    # CSRF: checked for every POST (extensions.csrf)
    save_action(lambda: acknowledge_task(task, current_user), "Đã tiếp nhận nhiệm vụ.")
    return redirect(url_for("tasks.detail", task_id=task.id), 303)


@bp.get("/tasks/unacknowledged")
@login_required
def unacknowledged() -> str:
    """The tasks no lead unit has acknowledged after one working day (the office chases them)."""
    if not can_view_unacknowledged(current_user):
        abort(403)
    page = db.paginate(unacknowledged_tasks_query(current_user, today()),
                       page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    return render_template("tasks/unacknowledged.html", page=page)


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Response:
    task = get_task_or_404(task_id, current_user)
    form = AssignForm()
    if form.validate_on_submit():
        save(None, lambda: assign_staff(task, current_user, form.user_ids.data or []), "Đã giao việc cho chuyên viên.",
             show=lambda error: flash(error.message, "danger"))
    return redirect(url_for("tasks.detail", task_id=task.id), 303)


def _may_correct(task: Task) -> bool:
    return can_manage_tasks(current_user, task) and task.state != STATE_WITHDRAWN


def correction_form(task: Task, form: CorrectionForm | None = None) -> CorrectionForm | None:
    """The task page's corrections panel, for those who manage tasks (delete: the administrator only)."""
    if not _may_correct(task):
        return None
    form = unique_ids(form or CorrectionForm(formdata=None), "correction")
    form.lead_unit_id.choices = options([(0, "— Chọn đơn vị —")] + [
        (unit_id, name) for unit_id, name in level_units(task.committee_id) if unit_id != task.lead_unit_id])
    if not can_delete_task(current_user):
        form.action.choices = [choice for choice in form.action.choices if choice.value != "delete"]
    if form.version.data is None or not form.is_submitted():
        form.version.data = str(task.version)
    return form


@bp.get("/tasks/<int:task_id>/corrections")
@login_required
def correction_panel(task_id: int) -> str:
    """The corrections panel's form, fetched when the task page's panel is opened (htmx: the fragment); without
    JavaScript, a page of its own. Its units (a province's 2,000) are written only for whom opens it."""
    task = get_task_or_404(task_id, current_user)
    form = correction_form(task)
    if form is None:
        abort(403)
    template = "tasks/_correction.html" if htmx_target() == "correction-form" else "tasks/correction.html"
    return render_template(template, task=task, correction=form)


@bp.post("/tasks/<int:task_id>/corrections")
@login_required
def correct(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    if not can_manage_tasks(current_user, task):
        abort(403)
    form = CorrectionForm()
    correction_form(task, form)
    if form.validate_on_submit():
        directive_id = task.directive_id
        if save(form, lambda: _correct(task, form), lambda message: message):
            if form.action.data == "delete":
                return redirect(url_for("directives.detail", directive_id=directive_id), 303)
            return redirect(url_for("tasks.detail", task_id=task_id), 303)
        task = get_task_or_404(task_id, current_user)
    return _render_detail(task, correction=form)


def _correct(task: Task, form: CorrectionForm) -> str:
    """Apply the correction the form chose (withdraw, another lead unit, delete); says what was done."""
    if form.action.data == "withdraw":
        corrections.withdraw_task(task, current_user, note=form.note.data, expected_version=form_version(form))
        return "Đã thu hồi nhiệm vụ: không còn theo dõi và không tính vào thống kê."
    if form.action.data == "reassign":
        corrections.reassign_lead_unit(task, current_user, lead_unit_id=form.lead_unit_id.data or None,
                                       note=form.note.data, expected_version=form_version(form))
        return f"Đã chuyển nhiệm vụ cho {task.lead_unit.name} chủ trì."
    if form.action.data != "delete" or not can_delete_task(current_user):
        abort(403)
    corrections.delete_task(task, current_user, note=form.note.data)
    return "Đã xóa nhiệm vụ (ghi trong nhật ký)."


@bp.post("/directives/<int:directive_id>/withdraw")
@login_required
def withdraw_directive(directive_id: int) -> Response:
    directive = get_directive_or_404(directive_id, current_user)
    if not can_manage_tasks(current_user, directive):
        abort(403)
    form = WithdrawDirectiveForm()
    if form.validate_on_submit():
        save(None, lambda: corrections.withdraw_directive(directive, current_user, note=form.note.data),
             lambda tasks: f"Đã thu hồi văn bản và {len(tasks)} nhiệm vụ của văn bản.")
    return redirect(url_for("directives.detail", directive_id=directive.id), 303)


# Ý kiến chỉ đạo: the task page's panel (templates/tasks/_directions.html), posting one, and the unit home
# page's list of directions not yet answered (templates/home/unit.html).


def direction_form(user: User, form: DirectionForm | None = None) -> DirectionForm:
    form = form or DirectionForm(formdata=None)
    if user.role == LEADER:
        del form.given_by_id
    else:
        form.given_by_id.choices = options(
            [(0, "— Ý kiến của Văn phòng (không ghi thay lãnh đạo) —")]
            + [(leader.id, f"{leader.display_name} ({leader.role_label})") for leader in active_leaders()]
        )
    return form


@bp.app_template_global("task_direction_panel")
def task_direction_panel(task: Task, form: DirectionForm | None = None) -> dict:
    """What templates/tasks/_directions.html shows: the task's directions and, for those who may give one on
    a task not withdrawn, the form (the one submitted, with its errors, when the page is shown again)."""
    user = current_user._get_current_object()
    may_direct = can_give_direction(user, task) and task.state != STATE_WITHDRAWN
    return {"directions": task_directions(task.id), "form": direction_form(user, form) if may_direct else None}


@bp.app_template_global("unit_new_directions")
def unit_new_directions() -> list[TaskDirection]:
    """The directions the current unit user's unit has not answered yet (templates/home/unit.html)."""
    return new_directions_for_unit(current_user._get_current_object())


@bp.post("/tasks/<int:task_id>/directions")
@login_required
def add_direction(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    if not can_give_direction(current_user, task):
        abort(403)
    form = direction_form(current_user, DirectionForm())
    if form.validate_on_submit():
        given_by = form.given_by_id.data if "given_by_id" in form else None
        if save(form, lambda: give_direction(task, current_user, text=form.text.data, given_by_id=given_by or None),
                "Đã ghi ý kiến chỉ đạo."):
            return redirect(url_for("tasks.detail", task_id=task_id) + "#directions", 303)
        task = get_task_or_404(task_id, current_user)
    return _render_detail(task, direction_form=form)


# -- extension requests --------------------------------------------------------------------------------


@bp.get("/extension-requests")
@login_required
def extension_requests() -> str:
    status = _extension_status_arg()
    page = paginate_rows(
        extension_requests_query(current_user, status), request.args.get("page", 1, type=int), PER_PAGE
    )
    forms = {}
    if can_decide_extension(current_user):
        for row in page.items:
            if (row.ExtensionRequest.status == EXTENSION_PENDING
                    and can_decide_extension(current_user, row.ExtensionRequest.task)):
                form = unique_ids(ExtensionDecisionForm(formdata=None), f"x{row.ExtensionRequest.id}")
                form.back.data = "list"
                forms[row.ExtensionRequest.id] = form
    return render_template(
        "tasks/extension_requests.html",
        page=page,
        status=status,
        status_labels=EXTENSION_STATUS_LABELS,
        decision_forms=forms,
        export_filters=_extension_filters(status),
    )


EXTENSION_COLUMNS = [
    Column("Nhiệm vụ", 34, WRAP),
    Column("Kỳ báo cáo", 11, DATE),
    Column("Đơn vị chủ trì", 20, WRAP, count_rows(), REQUEST_COUNT),
    Column("Hạn hiện tại", 11, DATE),
    Column("Hạn đề nghị", 11, DATE),
    Column("Hạn được duyệt", 11, DATE),
    Column("Lý do", 28, WRAP),
    Column("Ngày đề nghị", 11, DATE),
    Column("Người đề nghị", 20, WRAP),
    Column("Kết quả", 12, WRAP),
    Column("Ý kiến", 24, WRAP),
]


def _extension_status_arg() -> str | None:
    """The list's status filter: pending unless another (or "all") is asked for."""
    status = request.args.get("status", EXTENSION_PENDING)
    return status if status in EXTENSION_STATUSES else None


def _extension_filters(status: str | None) -> str:
    return filter_line([f"Kết quả: {EXTENSION_STATUS_LABELS[status]}" if status else ""])


@bp.get("/extension-requests.xlsx")
@login_required
def extension_requests_xlsx() -> Response:
    """The extension requests as the list shows them (the same status filter, the tasks the user may see)."""
    status, day = _extension_status_arg(), today()
    query = extension_requests_query(current_user, status)

    def rows() -> Iterator[list]:
        for row in db.session.execute(query):
            item = row.ExtensionRequest
            yield [item.task.title, item.occurrence.due_on if item.occurrence else None, item.unit.name,
                   item.previous_deadline, item.new_deadline, item.granted_deadline, item.reason,
                   local_date(item.created_at), item.requested_by.display_name, item.status_label,
                   item.decision_note or ""]

    return send_list(rows(), day=day, file_name=f"de-nghi-gia-han-{day:%Y%m%d}.xlsx",
                     title="Danh sách đề nghị gia hạn", filters=_extension_filters(status), columns=EXTENSION_COLUMNS,
                     empty="Không có đề nghị gia hạn nào theo bộ lọc đã chọn.", sheet_name="Đề nghị gia hạn")


@bp.post("/tasks/<int:task_id>/extension-requests")
@login_required
def new_extension_request(task_id: int) -> str | Response:
    form = ExtensionRequestForm()
    period = form.occurrence_id.data or ""
    subject = _subject(task_id, int(period) if period.isdigit() else None)
    if not can_request_extension(current_user, subject.task):
        abort(403)
    if form.validate_on_submit() and save(
        form, lambda: request_extension(subject.task, current_user, new_deadline=form.new_deadline.data,
                                        reason=form.reason.data, occurrence=subject.occurrence),
        "Đã gửi đề nghị gia hạn; chờ Văn phòng hoặc lãnh đạo UBND quyết định.",
    ):
        return redirect(_page_of(subject, "#extensions" if subject.occurrence is None else ""), 303)
    return _render_page(subject, extension_form=form)


@bp.post("/extension-requests/<int:request_id>/decision")
@login_required
def extension_decision(request_id: int) -> str | Response:
    extension = get_extension_request_or_404(request_id, current_user)
    if not can_decide_extension(current_user, extension.task):
        abort(403)
    form = unique_ids(ExtensionDecisionForm(), f"x{request_id}")
    subject = _subject(extension.task_id, extension.occurrence_id)
    if form.validate_on_submit() and save(
        form, lambda: decide_extension(extension, current_user, decision=form.decision.data or "",
                                       note=form.note.data, new_deadline=form.new_deadline.data),
        "Đã ghi nhận ý kiến về đề nghị gia hạn.",
    ):
        if form.back.data == "list":
            return redirect(url_for("tasks.extension_requests"), 303)
        return redirect(_page_of(subject, "#extensions" if subject.occurrence is None else ""), 303)
    return _render_page(subject, decision_forms={request_id: form})


# -- occurrences of recurring tasks ------------------------------------------------------------------------


@bp.get("/tasks/<int:task_id>/occurrences")
@login_required
def occurrences(task_id: int) -> str:
    task = get_task_or_404(task_id, current_user)
    page = paginate_rows(
        occurrence_rows_query(task, today(), _due_soon_days()), request.args.get("page", 1, type=int), PER_PAGE
    )
    rule = task_rule(task)
    return render_template("tasks/occurrences.html", task=task, page=page,
                           recurrence_text=describe(rule) if rule else None)


def _render_occurrence(task: Task, occurrence: TaskOccurrence, **submitted: Any) -> str:
    status, due_soon = occurrence_flags(occurrence, today(), _due_soon_days())
    requests = [r for r in task_extension_requests(task) if r.occurrence_id == occurrence.id]
    return render_template(
        "tasks/occurrence.html",
        task=task,
        occurrence=occurrence,
        status=status,
        due_soon=due_soon,
        updates=progress_updates(task, occurrence),
        update_attachments=attachments_by_update(task),
        extension_requests=requests,
        recurrence_text=describe(task_rule(task)) if task.recurrence else None,
        **_lifecycle_forms(Reportable(task, occurrence), requests, submitted),
    )


@bp.get("/tasks/<int:task_id>/occurrences/<int:occurrence_id>")
@login_required
def occurrence(task_id: int, occurrence_id: int) -> str:
    task = get_task_or_404(task_id, current_user)
    return _render_occurrence(task, get_occurrence_or_404(task, occurrence_id))


@bp.post("/tasks/<int:task_id>/occurrences/<int:occurrence_id>/updates")
@login_required
def occurrence_report(task_id: int, occurrence_id: int) -> str | Response:
    return _report(_subject(task_id, occurrence_id))


@bp.post("/tasks/<int:task_id>/occurrences/<int:occurrence_id>/review")
@login_required
def occurrence_review(task_id: int, occurrence_id: int) -> str | Response:
    return _review(_subject(task_id, occurrence_id))


# -- the lifecycle's forms, for a task and for one of its periods alike ---------------------------------------


def _subject(task_id: int, occurrence_id: int | None = None) -> Reportable:
    """The task (or its period) the request names, if the user may see it (404 otherwise)."""
    task = get_task_or_404(task_id, current_user)
    return Reportable(task, get_occurrence_or_404(task, occurrence_id) if occurrence_id is not None else None)


def _page_of(subject: Reportable, anchor: str = "") -> str:
    if subject.occurrence is None:
        return url_for("tasks.detail", task_id=subject.task.id) + anchor
    return url_for("tasks.occurrence", task_id=subject.task.id, occurrence_id=subject.occurrence.id) + anchor


def _render_page(subject: Reportable, **submitted: Any) -> str:
    """The subject's page again (after a refusal: reloaded, the rollback having expired what was loaded)."""
    subject = _subject(subject.task.id, subject.occurrence.id if subject.occurrence is not None else None)
    if subject.occurrence is None:
        return _render_detail(subject.task, **submitted)
    return _render_occurrence(subject.task, subject.occurrence, **submitted)


def _report(subject: Reportable) -> str | Response:
    form = ProgressForm() if subject.occurrence is None else OccurrenceReportForm()
    if form.validate_on_submit() and save(
        form, lambda: _send_report(subject, form),
        subject.words.reported_done if form.report_completed.data else subject.words.reported,
        refused=(*REFUSALS, FileTooLarge),
    ):
        return redirect(_page_of(subject), 303)
    return _render_page(subject, report_form=form)


def _send_report(subject: Reportable, form: ProgressForm | OccurrenceReportForm) -> None:
    uploads = read_uploads(form.attachments.data or [])  # all files checked before anything is saved
    update = lifecycle.report(
        subject, current_user, progress_percent=form.progress_percent.data, note=form.note.data,
        report_completed=form.report_completed.data, completed_on=form.completed_on.data,
        expected_version=form_version(form),
    )
    attach_to_update(update, subject.task, current_user, uploads)


def _review(subject: Reportable) -> str | Response:
    form = ReviewForm()
    if form.validate_on_submit() and save(
        form, lambda: lifecycle.review(subject, current_user, decision=form.decision.data or "",
                                       note=form.note.data, expected_version=form_version(form)),
        subject.words.reviewed,
    ):
        return redirect(_page_of(subject), 303)
    return _render_page(subject, review_form=form)


# -- one instruction to every unit of a kind ----------------------------------------------------------------------


@bp.get("/task-groups/<int:group_id>")
@login_required
def group(group_id: int) -> str:
    task_group = get_group_or_404(group_id)
    directive = get_directive_or_404(task_group.directive_id, current_user)
    rows = db.session.execute(
        task_rows_query(current_user, TaskFilters(group_id=task_group.id), today(), _due_soon_days())
    ).all()
    return render_template("tasks/group.html", group=task_group, directive=directive, rows=rows,
                           group_label=BULK_KIND_LABELS.get(task_group.unit_kind, task_group.unit_kind))


# -- what a directive's pages show of its tasks (templates/directives/) -------------------------------------------


@bp.app_template_global("directive_task_rows")
def directive_task_rows(directive: Directive) -> list[sa.Row]:
    """The directive's tasks the current user may see, with their status (templates/directives/detail.html)."""
    query = task_rows_query(current_user, TaskFilters(directive_id=directive.id), today(), _due_soon_days())
    return db.session.execute(query).all()


@bp.app_template_global("directive_task_counts")
def directive_task_counts_of(directives: list[Directive]) -> dict[int, dict[str, int]]:
    """Each listed directive's tasks the current user may see, by status (templates/directives/list.html)."""
    return directive_task_counts(current_user, [directive.id for directive in directives], today())
