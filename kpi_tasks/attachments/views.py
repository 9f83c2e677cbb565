"""Downloading a file one may see (its directive's or its task's pages list it)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Blueprint
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.attachments.models import Attachment
from kpi_tasks.attachments.services import (
    attachment_key,
    get_attachment_or_404,
)
from kpi_tasks.errors import NotFound
from kpi_tasks.storage import FileStore, file_store

bp = Blueprint("attachments", __name__)


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266), so Vietnamese names survive."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace('"', "")
    return f"attachment; filename=\"{fallback or 'tep-dinh-kem'}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_attachment(attachment: Attachment) -> Response:
    """The stored file as a download (never rendered inline), under its original name."""
    store = file_store()
    key = attachment_key(attachment)
    if not store.exists(key):
        raise NotFound("Tệp đính kèm không còn trên máy chủ; vui lòng báo quản trị hệ thống.")
    return send_stored_file(store, key, attachment.content_type, attachment.original_name)


def send_stored_file(store: FileStore, key: str, mimetype: str, name: str) -> Response:
    """A file stored under a random name (an attachment, a background job's result) as a download named `name`.
    It is read piece by piece only while the answer is sent, and let go even if the client stops reading."""
    size = store.size(key)
    if size is None:
        raise NotFound("Tệp không còn trên máy chủ; vui lòng báo quản trị hệ thống.")
    response = Response(store.chunks(key), mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    return send_attachment(get_attachment_or_404(attachment_id, current_user))
