"""Ý kiến chỉ đạo on the pages: the task page's panel (templates/tasks/_directions.html), posting one
(`POST /tasks/<id>/directions`), and the unit home page's list of directions not yet answered
(templates/home/unit.html). The API is in direction_api.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_give_direction
from kpi_tasks.accounts.roles import LEADER
from kpi_tasks.errors import ConflictError, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import Form, options, show_errors
from kpi_tasks.tasks.directions import (
    TaskDirection,
    give_direction,
    leaders_to_record_for,
    new_directions_for_unit,
    task_directions,
)
from kpi_tasks.tasks.models import STATE_WITHDRAWN, Task
from kpi_tasks.tasks.services import get_task_or_404
from kpi_tasks.tasks.views import _render_detail as render_task_page
from kpi_tasks.validation import MAX_TEXT_LENGTH

bp = Blueprint("directions", __name__)


class DirectionForm(Form):
    text = TextAreaField("Nội dung chỉ đạo", validators=[DataRequired("Chưa nhập nội dung ý kiến chỉ đạo."),
                                                          Length(max=MAX_TEXT_LENGTH)])
    # Only for the office (and admin): whose direction it records; 0 is their own.
    given_by_id = SelectField("Ý kiến của lãnh đạo", coerce=int, default=0)


def direction_form(user: User, form: DirectionForm | None = None) -> DirectionForm:
    form = form or DirectionForm(formdata=None)
    if user.role == LEADER:
        del form.given_by_id
    else:
        form.given_by_id.choices = options(
            [(0, "— Ý kiến của Văn phòng (không ghi thay lãnh đạo) —")]
            + [(leader.id, f"{leader.display_name} ({leader.role_label})") for leader in leaders_to_record_for()]
        )
    return form


@bp.app_template_global("task_direction_panel")
def task_direction_panel(task: Task, form: DirectionForm | None = None) -> dict:
    """What templates/tasks/_directions.html shows: the task's directions and, for those who may give one on
    a task not withdrawn, the form (the one submitted, with its errors, when the page is shown again)."""
    user = current_user._get_current_object()
    may_direct = can_give_direction(user) and task.state != STATE_WITHDRAWN
    return {"directions": task_directions(task.id), "form": direction_form(user, form) if may_direct else None}


@bp.app_template_global("unit_new_directions")
def unit_new_directions() -> list[TaskDirection]:
    """The directions the current unit user's unit has not answered yet (templates/home/unit.html)."""
    return new_directions_for_unit(current_user._get_current_object())


@bp.post("/tasks/<int:task_id>/directions")
@login_required
def create(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    if not can_give_direction(current_user):
        abort(403)
    form = direction_form(current_user, DirectionForm())
    if form.validate_on_submit():
        given_by = form.given_by_id.data if "given_by_id" in form else None
        try:
            give_direction(task, current_user, text=form.text.data, given_by_id=given_by or None)
        except (ValidationError, ConflictError) as error:
            db.session.rollback()
            show_errors(form, error)
            return render_task_page(get_task_or_404(task_id, current_user), direction_form=form)
        db.session.commit()
        flash("Đã ghi ý kiến chỉ đạo.", "success")
        return redirect(url_for("tasks.detail", task_id=task.id) + "#directions", 303)
    return render_task_page(task, direction_form=form)

