"""The thread on a task's page (trao đổi): the panel's template global, posting with files, correcting."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf.file import MultipleFileField
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from kpi_tasks.accounts.permissions import can_comment
from kpi_tasks.attachments.services import FileTooLarge, attachments_by_comment, read_uploads
from kpi_tasks.errors import DomainError
from kpi_tasks.extensions import db
from kpi_tasks.forms import REFUSALS, Form, save, show_errors
from kpi_tasks.tasks.comments import edit_comment, get_comment_or_404, may_edit, post_comment, task_comments_query
from kpi_tasks.tasks.models import STATE_WITHDRAWN, Task
from kpi_tasks.tasks.services import get_task_or_404
from kpi_tasks.tasks.views import render_task_page
from kpi_tasks.validation import MAX_TEXT_LENGTH

bp = Blueprint("thread", __name__)


class CommentForm(Form):
    text = TextAreaField("Ý kiến trao đổi (gõ @ và tên đăng nhập hoặc mã đơn vị để nhắc đến, ví dụ @vanphong)",
                         validators=[DataRequired("Chưa nhập nội dung trao đổi."), Length(max=MAX_TEXT_LENGTH)],
                         id="comment-text")
    # Own ids: the task page also holds the direction and progress forms, whose fields share these names.
    attachments = MultipleFileField("Tệp đính kèm", id="comment-attachments")


class CommentEditForm(Form):
    text = TextAreaField("Sửa ý kiến", validators=[DataRequired("Chưa nhập nội dung trao đổi."),
                                                   Length(max=MAX_TEXT_LENGTH)])


@bp.app_template_global("task_thread_panel")
def task_thread_panel(task: Task, form: CommentForm | None = None) -> dict:
    """What templates/tasks/_thread.html shows: the comments, their files, which of them the user may still
    correct, and the form for those who may write (the one submitted, with its errors, when shown again)."""
    user = current_user._get_current_object()
    comments = list(db.session.scalars(task_comments_query(task)))
    may_write = can_comment(user, task) and task.state != STATE_WITHDRAWN
    return {
        "comments": comments,
        "files": attachments_by_comment(task),
        "editable": {c.id for c in comments if may_edit(c, user)},
        "form": (form or CommentForm(formdata=None)) if may_write else None,
    }


@bp.post("/tasks/<int:task_id>/comments")
@login_required
def add_comment(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    form = CommentForm()
    if form.validate_on_submit() and save(form, lambda: _post(task, form), "Đã gửi ý kiến trao đổi.",
                                          refused=(*REFUSALS, FileTooLarge), show=lambda error: _refused(form, error)):
        return redirect(url_for("tasks.detail", task_id=task_id) + "#thread", 303)
    return render_task_page(get_task_or_404(task_id, current_user), comment_form=form)


def _post(task: Task, form: CommentForm) -> None:
    uploads = read_uploads(form.attachments.data or [])  # all files checked before anything is saved
    post_comment(task, current_user, text=form.text.data, uploads=uploads)


def _refused(form: CommentForm, error: DomainError) -> None:
    if isinstance(error, FileTooLarge):  # said on the form, what was typed kept
        form.attachments.errors = [error.message]
    else:
        show_errors(form, error)


@bp.post("/tasks/<int:task_id>/comments/<int:comment_id>/edit")
@login_required
def edit(task_id: int, comment_id: int) -> Response:
    task = get_task_or_404(task_id, current_user)
    comment = get_comment_or_404(task, comment_id)
    form = CommentEditForm()
    if form.validate_on_submit():
        save(None, lambda: edit_comment(comment, current_user, text=form.text.data), "Đã sửa ý kiến trao đổi.",
             show=lambda error: flash(error.fields.get("text", error.message), "danger"))
    else:
        flash("Chưa nhập nội dung trao đổi.", "danger")
    return redirect(url_for("tasks.detail", task_id=task.id) + f"#comment-{comment_id}", 303)
