"""The admin's page of the document identity: the issuing body, place, office, symbols, each kind's signer
and recipients, the Word templates in force (download, replace, revert), and the change log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import can_manage_document_identity
from kpi_tasks.audit.services import ACTION_LABELS, history
from kpi_tasks.clock import today
from kpi_tasks.documents.downloads import DOCX_MIME, send_bytes
from kpi_tasks.documents.forms import IdentityForm, TemplateRevertForm, TemplateUploadForm
from kpi_tasks.documents.identity import (
    ENTITY,
    FIELDS,
    SIGNER_FIELDS,
    current_identity,
    default_signers,
    root_identity_row,
    save_identity,
)
from kpi_tasks.documents.kinds import SIGNED_KINDS, WORD_KINDS
from kpi_tasks.documents.lists import send_history
from kpi_tasks.documents.samples import SAMPLE_IDENTITY, sample_context
from kpi_tasks.documents.uploads import revert_template, upload_template
from kpi_tasks.documents.word import render_template_bytes, shipped_template, template_for, uploaded_template
from kpi_tasks.errors import DomainError, ValidationError
from kpi_tasks.forms import form_version, save, save_action, show_errors

bp = Blueprint("documents", __name__, url_prefix="/admin/documents")


@bp.before_request
@login_required
def _admin_only() -> None:
    if not can_manage_document_identity(current_user):
        abort(403)


def _fill(form: IdentityForm) -> None:
    """The form's first values: the stored identity, or the signers' defaults before it is entered."""
    row = root_identity_row()
    signers = default_signers()
    if row is not None:
        for name, *_ in FIELDS:
            getattr(form, name).data = getattr(row, name)
        for signer in row.signers:
            signers[signer.kind] = {name: getattr(signer, name) for name, *_ in SIGNER_FIELDS}
        form.version.data = str(row.version)
    for kind, values in signers.items():
        for name, value in values.items():
            getattr(form, kind)[name].data = value


def _place_errors(form: IdentityForm, error: DomainError) -> ValidationError:
    """Signer errors ("monthly_report.title") onto the sub-form's field; the rest for show_errors."""
    rest = {}
    for key, message in error.fields.items():
        kind, _, name = key.partition(".")
        if name and kind in WORD_KINDS:
            getattr(form, kind)[name].errors = [message]
        else:
            rest[key] = message
    return ValidationError(error.message, rest)


@bp.route("/", methods=["GET", "POST"])
def identity() -> str | Response:
    form = IdentityForm()
    if form.is_submitted() and form.validate():
        values = {name: getattr(form, name).data for name, *_ in FIELDS}
        signers = {kind.code: getattr(form, kind.code).data for kind in SIGNED_KINDS}
        version = form_version(form) if root_identity_row() is not None else None
        # A conflict (saved meanwhile by someone else) is told on the form, which keeps what was typed.
        if save(form, lambda: save_identity(current_user, values, signers, version),
                lambda changes: "Đã lưu thông tin cơ quan ban hành văn bản." if changes else "Không có thay đổi nào.",
                show=lambda error: show_errors(form, _place_errors(form, error))):
            return redirect(url_for("documents.identity"), 303)
    elif not form.is_submitted():
        _fill(form)
    return render_template("documents/identity.html", **_page_values(form))


def _page_values(form: IdentityForm) -> dict[str, Any]:
    row = root_identity_row()
    return {
        "form": form, "identity": current_identity(), "signed_kinds": SIGNED_KINDS,
        "templates": [(kind, uploaded_template(kind.code)) for kind in WORD_KINDS.values()],
        "upload_form": TemplateUploadForm(), "revert_form": TemplateRevertForm(),
        "events": history(ENTITY, row.id) if row is not None else [], "action_labels": ACTION_LABELS,
    }


@bp.get("/history.xlsx")
def history_export() -> Response:
    """The change log of the committee's identity (the admin's, as the page)."""
    row, day = root_identity_row(), today()
    events = history(ENTITY, row.id) if row is not None else []
    return send_history(events, day=day, subject="Cơ quan ban hành văn bản",
                        file_name=f"lich-su-co-quan-ban-hanh-{day:%Y%m%d}.xlsx")


@bp.post("/templates/<kind>")
def upload(kind: str) -> Response:
    if kind not in WORD_KINDS:
        abort(404)
    form = TemplateUploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        save(None, lambda: upload_template(current_user, kind, getattr(storage, "filename", None),
                                           storage.read() if storage else b""),
             f"Đã thay mẫu “{WORD_KINDS[kind].label}”.", show=lambda error: flash(error.message, "danger"))
    return redirect(url_for("documents.identity") + "#templates", 303)


@bp.post("/templates/<kind>/revert")
def revert(kind: str) -> Response:
    if kind not in WORD_KINDS:
        abort(404)
    if TemplateRevertForm().validate_on_submit():
        # Nothing to say when the shipped template was in use already.
        save_action(lambda: revert_template(current_user, kind),
                    lambda reverted: f"Đã dùng lại mẫu có sẵn cho “{WORD_KINDS[kind].label}”." if reverted else None)
    return redirect(url_for("documents.identity") + "#templates", 303)


@bp.get("/templates/<kind>.docx")
def template_file(kind: str) -> Response:
    """The template in force (to adjust in Word and upload back); `?shipped=1`: the one shipped."""
    if kind not in WORD_KINDS:
        abort(404)
    data = shipped_template(kind) if request.args.get("shipped") == "1" else template_for(kind)
    return send_bytes(data, DOCX_MIME, f"mau-{kind.replace('_', '-')}.docx")


@bp.get("/templates/<kind>/sample.docx")
def sample(kind: str) -> Response:
    """The template in force filled with sample figures (Word, or PDF with ?format=pdf)."""
    if kind not in WORD_KINDS:
        abort(404)
    data = render_template_bytes(template_for(kind), sample_context(kind),
                                 title=f"Văn bản mẫu: {WORD_KINDS[kind].label}", author=SAMPLE_IDENTITY.issuing_body)
    return send_bytes(data, DOCX_MIME, f"van-ban-mau-{kind.replace('_', '-')}.docx")
