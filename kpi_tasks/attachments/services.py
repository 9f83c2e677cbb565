"""Receiving, storing and finding attachments. Files are written under random names in the file store (storage/:
UPLOAD_FOLDER, or the database every app host shares); a file written in a transaction that does not commit is
removed again, so nothing is left half-saved."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, SessionTransaction

from kpi_tasks.accounts.permissions import (
    can_attach_to_directive,
    can_attach_to_update,
    can_view_directive,
    can_view_task,
)
from kpi_tasks.attachments.filetypes import check_file, clean_name
from kpi_tasks.attachments.models import Attachment
from kpi_tasks.audit.services import record
from kpi_tasks.errors import DomainError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.storage import FileStore, file_store

if TYPE_CHECKING:  # files belong to directives and tasks, the packages above that keep them
    from kpi_tasks.accounts.models import User
    from kpi_tasks.directives.models import Directive
    from kpi_tasks.tasks.models import ProgressUpdate, Task, TaskComment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_UPLOAD = 10
_STORED_NAME = re.compile(r"[0-9a-f]{32}")
_NEW_FILES = "kpi_tasks.attachments.new_files"


class FileTooLarge(DomainError):
    http_status = 413
    code = "too_large"


class FileLike(Protocol):
    """What Werkzeug's FileStorage offers, and what the services need of it."""

    filename: str | None
    stream: IO[bytes]


@dataclass(frozen=True)
class Upload:
    """A received file, already checked: its content is in memory (bounded by the size limit)."""

    name: str
    data: bytes
    kind: str
    content_type: str


def max_upload_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def read_upload(file: FileLike, max_bytes: int | None = None) -> Upload:
    """Read one file (refusing it past the size limit without reading it all) and check its content."""
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    name = clean_name(file.filename)
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        megabytes = f"{limit / (1024 * 1024):g}".replace(".", ",")
        message = f"Tệp “{name}” vượt quá dung lượng cho phép ({megabytes} MB)."
        raise FileTooLarge(message, {"file": message})
    kind = check_file(name, data)
    return Upload(name=name, data=data, kind=kind.code, content_type=kind.content_type)


def read_uploads(files: Iterable[FileLike | None], max_bytes: int | None = None) -> list[Upload]:
    """Every chosen file of a form field; a browser sends an empty part when none was chosen, skipped here.

    One refused file refuses them all, before anything is stored.
    """
    chosen = [file for file in files if file is not None and getattr(file, "filename", None)]
    if len(chosen) > MAX_FILES_PER_UPLOAD:
        message = f"Mỗi lần chỉ gửi tối đa {MAX_FILES_PER_UPLOAD} tệp."
        raise ValidationError(message, {"file": message})
    return [read_upload(file, max_bytes) for file in chosen]


def attachment_key(attachment: Attachment) -> str:
    """The file's key in the store. The stored name is checked again, so no value can point outside it."""
    if not _STORED_NAME.fullmatch(attachment.stored_name):
        raise NotFound("Không tìm thấy tệp đính kèm.")
    return attachment.stored_name


def _store(upload: Upload, actor: User, **owner: int | None) -> Attachment:
    store = file_store()
    stored_name = secrets.token_hex(16)  # 128 random bits: no two files ever get the same name
    store.put(stored_name, upload.data)
    if not store.transactional:  # the database's own rollback takes its rows along; a folder's files need help
        db.session.info.setdefault(_NEW_FILES, []).append((store, stored_name))
    attachment = Attachment(
        original_name=upload.name,
        stored_name=stored_name,
        kind=upload.kind,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        uploaded_by_id=actor.id,
        **owner,
    )
    db.session.add(attachment)
    return attachment


@sa.event.listens_for(Session, "after_commit")
def _keep_new_files(session: Session) -> None:
    session.info.pop(_NEW_FILES, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted_files(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ends without commit (rollback, close) takes its new files with it."""
    if transaction.parent is not None or transaction.nested:
        return
    store: FileStore
    for store, key in session.info.pop(_NEW_FILES, []):
        store.delete(key)


def attach_to_directive(directive: Directive, actor: User, uploads: list[Upload]) -> list[Attachment]:
    if not can_attach_to_directive(actor, directive):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được đính kèm tệp vào văn bản.")
    attachments = [_store(upload, actor, directive_id=directive.id) for upload in uploads]
    db.session.flush()
    if attachments:
        record(actor, "directive", directive.id, "attach", {"files": (None, [a.original_name for a in attachments])})
    return attachments


def attach_to_update(update: ProgressUpdate, task: Task, actor: User, uploads: list[Upload]) -> list[Attachment]:
    """Files of a progress update or completion report, added by the unit that posted it."""
    if update.task_id != task.id:
        raise NotFound("Không tìm thấy lần cập nhật của nhiệm vụ này.")
    if not can_attach_to_update(actor, task, update.unit_id):
        raise PermissionDenied("Chỉ đơn vị đã gửi cập nhật được đính kèm tệp vào cập nhật đó.")
    attachments = [_store(upload, actor, update_id=update.id, task_id=task.id) for upload in uploads]
    db.session.flush()
    if attachments:
        record(actor, "task", task.id, "attach", {"files": (None, [a.original_name for a in attachments])})
    return attachments


def attach_to_comment(comment: TaskComment, actor: User, uploads: list[Upload]) -> list[Attachment]:
    """Files posted with a comment of a task's thread, by its author (the caller checked they may comment)."""
    if comment.author_id != actor.id:
        raise PermissionDenied("Chỉ người viết ý kiến được đính kèm tệp vào ý kiến đó.")
    attachments = [_store(upload, actor, comment_id=comment.id, task_id=comment.task_id) for upload in uploads]
    db.session.flush()
    return attachments


def attachments_by_comment(task: Task) -> dict[int, list[Attachment]]:
    grouped: dict[int, list[Attachment]] = {}
    for attachment in db.session.scalars(sa.select(Attachment).where(
            Attachment.task_id == task.id, Attachment.comment_id.is_not(None)).order_by(Attachment.id)):
        grouped.setdefault(attachment.comment_id, []).append(attachment)  # type: ignore[arg-type]
    return grouped


def get_attachment_or_404(attachment_id: int, user: User) -> Attachment:
    """An attachment the user may see (its directive or its task is visible to them); any other is missing."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not _may_view(user, attachment):
        raise NotFound("Không tìm thấy tệp đính kèm hoặc bạn không có quyền xem.")
    return attachment


def _may_view(user: User, attachment: Attachment) -> bool:
    if attachment.directive_id is not None:
        return attachment.directive is not None and can_view_directive(user, attachment.directive)
    task = attachment.task
    return task is not None and not task.directive.confidential and can_view_task(user, task)


def directive_attachments(directive: Directive) -> list[Attachment]:
    return list(
        db.session.scalars(
            sa.select(Attachment).where(Attachment.directive_id == directive.id).order_by(Attachment.id)
        )
    )


def task_attachments(task: Task) -> list[Attachment]:
    """Files of all the task's updates and completion reports, oldest first."""
    return list(
        db.session.scalars(sa.select(Attachment).where(Attachment.task_id == task.id).order_by(Attachment.id))
    )


def attachments_by_update(task: Task) -> dict[int, list[Attachment]]:
    grouped: dict[int, list[Attachment]] = {}
    for attachment in task_attachments(task):
        if attachment.update_id is not None:
            grouped.setdefault(attachment.update_id, []).append(attachment)
    return grouped
