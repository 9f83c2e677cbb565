"""Dossier endpoints of /api/v1 (API.md): the import, and apology-letter obligations.

`POST /dossiers/import` answers 200 `{imported, rejected: [], ...}` when the file was written, and 422
`{imported: 0, rejected: [{row, message}, ...], error: {...}}` when any row was wrong (nothing written); a file
larger than DOSSIER_API_BACKGROUND_BYTES gets 202 `{import_id}` and runs in the background, and
`GET /dossiers/imports/{id}` tells `{status, imported, rejected}`.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request, url_for

from kpi_tasks.accounts.permissions import can_import_dossiers
from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.api.schema import ErrorDetail
from kpi_tasks.clock import today
from kpi_tasks.dossiers import importing, models
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
from kpi_tasks.dossiers.models import DossierImport as ImportRecord
from kpi_tasks.dossiers.queries import letter_rows_query
from kpi_tasks.dossiers.schemas import (
    UPLOAD,
    ApologyLetter,
    ApologyLetterInput,
    ApologyLetterPage,
    DossierImport,
    DossierImportRejected,
    DossierImportStarted,
    DossierImportStatus,
    LetterQuery,
    Rejection,
)
from kpi_tasks.dossiers.services import get_letter_or_404, import_dossiers, record_apology_letter
from kpi_tasks.errors import NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.storage import file_store

routes = ApiRoutes()
register_api = routes


def letter_out(letter: models.ApologyLetter, dossier_code: str | None = None) -> ApologyLetter:
    return ApologyLetter.of(letter, dossier_code=dossier_code if dossier_code is not None else letter.dossier.code,
                            overdue=letter.overdue(today()))


@routes.operation("POST", "/dossiers/import", "import_dossiers",
                  "Nhập hồ sơ TTHC (office): cả tệp hoặc không gì; 422 kèm mọi dòng sai; tệp lớn: 202 và nhập trong "
                  "nền", request_body=UPLOAD, answer=DossierImport, description="Imported",
                  other_answers={202: (DossierImportStarted, "Large file: imported in the background"),
                                 422: (DossierImportRejected, "Refused whole: every bad row")},
                  errors="400 403 413")
def import_api() -> Response | DossierImport:
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
        started = DossierImportStarted(import_id=stored.token, status=QUEUED, status_url=url, job_id=job.id)
        response = jsonify(started.model_dump(mode="json"))
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
    return DossierImport.of(outcome, rejected=[], import_id=outcome.record.id)


def _rejected(rejected: list[importing.Rejection], message: str, fields: dict[str, str]) -> Response:
    answer = DossierImportRejected(imported=0, rejected=[Rejection.of(item) for item in rejected],
                                   error=ErrorDetail(code="rejected", message=message, fields=fields))
    response = jsonify(answer.model_dump(mode="json"))
    response.status_code = 422
    return response


# The API's states for the page's ones: a refused file is a failed import that lists its rows.
API_STATES = {QUEUED: "queued", RUNNING: "running", DONE: "done", REJECTED: "failed", FAILED: "failed"}
REJECTED_LISTED = 1000


@routes.operation("GET", "/dossiers/imports/<import_id>", "dossier_import_status",
                  "Tình trạng một lần nhập hồ sơ: mã trả về trong 202, hoặc số import_id của lần nhập ngay",
                  answer=DossierImportStatus, description="Where the import stands", errors="403 404")
def import_status_api(import_id: str) -> DossierImportStatus:
    """Where an import stands: a background one by the token its 202 gave (its owner only), or one that ran at
    once by its number."""
    user = api_user()
    if not can_import_dossiers(user):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được nhập dữ liệu hồ sơ TTHC.")
    if import_id.isdigit() and len(import_id) < 10:
        record = db.session.get(ImportRecord, int(import_id))
        if record is None:
            raise NotFound("Không có lần nhập này.")
        return DossierImportStatus(import_id=record.id, status="done", imported=record.rows, rejected=[],
                                   created=record.created, updated=record.updated, unchanged=record.unchanged,
                                   obligations_created=record.obligations_created)
    store = file_store()
    status = read_status(store, user.id, import_id)
    if status is None:
        raise NotFound("Không có lần nhập này (hoặc đã quá 24 giờ).")
    rejected = first_rejected(store, user.id, import_id, REJECTED_LISTED) if status.state == REJECTED else []
    figures = {key: value for key, value in (status.figures or {}).items() if key != "imported"}
    return DossierImportStatus(
        import_id=import_id, status=API_STATES[status.state],
        imported=(status.figures or {}).get("imported", 0) if status.state == DONE else 0,
        rejected=[Rejection.of(item) for item in rejected], rejected_total=status.rejected_total,
        stage=status.stage, rows=status.rows, file_name=status.file_name, message=status.message or None, **figures,
    )


@routes.operation("GET", "/apology-letters", "apology_letters",
                  "Nghĩa vụ gửi phiếu xin lỗi (đơn vị: của đơn vị mình)", query=LetterQuery, answer=ApologyLetterPage,
                  description="Obligations", errors="422")
def list_letters_api(query: LetterQuery) -> ApologyLetterPage:
    rows = letter_rows_query(api_user(), today(), status=query.status, unit_id=query.unit_id,
                             overdue_only=query.overdue)
    result = paginate_rows(rows, query.page, query.per_page)
    return ApologyLetterPage(items=[letter_out(row.ApologyLetter, row.dossier_code) for row in result.items],
                             total=result.total, page=result.page, per_page=result.per_page)


@routes.operation("POST", "/apology-letters/<int:letter_id>", "record_apology_letter",
                  "Ghi nhận phiếu xin lỗi đã gửi: issued (đúng hạn) hoặc late", body=ApologyLetterInput,
                  answer=ApologyLetter, description="Letter", errors="400 403 404 409 422")
def record_letter_api(letter_id: int, body: ApologyLetterInput) -> ApologyLetter:
    user = api_user()
    letter = get_letter_or_404(letter_id, user, for_edit=True)
    record_apology_letter(letter, user, expected_version=body.version, **body.model_dump(exclude={"version"}))
    db.session.commit()
    return letter_out(letter)
