"""Dossier endpoints of /api/v1 (API.md): the import, and apology-letter obligations.

`POST /dossiers/import` answers 200 `{imported, rejected: [], ...}` when the file was written, and 422
`{imported: 0, rejected: [{row, message}, ...], error: {...}}` when any row was wrong (nothing written); a file
larger than DOSSIER_API_BACKGROUND_BYTES gets 202 `{import_id}` and runs in the background, and
`GET /dossiers/imports/{id}` tells `{status, imported, rejected}`.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from kpi_tasks.accounts.permissions import can_import_dossiers
from kpi_tasks.api.input import api_user, iso, json_fields, page_params, query_fields
from kpi_tasks.clock import today
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.background import (
    DONE,
    FAILED,
    QUEUED,
    REJECTED,
    RUNNING,
    first_rejected,
    read_status,
    start_import,
)
from kpi_tasks.dossiers.models import LETTER_STATUSES, ApologyLetter, DossierImport
from kpi_tasks.dossiers.queries import letter_rows_query
from kpi_tasks.dossiers.services import get_letter_or_404, import_dossiers, record_apology_letter
from kpi_tasks.errors import NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.storage import file_store


def letter_json(letter: ApologyLetter, dossier_code: str | None = None) -> dict:
    return {
        "id": letter.id,
        "dossier_id": letter.dossier_id,
        "dossier_code": dossier_code if dossier_code is not None else letter.dossier.code,
        "unit_id": letter.unit_id,
        "due_by": iso(letter.due_by),
        "status": letter.status,
        "overdue": letter.overdue(today()),
        "issued_on": iso(letter.issued_on),
        "new_appointment_on": iso(letter.new_appointment_on),
        "reason": letter.reason,
        "signer": letter.signer,
        "recorded_by_id": letter.recorded_by_id,
        "recorded_at": iso(letter.recorded_at),
        "version": letter.version,
    }


def import_api() -> Response | tuple[dict, int]:
    """A file up to DOSSIER_API_BACKGROUND_BYTES is imported at once (200, or 422 with every bad row); a larger
    one runs in the background as the page's import does (202 {import_id}; GET /dossiers/imports/{id})."""
    user = api_user()
    if not can_import_dossiers(user):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được nhập dữ liệu hồ sơ TTHC.")
    # Raised before the body is parsed: a year's export exceeds the limit of other requests.
    request.max_content_length = current_app.config["DOSSIER_MAX_UPLOAD"]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("Chưa gửi tệp (trường multipart “file”, .xlsx hoặc .csv).",
                              {"file": "Chưa gửi tệp."})
    store = file_store()
    try:
        stored = importing.store_upload(store, user.id, upload.stream, upload.filename)
    except importing.FileRefused as error:
        db.session.rollback()
        return _rejected(error.rejected, error.message, error.fields)
    finally:
        upload.close()  # werkzeug spooled a large upload to a temporary file: copied now, let it go
    if stored.size > current_app.config["DOSSIER_API_BACKGROUND_BYTES"]:
        job = start_import(stored, user)
        db.session.commit()
        url = url_for("api.dossier_import_status", import_id=stored.token)
        response = jsonify({"import_id": stored.token, "status": QUEUED, "status_url": url, "job_id": job.id})
        response.status_code, response.headers["Location"] = 202, url
        return response
    try:
        with store.local_path(stored.key) as path:
            outcome = import_dossiers(path, user, file_name=stored.file_name, kind=stored.kind)
    except BaseException as error:  # nothing written, and the upload goes (a folder's file is removed here)
        db.session.rollback()
        importing.discard_upload(store, stored)
        db.session.commit()
        if isinstance(error, importing.DossierImportRejected):
            return _rejected(error.rejected, error.message, error.fields)
        raise
    importing.discard_upload(store, stored)
    db.session.commit()
    return {
        "imported": outcome.imported,
        "rejected": [],
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "obligations_created": outcome.obligations_created,
        "import_id": outcome.record.id,
    }, 200


def _rejected(rejected: list[importing.Rejection], message: str, fields: dict[str, str]) -> Response:
    response = jsonify({
        "imported": 0,
        "rejected": [{"row": item.row, "message": item.message} for item in rejected],
        "error": {"code": "rejected", "message": message, "fields": fields},
    })
    response.status_code = 422
    return response


# The API's states for the page's ones: a refused file is a failed import that lists its rows.
API_STATES = {QUEUED: "queued", RUNNING: "running", DONE: "done", REJECTED: "failed", FAILED: "failed"}
REJECTED_LISTED = 1000


def import_status_api(import_id: str) -> dict:
    """Where an import stands: a background one by the token its 202 gave (its owner only), or one that ran at
    once by its number."""
    user = api_user()
    if not can_import_dossiers(user):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được nhập dữ liệu hồ sơ TTHC.")
    if import_id.isdigit() and len(import_id) < 10:
        record = db.session.get(DossierImport, int(import_id))
        if record is None:
            raise NotFound("Không có lần nhập này.")
        return {"import_id": record.id, "status": "done", "imported": record.rows, "rejected": [],
                "created": record.created, "updated": record.updated, "unchanged": record.unchanged,
                "obligations_created": record.obligations_created}
    store = file_store()
    status = read_status(store, user.id, import_id)
    if status is None:
        raise NotFound("Không có lần nhập này (hoặc đã quá 24 giờ).")
    rejected = first_rejected(store, user.id, import_id, REJECTED_LISTED) if status.state == REJECTED else []
    answer: dict = {"import_id": import_id, "status": API_STATES[status.state],
                    "imported": (status.figures or {}).get("imported", 0) if status.state == DONE else 0,
                    "rejected": [{"row": item.row, "message": item.message} for item in rejected],
                    "rejected_total": status.rejected_total, "stage": status.stage, "rows": status.rows,
                    "file_name": status.file_name}
    if status.message:
        answer["message"] = status.message
    if status.figures:
        answer.update({key: value for key, value in status.figures.items() if key != "imported"})
    return answer


def list_letters_api() -> dict:
    user = api_user()
    fields = query_fields()
    page, per_page = page_params(fields)
    status = fields.choice("status", LETTER_STATUSES)
    unit_id = fields.integer("unit_id")
    overdue = fields.boolean("overdue")
    fields.done()
    result = paginate_rows(letter_rows_query(user, today(), status=status, unit_id=unit_id, overdue_only=overdue),
                           page, per_page)
    return {
        "items": [letter_json(row.ApologyLetter, row.dossier_code) for row in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


def record_letter_api(letter_id: int) -> dict:
    user = api_user()
    letter = get_letter_or_404(letter_id, user, for_edit=True)
    fields = json_fields()
    values = {
        "issued_on": fields.date("issued_on", required=True),
        "new_appointment_on": fields.date("new_appointment_on", required=True),
        "reason": fields.text("reason", required=True),
        "signer": fields.text("signer"),
    }
    version = fields.integer("version")
    fields.done()
    record_apology_letter(letter, user, expected_version=version, **values)
    db.session.commit()
    return letter_json(letter)


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/dossiers/import", "import_dossiers", import_api, methods=["POST"])
    bp.add_url_rule("/dossiers/imports/<import_id>", "dossier_import_status", import_status_api, methods=["GET"])
    bp.add_url_rule("/apology-letters", "apology_letters", list_letters_api, methods=["GET"])
    bp.add_url_rule("/apology-letters/<int:letter_id>", "record_apology_letter", record_letter_api,
                    methods=["POST"])
