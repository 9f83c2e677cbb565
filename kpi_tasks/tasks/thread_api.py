"""The API of a task's thread (trao đổi): list, post, correct within 15 minutes, attach files to one's comment."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.accounts.permissions import can_comment
from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.api.schema import PageQuery
from kpi_tasks.attachments.api import attachment_out, one_file
from kpi_tasks.attachments.schemas import UPLOAD, Attachment
from kpi_tasks.attachments.services import attach_to_comment, attachments_by_comment
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.tasks.comments import edit_comment, get_comment_or_404, post_comment, task_comments_query
from kpi_tasks.tasks.models import TaskComment
from kpi_tasks.tasks.schemas import Comment, CommentPage, TextInput
from kpi_tasks.tasks.services import get_task_or_404

routes = ApiRoutes()
register_api = routes


def comment_out(comment: TaskComment, files: list | None = None) -> Comment:
    created = comment.created_at if comment.created_at.tzinfo else comment.created_at.replace(tzinfo=dt.UTC)
    return Comment.of(comment, author=comment.author.display_name,
                      editable_until=created + dt.timedelta(minutes=comment.EDIT_MINUTES),
                      attachments=[attachment_out(a) for a in files or []])


@routes.operation("GET", "/tasks/<int:task_id>/comments", "task_comments", "Trao đổi trên nhiệm vụ, cũ trước",
                  query=PageQuery, answer=CommentPage, errors="404 422")
def comments_api(task_id: int, query: PageQuery) -> CommentPage:
    task = get_task_or_404(task_id, api_user())
    result = db.paginate(task_comments_query(task), page=query.page, per_page=query.per_page, error_out=False)
    files = attachments_by_comment(task)
    return CommentPage(items=[comment_out(c, files.get(c.id)) for c in result.items], total=result.total,
                       page=query.page, per_page=query.per_page)


@routes.operation("POST", "/tasks/<int:task_id>/comments", "post_comment",
                  "Gửi ý kiến; @tên đăng nhập, @MÃ ĐƠN VỊ hoặc @vanphong để nhắc đến (được thông báo)",
                  body=TextInput, status=201, answer=Comment, errors="400 403 404 409 422")
def post_comment_api(task_id: int, body: TextInput) -> Comment:
    user = api_user()
    comment = post_comment(get_task_or_404(task_id, user), user, text=body.text)
    db.session.commit()
    return comment_out(comment)


@routes.operation("PATCH", "/tasks/<int:task_id>/comments/<int:comment_id>", "edit_comment",
                  "Sửa ý kiến của mình trong 15 phút sau khi gửi", body=TextInput, answer=Comment,
                  errors="400 403 404 409 422")
def edit_comment_api(task_id: int, comment_id: int, body: TextInput) -> Comment:
    user = api_user()
    comment = get_comment_or_404(get_task_or_404(task_id, user), comment_id)
    edit_comment(comment, user, text=body.text)
    db.session.commit()
    return comment_out(comment, attachments_by_comment(comment.task).get(comment.id))


@routes.operation("POST", "/tasks/<int:task_id>/comments/<int:comment_id>/attachments", "comment_file",
                  "Đính kèm tệp vào ý kiến của mình", request_body=UPLOAD, status=201,
                  answer=Attachment, description="Stored",
                  errors="400 403 404 413 422")
def comment_file_api(task_id: int, comment_id: int) -> Attachment:
    user = api_user()
    task = get_task_or_404(task_id, user)
    comment = get_comment_or_404(task, comment_id)
    if not can_comment(user, task) or comment.author_id != user.id:  # before reading any file
        raise PermissionDenied("Chỉ người viết ý kiến được đính kèm tệp vào ý kiến đó.")
    attachment = attach_to_comment(comment, user, [one_file()])[0]
    db.session.commit()
    return attachment_out(attachment)
