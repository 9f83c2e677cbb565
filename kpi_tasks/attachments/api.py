"""API of attachments: a file's JSON, reading one upload (multipart field `file`), the download. Uploading to a
directive or to a progress update, and listing them, are their packages' (directives/api.py, tasks/api.py)."""

from __future__ import annotations

from flask import Response, request, url_for

from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes, file_answer
from kpi_tasks.attachments.filetypes import CONTENT_TYPES
from kpi_tasks.attachments.models import Attachment as StoredFile
from kpi_tasks.attachments.schemas import Attachment
from kpi_tasks.attachments.services import Upload, get_attachment_or_404, read_upload
from kpi_tasks.attachments.views import send_attachment
from kpi_tasks.errors import ValidationError

routes = ApiRoutes()
register_api = routes


def attachment_out(attachment: StoredFile) -> Attachment:
    return Attachment.of(attachment, name=attachment.original_name,
                         download_url=url_for("api.attachment_content", attachment_id=attachment.id))


def one_file() -> Upload:
    files = [file for file in request.files.getlist("file") if file.filename]
    if len(files) != 1:
        message = "Gửi đúng một tệp trong trường “file” (multipart/form-data)."
        raise ValidationError(message, {"file": message})
    return read_upload(files[0])


@routes.operation("GET", "/attachments/<int:attachment_id>/content", "attachment_content",
                  "Tải tệp (chỉ người được xem văn bản, nhiệm vụ)", responses=file_answer("The file", *CONTENT_TYPES),
                  errors="404")
def attachment_content_api(attachment_id: int) -> Response:
    return send_attachment(get_attachment_or_404(attachment_id, api_user()))
