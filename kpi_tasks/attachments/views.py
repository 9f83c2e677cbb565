"""Pages for attachments: downloading a file one may see, and a directive's files (the office uploads)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import can_attach_to_directive
from kpi_tasks.attachments.forms import UploadForm
from kpi_tasks.attachments.models import Attachment
from kpi_tasks.attachments.services import (
    FileTooLarge,
    attach_to_directive,
    attachment_path,
    directive_attachments,
    get_attachment_or_404,
    read_uploads,
)
from kpi_tasks.directives.services import get_directive_or_404
from kpi_tasks.errors import NotFound, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import show_errors

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
    response = Response(_chunks(path), mimetype=attachment.content_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(path.stat().st_size)
    response.headers["Content-Disposition"] = content_disposition(attachment.original_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    return send_attachment(get_attachment_or_404(attachment_id, current_user))


@bp.route("/directives/<int:directive_id>/attachments", methods=["GET", "POST"])
@login_required
def directive_files(directive_id: int) -> str | Response:
    directive = get_directive_or_404(directive_id, current_user)
    may_upload = can_attach_to_directive(current_user, directive)
    form = UploadForm()
    if form.is_submitted():
        if not may_upload:
            abort(403)
        if form.validate():
            try:
                uploads = read_uploads(form.files.data or [])
                if not uploads:
                    raise ValidationError("Chưa chọn tệp.", {"files": "Chọn ít nhất một tệp để tải lên."})
                attach_to_directive(directive, current_user, uploads)
            except (ValidationError, FileTooLarge) as error:
                db.session.rollback()
                show_errors(form, _on_files_field(error))
            else:
                db.session.commit()
                flash(f"Đã đính kèm {len(uploads)} tệp vào văn bản.", "success")
                return redirect(url_for("attachments.directive_files", directive_id=directive_id), 303)
        directive = get_directive_or_404(directive_id, current_user)
    return render_template("attachments/directive.html", directive=directive, files=directive_attachments(directive),
                           form=form if may_upload else None)


def _on_files_field(error: ValidationError | FileTooLarge) -> ValidationError:
    """Service messages name the field `file`; the page's field is `files`."""
    fields = {("files" if name == "file" else name): message for name, message in error.fields.items()}
    return ValidationError(error.message, fields)
