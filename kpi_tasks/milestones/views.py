"""Pages of the progress table: a step added, edited, deleted on the task page, and its Excel export. Each
loads, checks, calls one service, commits."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import (
    can_edit_milestones,
)
from kpi_tasks.documents.downloads import XLSX_MIME, send_bytes
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.forms import form_version, save, unique_ids
from kpi_tasks.milestones.excel import milestones_workbook
from kpi_tasks.milestones.forms import MilestoneEditForm, MilestoneForm
from kpi_tasks.milestones.queries import steps_done, task_milestones
from kpi_tasks.milestones.services import add_milestone, delete_milestone, get_milestone_or_404, update_milestone
from kpi_tasks.tasks.models import STATE_WITHDRAWN, Task
from kpi_tasks.tasks.services import get_task_or_404
from kpi_tasks.tasks.views import _render_detail as render_task_page

bp = Blueprint("milestones", __name__)


@bp.app_template_global("milestone_panel")
def milestone_panel(task: Task, form: MilestoneForm | None = None) -> dict[str, Any]:
    """What templates/milestones/_panel.html shows on the task page: the steps, how many are done, and for
    those who keep the table (a task not withdrawn) the form to add one (the submitted one, with its errors,
    when the page is shown again)."""
    user = current_user._get_current_object()
    milestones = task_milestones(task)
    done, total, percent = steps_done(milestones)
    may_edit = can_edit_milestones(user, task) and task.state != STATE_WITHDRAWN
    return {
        "milestones": milestones,
        "progress": {"done": done, "total": total, "percent": percent},
        # Its ids are its own on the task page, which has other forms with a `note`.
        "form": unique_ids(form or MilestoneForm(formdata=None), "milestone") if may_edit else None,
    }


def _back_to_task(task: Task, anchor: str = "") -> Response:
    return redirect(url_for("tasks.detail", task_id=task.id) + anchor, 303)


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
def new(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    if not can_edit_milestones(current_user, task):
        abort(403)
    form = MilestoneForm()
    if form.validate_on_submit() and save(form, lambda: add_milestone(task, current_user, **_milestone_values(form)),
                                          "Đã thêm bước thực hiện."):
        return _back_to_task(task, "#milestones")
    return render_task_page(get_task_or_404(task_id, current_user), milestone_form=form)


@bp.route("/tasks/<int:task_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@login_required
def edit(task_id: int, milestone_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    milestone = get_milestone_or_404(task, milestone_id)
    if not can_edit_milestones(current_user, task):
        abort(403)
    form = MilestoneEditForm(obj=milestone if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(milestone.version)
    if form.validate_on_submit():
        if save(form, lambda: update_milestone(milestone, task, current_user, expected_version=form_version(form),
                                               **_milestone_values(form)), "Đã lưu bước thực hiện."):
            return _back_to_task(task, "#milestones")
        task = get_task_or_404(task_id, current_user)
        milestone = get_milestone_or_404(task, milestone_id)
    return render_template("milestones/form.html", task=task, milestone=milestone, form=form)


@bp.post("/tasks/<int:task_id>/milestones/<int:milestone_id>/delete")
@login_required
def remove(task_id: int, milestone_id: int) -> Response:
    task = get_task_or_404(task_id, current_user)
    milestone = get_milestone_or_404(task, milestone_id)
    if not can_edit_milestones(current_user, task):
        abort(403)
    # CSRFProtect has already checked the form's token.
    save(None, lambda: delete_milestone(milestone, task, current_user), "Đã xóa bước thực hiện.")
    return _back_to_task(task, "#milestones")


@bp.get("/tasks/<int:task_id>/milestones.xlsx")
@login_required
def export(task_id: int) -> Response:
    task = get_task_or_404(task_id, current_user)
    stream = milestones_workbook(task, task_milestones(task), current_identity().issuing_body)
    return send_bytes(stream.getvalue(), XLSX_MIME, f"bang-tien-do-nhiem-vu-{task.id}.xlsx")


