"""An admin's replacement for a kind's shipped Word template: checked (a real .docx, not too large, without
macros), validated by rendering it once with the kind's sample context, kept in the database (never under
static/, and the same for every application host); reverting deletes it, so the shipped one applies again."""

from __future__ import annotations

import io
import zipfile

from jinja2 import TemplateError

from kpi_tasks.accounts.models import User
from kpi_tasks.attachments.filetypes import clean_name, sniff
from kpi_tasks.audit.services import record
from kpi_tasks.documents.identity import ENTITY, root_identity_row
from kpi_tasks.documents.kinds import WORD_KINDS
from kpi_tasks.documents.models import DocumentTemplate
from kpi_tasks.documents.samples import SAMPLE_IDENTITY, sample_context
from kpi_tasks.documents.word import render_template_bytes, uploaded_template
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.spreadsheets.reader import DOCX_LIMITS, Limits, check_package

MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED_BYTES = 30 * 1024 * 1024  # a template is mostly XML; far more unpacked is a zip bomb
SHIPPED_LABEL = "Mẫu có sẵn"


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, {"file": message})


def check_template(kind: str, filename: str, data: bytes) -> None:
    """Refuse anything but a .docx of bounded size that renders with the kind's sample context."""
    if not data:
        raise _refuse("Chưa chọn tệp mẫu (.docx).")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise _refuse(f"Tệp mẫu lớn hơn {MAX_TEMPLATE_BYTES // (1024 * 1024)} MB.")
    if not filename.lower().endswith(".docx") or sniff(data) != "docx":
        raise _refuse("Tệp mẫu phải là văn bản Word (.docx), không chứa macro.")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise _refuse("Tệp mẫu có macro; hãy lưu lại dưới dạng .docx (Word Document).")
    # Parts bounded by the bytes actually inflated (headers may lie), no DTD: the one reader of uploads.
    check_package(data, Limits(other_xml=MAX_UNZIPPED_BYTES, binary=MAX_UNZIPPED_BYTES, total=MAX_UNZIPPED_BYTES,
                               text_run=DOCX_LIMITS.text_run), "Word (.docx)")
    try:
        render_template_bytes(data, sample_context(kind), title="Kiểm tra mẫu", author=SAMPLE_IDENTITY.issuing_body)
    except TemplateError as error:
        raise _refuse(f"Mẫu không dùng được: {error.message or error} (dòng có thẻ {{{{ … }}}} hoặc {{% … %}} "
                      "sai tên trường hoặc thiếu thẻ đóng). Hãy sửa từ mẫu có sẵn tải về.") from error
    except Exception as error:  # docxtpl and lxml raise many kinds of error on a broken document
        raise _refuse(f"Không tạo được văn bản từ mẫu này ({type(error).__name__}). Hãy sửa từ mẫu có sẵn "
                      "tải về.") from error


def upload_template(actor: User, kind: str, filename: str | None, data: bytes) -> DocumentTemplate:
    if kind not in WORD_KINDS:
        raise ValidationError("Loại văn bản không hợp lệ.")
    identity = root_identity_row()
    if identity is None:
        raise ValidationError("Hãy lưu thông tin cơ quan ban hành văn bản trước khi thay mẫu.")
    name = clean_name(filename) or f"{kind}.docx"
    check_template(kind, name, data)
    template = uploaded_template(kind)
    before = template.filename if template else SHIPPED_LABEL
    if template is None:
        template = DocumentTemplate(identity_id=identity.id, kind=kind, filename=name, content=data,
                                    uploaded_by_id=actor.id)
        db.session.add(template)
    else:
        template.filename, template.content, template.uploaded_by_id = name, data, actor.id
    db.session.flush()
    record(actor, ENTITY, identity.id, "template_upload", {f"template.{kind}": (before, name)})
    return template


def revert_template(actor: User, kind: str) -> bool:
    """Use the shipped template of `kind` again; False when no upload was in force."""
    template = uploaded_template(kind)
    if template is None:
        return False
    db.session.delete(template)
    db.session.flush()
    record(actor, ENTITY, template.identity_id, "template_revert", {f"template.{kind}": (template.filename,
                                                                                          SHIPPED_LABEL)})
    return True
