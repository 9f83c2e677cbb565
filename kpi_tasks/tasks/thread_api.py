"""The API of a task's thread (trao đổi): list, post, correct within 15 minutes, attach files to one's comment."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint

from kpi_tasks.accounts.permissions import can_comment
from kpi_tasks.api.input import api_user, iso, json_fields, page_params, query_fields
from kpi_tasks.attachments.api import attachment_json, one_file
from kpi_tasks.attachments.services import attach_to_comment, attachments_by_comment
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.tasks.comments import edit_comment, get_comment_or_404, post_comment, task_comments_query
from kpi_tasks.tasks.models import TaskComment
from kpi_tasks.tasks.services import get_task_or_404


def comment_json(comment: TaskComment, files: list | None = None) -> dict:
    created = comment.created_at if comment.created_at.tzinfo else comment.created_at.replace(tzinfo=dt.UTC)
    return {
        "id": comment.id,
        "task_id": comment.task_id,
        "author_id": comment.author_id,
        "author": comment.author.display_name,
        "text": comment.text,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "editable_until": iso(created + dt.timedelta(minutes=comment.EDIT_MINUTES)),
        "attachments": [attachment_json(a) for a in files or []],
    }


def comments_api(task_id: int) -> dict:
    task = get_task_or_404(task_id, api_user())
    fields = query_fields()
    page, per_page = page_params(fields)
    fields.done()
    result = db.paginate(task_comments_query(task), page=page, per_page=per_page, error_out=False)
    files = attachments_by_comment(task)
    return {"items": [comment_json(c, files.get(c.id)) for c in result.items], "total": result.total, "page": page,
            "per_page": per_page}


def post_comment_api(task_id: int) -> tuple[dict, int]:
    user = api_user()
    task = get_task_or_404(task_id, user)
    fields = json_fields()
    text = fields.text("text", required=True)
    fields.done()
    comment = post_comment(task, user, text=text)
    db.session.commit()
    return comment_json(comment), 201


def edit_comment_api(task_id: int, comment_id: int) -> dict:
    user = api_user()
    comment = get_comment_or_404(get_task_or_404(task_id, user), comment_id)
    fields = json_fields()
    text = fields.text("text", required=True)
    fields.done()
    edit_comment(comment, user, text=text)
    db.session.commit()
    return comment_json(comment, attachments_by_comment(comment.task).get(comment.id))


def comment_file_api(task_id: int, comment_id: int) -> tuple[dict, int]:
    user = api_user()
    task = get_task_or_404(task_id, user)
    comment = get_comment_or_404(task, comment_id)
    if not can_comment(user, task) or comment.author_id != user.id:  # before reading any file
        raise PermissionDenied("Chỉ người viết ý kiến được đính kèm tệp vào ý kiến đó.")
    attachment = attach_to_comment(comment, user, [one_file()])[0]
    db.session.commit()
    return attachment_json(attachment), 201


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/tasks/<int:task_id>/comments", "task_comments", comments_api, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/comments", "post_comment", post_comment_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/comments/<int:comment_id>", "edit_comment", edit_comment_api,
                    methods=["PATCH"])
    bp.add_url_rule("/tasks/<int:task_id>/comments/<int:comment_id>/attachments", "comment_file", comment_file_api,
                    methods=["POST"])
