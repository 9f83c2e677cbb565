"""The page's import (and `POST /api/v1/dossiers/import` for a large file) runs in the background worker: a
year's export takes minutes, more than a web worker may hold a request (gunicorn's timeout) and more than a clerk
should stare at a spinning tab.

The confirmation queues a background job (background/, kind `dossier_import`) and keeps a small status file beside
the upload in the file store (state, stage, rows so far, then the outcome: figures or the refused rows).
`kpi-tasks worker` runs the same `import_dossiers` in its own transaction (all or nothing as ever: a crash or a
killed worker writes nothing) and writes the status file as it goes, committed apart from the import's transaction
(storage.store_apart) so that any host sees it at once. The status page and `GET /api/v1/dossiers/imports/{id}`
read the file, and the job record for whether its worker is alive: a job whose heartbeat stopped is failed within
a minute (background.services), and so is its import, nothing written.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.background.models import FAILED as JOB_FAILED
from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.background.services import JobContext, enqueue, refresh_liveness, register_kind
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.services import import_dossiers
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.spreadsheets.reader import csv_rows
from kpi_tasks.storage import FileStore, file_store, store_apart

log = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
REJECTED = "rejected"
FAILED = "failed"
INTERRUPTED = "Lần nhập bị gián đoạn (máy chủ khởi động lại); chưa có hồ sơ nào được ghi. Vui lòng nhập lại."
JOB_KIND = "dossier_import"
# SQLite with the database file store: the import's own write transaction holds the lock while it writes; a
# progress line waits this long for it, then waits for the next one (the job's page shows the job's own figures).
PROGRESS_WAIT_MS = 100


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


def status_key(owner_id: int, token: str) -> str | None:
    return importing.pending_key(owner_id, token, ".status.json")  # validates the token


def read_status(store: FileStore, owner_id: int, token: str) -> ImportStatus | None:
    key = status_key(owner_id, token)
    if key is None or not store.exists(key):
        return None
    with store.open(key) as handle:
        status = ImportStatus(**json.loads(handle.read().decode("utf-8")))
    if status.finished:
        return status
    # A status without its job was written by a version that imported in the web process, which ended at the
    # upgrade's restart: that import ended with it.
    job = refresh_liveness(status.job_id) if status.job_id is not None else None
    dead = job is None or job.status == JOB_FAILED
    if dead:
        # Its worker ended without a final word, and its transaction was never committed.
        status.state, status.message = FAILED, INTERRUPTED
        with store_apart() as apart:
            _write_status(apart, key, status)
    return status


def _write_status(store: FileStore, key: str, status: ImportStatus) -> None:
    # Written whole (the folder store writes beside, then renames): a reader never sees half a file.
    store.put(key, json.dumps(status.__dict__).encode("utf-8"))


def _write_status_apart(key: str, status: ImportStatus, final: bool) -> None:
    """The worker's status lines, committed at once whatever becomes of the import's transaction."""
    try:
        with store_apart(None if final else PROGRESS_WAIT_MS) as store:
            _write_status(store, key, status)
    except sa.exc.OperationalError:
        if final or db.engine.dialect.name != "sqlite":
            raise
        log.debug("progress of import %s not recorded: the database is locked by the import itself", key)


def start_import(stored: importing.StoredUpload, owner: User) -> BackgroundJob:
    """Queue the import of a previewed upload for the worker (flushed; the caller commits); its progress goes
    to the status file (written with the job: both are there once the caller commits)."""
    key = status_key(owner.id, stored.token)
    assert key is not None  # the token of a stored upload is valid
    job = enqueue(owner, JOB_KIND, {"token": stored.token}, f"Nhập hồ sơ TTHC từ tệp “{stored.file_name}”"[:200])
    _write_status(file_store(), key, ImportStatus(QUEUED, file_name=stored.file_name, job_id=job.id))
    return job


def run_import(context: JobContext, params: dict[str, Any]) -> None:
    """The worker's side: import the stored upload, writing the status file as the import goes."""
    store = file_store()
    token = params["token"]
    key = status_key(context.owner_id, token)
    stored = importing.stored_upload(store, context.owner_id, token)
    if key is None or stored is None:
        raise ValidationError("Tệp tải lên không còn (đã hủy hoặc quá 24 giờ). Vui lòng tải tệp lên lại.")
    status = ImportStatus(RUNNING, file_name=stored.file_name, job_id=context.job_id)
    checked = 0

    def progress(stage: str, rows: int) -> None:
        nonlocal checked
        status.stage, status.rows = stage, rows
        _write_status_apart(key, status, final=False)
        if stage == "validate":
            checked = rows
            context.progress(rows)
        else:  # writing: the rows checked are the total
            context.progress(rows, checked)

    try:
        _write_status_apart(key, status, final=False)
        user = db.session.get(User, context.owner_id)
        with store.local_path(stored.key) as path:
            outcome = import_dossiers(path, user, file_name=stored.file_name, kind=stored.kind, progress=progress)
        db.session.commit()
        status.state, status.stage, status.rows = DONE, "write", outcome.imported
        status.figures = _figures(outcome)
        context.message = (f"Đã nhập {outcome.imported:,} hồ sơ: {outcome.created:,} mới, {outcome.updated:,} cập "
                           f"nhật, {outcome.unchanged:,} không đổi.").replace(",", ".")
        context.progress(outcome.imported, outcome.imported)
    except importing.DossierImportRejected as error:
        db.session.rollback()
        rejected = importing.pending_key(context.owner_id, token, ".rejected.csv")
        if rejected is not None:
            with store_apart() as apart, apart.writing(rejected) as target:
                importing.write_rejected(target, error.rejected)
        status.state, status.message, status.rejected_total = REJECTED, error.message, len(error.rejected)
        raise  # the job fails with the refusal's message
    except BaseException:  # the status file must always say how it ended; the job's error is the worker's to log
        db.session.rollback()
        status.state = FAILED
        status.message = ("Hệ thống gặp lỗi khi nhập tệp; chưa có hồ sơ nào được ghi. Vui lòng thử lại hoặc báo "
                          "quản trị hệ thống.")
        raise
    finally:
        # Apart: the job's transaction may be rolled back after this, and the upload must go all the same.
        with store_apart() as apart:
            importing.discard_upload(apart, stored)
        _write_status_apart(key, status, final=True)


def _figures(outcome: Any) -> dict[str, int]:
    return {"imported": outcome.imported, "created": outcome.created, "updated": outcome.updated,
            "unchanged": outcome.unchanged, "obligations_created": outcome.obligations_created,
            "measurements": outcome.measurements}


def first_rejected(store: FileStore, owner_id: int, token: str, limit: int) -> list[importing.Rejection]:
    """The first `limit` rows of a refused import's list, for the page (the whole list is a download)."""
    key = importing.pending_key(owner_id, token, ".rejected.csv")
    if key is None or not store.exists(key):
        return []
    shown = []
    with store.local_path(key) as path, csv_rows(path, encoding="utf-8-sig", dialect=csv.excel) as rows:
        for number, (row_number, message) in rows:
            if number == 1:  # the header
                continue
            shown.append(importing.Rejection(int(row_number), message))
            if len(shown) >= limit:
                break
    return shown


def register_jobs() -> None:
    register_kind(JOB_KIND, "Nhập hồ sơ TTHC", run_import)
