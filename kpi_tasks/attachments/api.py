"""API of attachments: a file's JSON, reading one upload (multipart field `file`), the download. Uploading to a
directive or to a progress update, and listing them, are their packages' (directives/api.py, tasks/api.py)."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from kpi_tasks.api.input import api_user, iso
from kpi_tasks.attachments.models import Attachment
from kpi_tasks.attachments.services import (
    Upload,
    get_attachment_or_404,
    read_upload,
)
from kpi_tasks.attachments.views import send_attachment
from kpi_tasks.errors import ValidationError


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


def one_file() -> Upload:
    files = [file for file in request.files.getlist("file") if file.filename]
    if len(files) != 1:
        message = "Gửi đúng một tệp trong trường “file” (multipart/form-data)."
        raise ValidationError(message, {"file": message})
    return read_upload(files[0])


def attachment_content_api(attachment_id: int) -> Response:
    return send_attachment(get_attachment_or_404(attachment_id, api_user()))


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/attachments/<int:attachment_id>/content", "attachment_content", attachment_content_api,
                    methods=["GET"])
