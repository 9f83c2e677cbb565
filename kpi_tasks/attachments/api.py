"""API of attachments: upload (multipart field `file`) to a directive or to a progress update, list, download."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from kpi_tasks.accounts.permissions import can_attach_to_directive, can_attach_to_update
from kpi_tasks.api.input import api_user, iso
from kpi_tasks.attachments.models import Attachment
from kpi_tasks.attachments.services import (
    Upload,
    attach_to_directive,
    attach_to_update,
    directive_attachments,
    get_attachment_or_404,
    get_update_or_404,
    read_upload,
    task_attachments,
)
from kpi_tasks.attachments.views import send_attachment
from kpi_tasks.directives.services import get_directive_or_404
from kpi_tasks.errors import PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.services import get_task_or_404


def attachment_json(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "name": attachment.original_name,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "directive_id": attachment.directive_id,
        "update_id": attachment.update_id,
        "task_id": attachment.task_id,
        "uploaded_by_id": attachment.uploaded_by_id,
        "created_at": iso(attachment.created_at),
        "download_url": url_for("api.attachment_content", attachment_id=attachment.id),
    }


def _one_file() -> Upload:
    files = [file for file in request.files.getlist("file") if file.filename]
    if len(files) != 1:
        message = "Gửi đúng một tệp trong trường “file” (multipart/form-data)."
        raise ValidationError(message, {"file": message})
    return read_upload(files[0])


def upload_directive_file_api(directive_id: int) -> tuple[dict, int]:
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    if not can_attach_to_directive(user, directive):  # before reading any file
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được đính kèm tệp vào văn bản.")
    attachment = attach_to_directive(directive, user, [_one_file()])[0]
    db.session.commit()
    return attachment_json(attachment), 201


def directive_files_api(directive_id: int) -> dict:
    directive = get_directive_or_404(directive_id, api_user())
    return {"items": [attachment_json(a) for a in directive_attachments(directive)]}


def upload_update_file_api(task_id: int, update_id: int) -> tuple[dict, int]:
    user = api_user()
    task = get_task_or_404(task_id, user)
    update = get_update_or_404(task, update_id)
    if not can_attach_to_update(user, task, update.unit_id):  # before reading any file
        raise PermissionDenied("Chỉ đơn vị đã gửi cập nhật được đính kèm tệp vào cập nhật đó.")
    attachment = attach_to_update(update, task, user, [_one_file()])[0]
    db.session.commit()
    return attachment_json(attachment), 201


def task_files_api(task_id: int) -> dict:
    task = get_task_or_404(task_id, api_user())
    return {"items": [attachment_json(a) for a in task_attachments(task)]}


def attachment_content_api(attachment_id: int) -> Response:
    return send_attachment(get_attachment_or_404(attachment_id, api_user()))


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/directives/<int:directive_id>/attachments", "upload_directive_file", upload_directive_file_api,
                    methods=["POST"])
    bp.add_url_rule("/directives/<int:directive_id>/attachments", "directive_files", directive_files_api,
                    methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/updates/<int:update_id>/attachments", "upload_update_file",
                    upload_update_file_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/attachments", "task_files", task_files_api, methods=["GET"])
    bp.add_url_rule("/attachments/<int:attachment_id>/content", "attachment_content", attachment_content_api,
                    methods=["GET"])
