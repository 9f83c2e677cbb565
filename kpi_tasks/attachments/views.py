"""Downloading a file one may see (its directive's or its task's pages list it)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.attachments.models import Attachment
from kpi_tasks.attachments.services import (
    attachment_path,
    get_attachment_or_404,
)
from kpi_tasks.errors import NotFound

bp = Blueprint("attachments", __name__)


CHUNK = 64 * 1024


def _chunks(path: Path) -> Iterator[bytes]:
    # The file is opened only while the answer is sent, and closed even if the client stops reading.
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266), so Vietnamese names survive."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace('"', "")
    return f"attachment; filename=\"{fallback or 'tep-dinh-kem'}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_attachment(attachment: Attachment) -> Response:
    """The stored file as a download (never rendered inline), under its original name."""
    path = attachment_path(attachment)
    if not path.is_file():
        raise NotFound("Tệp đính kèm không còn trên máy chủ; vui lòng báo quản trị hệ thống.")
    return send_stored_file(path, attachment.content_type, attachment.original_name)


def send_stored_file(path: Path, mimetype: str, name: str) -> Response:
    """A file stored under a random name (an attachment, a background job's result) as a download named `name`."""
    response = Response(_chunks(path), mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Length"] = str(path.stat().st_size)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    return send_attachment(get_attachment_or_404(attachment_id, current_user))
