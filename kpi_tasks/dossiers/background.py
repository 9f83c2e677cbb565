"""The page's import runs beside the request: a year's export takes minutes, more than a web worker may
hold a request (gunicorn's timeout) and more than a clerk should stare at a spinning tab.

The confirmation starts one thread that runs the same `import_dossiers` in its own session and
transaction (all or nothing as ever: a crash or a killed worker writes nothing), and keeps a small status
file beside the upload (state, stage, rows so far, then the outcome). The status page reads it and
refreshes itself until the import is over. The API and the console command import in the foreground.
"""

from __future__ import annotations

import csv
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from kpi_tasks.accounts.models import User
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.services import import_dossiers
from kpi_tasks.extensions import db
from kpi_tasks.spreadsheets.reader import csv_rows

log = logging.getLogger(__name__)

RUNNING = "running"
DONE = "done"
REJECTED = "rejected"
FAILED = "failed"
# A running import rewrites its status at least every 10,000 rows read and 2,000 written; one silent for this
# long has died with its process.
STALE_AFTER_SECONDS = 15 * 60
_THREADS: dict[str, threading.Thread] = {}


@dataclass
class ImportStatus:
    state: str
    stage: str = "validate"
    rows: int = 0
    file_name: str = ""
    message: str = ""
    figures: dict[str, int] | None = None
    rejected_total: int = 0

    @property
    def finished(self) -> bool:
        return self.state != RUNNING


def status_path(base: str | Path, owner_id: int, token: str) -> Path | None:
    path = importing.rejected_path(base, owner_id, token)  # validates the token
    return None if path is None else path.with_name(f"{owner_id}-{token}.status.json")


def read_status(base: str | Path, owner_id: int, token: str) -> ImportStatus | None:
    path = status_path(base, owner_id, token)
    if path is None or not path.exists():
        return None
    status = ImportStatus(**json.loads(path.read_text(encoding="utf-8")))
    if status.state == RUNNING and time.time() - path.stat().st_mtime > STALE_AFTER_SECONDS:
        # Its process ended without a final word (a restarted worker): the transaction was never committed.
        status.state = FAILED
        status.message = "Lần nhập bị gián đoạn (máy chủ khởi động lại); chưa có hồ sơ nào được ghi. Vui lòng nhập lại."
    return status


def _write_status(path: Path, status: ImportStatus) -> None:
    # Written whole, then renamed: a reader never sees half a file.
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(status.__dict__), encoding="utf-8")
    partial.replace(path)


def start_import(app: Flask, stored: importing.StoredUpload, owner_id: int) -> None:
    """Run the import of a previewed upload in a thread; its progress goes to the status file."""
    base = app.config["UPLOAD_FOLDER"]
    path = status_path(base, owner_id, stored.token)
    assert path is not None  # the token of a stored upload is valid
    _write_status(path, ImportStatus(RUNNING, file_name=stored.file_name))
    thread = threading.Thread(target=_run, args=(app, stored, owner_id, path), name=f"dossier-import-{stored.token}",
                              daemon=True)
    _THREADS[stored.token] = thread
    thread.start()


def wait(token: str, timeout: float | None = None) -> None:
    """Block until the import of `token` started in this process has ended (tests, console)."""
    thread = _THREADS.get(token)
    if thread is not None:
        thread.join(timeout)


def _run(app: Flask, stored: importing.StoredUpload, owner_id: int, path: Path) -> None:
    status = ImportStatus(RUNNING, file_name=stored.file_name)

    def progress(stage: str, rows: int) -> None:
        status.stage, status.rows = stage, rows
        _write_status(path, status)

    with app.app_context():
        try:
            user = db.session.get(User, owner_id)
            outcome = import_dossiers(stored.path, user, file_name=stored.file_name, kind=stored.kind,
                                      progress=progress)
            db.session.commit()
            status.state, status.stage, status.rows = DONE, "write", outcome.imported
            status.figures = _figures(outcome)
        except importing.DossierImportRejected as error:
            db.session.rollback()
            rejected = importing.rejected_path(app.config["UPLOAD_FOLDER"], owner_id, stored.token)
            if rejected is not None:
                importing.write_rejected(rejected, error.rejected)
            status.state, status.message, status.rejected_total = REJECTED, error.message, len(error.rejected)
        except Exception:  # the thread must always leave a final status for the page
            db.session.rollback()
            log.exception("dossier import %s failed", stored.token)
            status.state = FAILED
            status.message = ("Hệ thống gặp lỗi khi nhập tệp; chưa có hồ sơ nào được ghi. Vui lòng thử lại hoặc báo "
                              "quản trị hệ thống.")
        finally:
            db.session.remove()
            importing.discard_upload(stored)
            _write_status(path, status)
            _THREADS.pop(stored.token, None)


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
