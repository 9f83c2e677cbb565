"""Dossier endpoints of /api/v1 (API.md): the import, and apology-letter obligations.

`POST /dossiers/import` answers 200 `{imported, rejected: [], ...}` when the file was written, and 422
`{imported: 0, rejected: [{row, message}, ...], error: {...}}` when any row was wrong (nothing written).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from kpi_tasks.accounts.permissions import can_import_dossiers
from kpi_tasks.api.input import api_user, iso, json_fields, page_params, query_fields
from kpi_tasks.clock import today
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.models import LETTER_STATUSES, ApologyLetter
from kpi_tasks.dossiers.queries import letter_rows_query
from kpi_tasks.dossiers.services import get_letter_or_404, import_dossiers, record_apology_letter
from kpi_tasks.errors import PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.pagination import paginate_rows


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
    user = api_user()
    if not can_import_dossiers(user):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được nhập dữ liệu hồ sơ TTHC.")
    # Raised before the body is parsed: a year's export exceeds the limit of other requests.
    request.max_content_length = current_app.config["DOSSIER_MAX_UPLOAD"]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("Chưa gửi tệp (trường multipart “file”, .xlsx hoặc .csv).",
                              {"file": "Chưa gửi tệp."})
    folder = importing.upload_folder(current_app.config["UPLOAD_FOLDER"])
    path = importing.read_upload(upload.stream, folder / f"api-{user.id}-{secrets.token_hex(16)}.upload")
    try:
        outcome = import_dossiers(Path(path), user, file_name=upload.filename)
    except importing.DossierImportRejected as error:
        db.session.rollback()
        response = jsonify({
            "imported": 0,
            "rejected": [{"row": item.row, "message": item.message} for item in error.rejected],
            "error": {"code": "rejected", "message": error.message, "fields": error.fields},
        })
        response.status_code = 422
        return response
    finally:
        path.unlink(missing_ok=True)
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
    bp.add_url_rule("/apology-letters", "apology_letters", list_letters_api, methods=["GET"])
    bp.add_url_rule("/apology-letters/<int:letter_id>", "record_apology_letter", record_letter_api,
                    methods=["POST"])
