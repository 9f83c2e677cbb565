"""The page's import (and `POST /api/v1/dossiers/import` for a large file) runs in the background worker: a
year's export takes minutes, more than a web worker may hold a request (gunicorn's timeout) and more than a clerk
should stare at a spinning tab.

The confirmation queues a background job (background/, kind `dossier_import`) and keeps a small status file beside
the upload (state, stage, rows so far, then the outcome: figures or the refused rows). `kpi-tasks worker` runs the
same `import_dossiers` in its own transaction (all or nothing as ever: a crash or a killed worker writes nothing)
and writes the status file as it goes. The status page and `GET /api/v1/dossiers/imports/{id}` read the file, and
the job record for whether its worker is alive: a job whose heartbeat stopped is failed within a minute
(background.services), and so is its import, nothing written.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from kpi_tasks.accounts.models import User
from kpi_tasks.background.models import FAILED as JOB_FAILED
from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.background.services import JobContext, enqueue, refresh_liveness, register_kind
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.services import import_dossiers
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.spreadsheets.reader import csv_rows

log = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
REJECTED = "rejected"
FAILED = "failed"
INTERRUPTED = "Lần nhập bị gián đoạn (máy chủ khởi động lại); chưa có hồ sơ nào được ghi. Vui lòng nhập lại."
JOB_KIND = "dossier_import"


@dataclass
class ImportStatus:
    state: str
    stage: str = "validate"
    rows: int = 0
    file_name: str = ""
    message: str = ""
    figures: dict[str, int] | None = None
    rejected_total: int = 0
    job_id: int | None = None  # the background job that runs it

    @property
    def finished(self) -> bool:
        return self.state not in (QUEUED, RUNNING)


def status_path(base: str | Path, owner_id: int, token: str) -> Path | None:
    path = importing.rejected_path(base, owner_id, token)  # validates the token
    return None if path is None else path.with_name(f"{owner_id}-{token}.status.json")


def read_status(base: str | Path, owner_id: int, token: str) -> ImportStatus | None:
    path = status_path(base, owner_id, token)
    if path is None or not path.exists():
        return None
    status = ImportStatus(**json.loads(path.read_text(encoding="utf-8")))
    if status.finished:
        return status
    # A status without its job was written by a version that imported in the web process, which ended at the
    # upgrade's restart: that import ended with it.
    job = refresh_liveness(status.job_id) if status.job_id is not None else None
    dead = job is None or job.status == JOB_FAILED
    if dead:
        # Its worker ended without a final word, and its transaction was never committed.
        status.state, status.message = FAILED, INTERRUPTED
        _write_status(path, status)
    return status


def _write_status(path: Path, status: ImportStatus) -> None:
    # Written whole, then renamed: a reader never sees half a file.
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(status.__dict__), encoding="utf-8")
    partial.replace(path)


def start_import(stored: importing.StoredUpload, owner: User) -> BackgroundJob:
    """Queue the import of a previewed upload for the worker (flushed; the caller commits); its progress goes
    to the status file."""
    path = status_path(current_app.config["UPLOAD_FOLDER"], owner.id, stored.token)
    assert path is not None  # the token of a stored upload is valid
    job = enqueue(owner, JOB_KIND, {"token": stored.token}, f"Nhập hồ sơ TTHC từ tệp “{stored.file_name}”"[:200])
    _write_status(path, ImportStatus(QUEUED, file_name=stored.file_name, job_id=job.id))
    return job


def run_import(context: JobContext, params: dict[str, Any]) -> None:
    """The worker's side: import the stored upload, writing the status file as the import goes."""
    base = current_app.config["UPLOAD_FOLDER"]
    token = params["token"]
    path = status_path(base, context.owner_id, token)
    stored = importing.stored_upload(base, context.owner_id, token)
    if path is None or stored is None:
        raise ValidationError("Tệp tải lên không còn (đã hủy hoặc quá 24 giờ). Vui lòng tải tệp lên lại.")
    status = ImportStatus(RUNNING, file_name=stored.file_name, job_id=context.job_id)
    checked = 0

    def progress(stage: str, rows: int) -> None:
        nonlocal checked
        status.stage, status.rows = stage, rows
        _write_status(path, status)
        if stage == "validate":
            checked = rows
            context.progress(rows)
        else:  # writing: the rows checked are the total
            context.progress(rows, checked)

    try:
        _write_status(path, status)
        user = db.session.get(User, context.owner_id)
        outcome = import_dossiers(stored.path, user, file_name=stored.file_name, kind=stored.kind,
                                  progress=progress)
        db.session.commit()
        status.state, status.stage, status.rows = DONE, "write", outcome.imported
        status.figures = _figures(outcome)
        context.message = (f"Đã nhập {outcome.imported:,} hồ sơ: {outcome.created:,} mới, {outcome.updated:,} cập "
                           f"nhật, {outcome.unchanged:,} không đổi.").replace(",", ".")
        context.progress(outcome.imported, outcome.imported)
    except importing.DossierImportRejected as error:
        db.session.rollback()
        rejected = importing.rejected_path(base, context.owner_id, token)
        if rejected is not None:
            importing.write_rejected(rejected, error.rejected)
        status.state, status.message, status.rejected_total = REJECTED, error.message, len(error.rejected)
        raise  # the job fails with the refusal's message
    except BaseException:  # the status file must always say how it ended; the job's error is the worker's to log
        db.session.rollback()
        status.state = FAILED
        status.message = ("Hệ thống gặp lỗi khi nhập tệp; chưa có hồ sơ nào được ghi. Vui lòng thử lại hoặc báo "
                          "quản trị hệ thống.")
        raise
    finally:
        importing.discard_upload(stored)
        _write_status(path, status)


def _figures(outcome: Any) -> dict[str, int]:
    return {"imported": outcome.imported, "created": outcome.created, "updated": outcome.updated,
            "unchanged": outcome.unchanged, "obligations_created": outcome.obligations_created,
            "measurements": outcome.measurements}


def first_rejected(base: str | Path, owner_id: int, token: str, limit: int) -> list[importing.Rejection]:
    """The first `limit` rows of a refused import's list, for the page (the whole list is a download)."""
    path = importing.rejected_path(base, owner_id, token)
    if path is None or not path.exists():
        return []
    shown = []
    with csv_rows(path, encoding="utf-8-sig", dialect=csv.excel) as rows:  # our own file
        for number, (row_number, message) in rows:
            if number == 1:  # the header
                continue
            shown.append(importing.Rejection(int(row_number), message))
            if len(shown) >= limit:
                break
    return shown


def register_jobs() -> None:
    register_kind(JOB_KIND, "Nhập hồ sơ TTHC", run_import)
