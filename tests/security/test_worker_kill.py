"""A gunicorn worker and the background worker (`kpi-tasks worker`) killed in the middle of a large import: nothing
acknowledged before is lost and nothing is half-written; the master's new web worker carries on, and tells the
import failed once its job's heartbeat stops. Runs on the suite's database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from kpi_tasks.audit.models import AuditEvent
from kpi_tasks.dossiers.models import Dossier
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from tests.conftest import ARTIFACTS, FROZEN_TODAY
from tests.dossiers.helpers import HEADERS, row
from tests.factories import api_headers, commit, make_directive, make_office, make_unit
from tests.notifications.test_scheduler import ROOT, _die_with_parent, wait_for

ACKNOWLEDGED_BEFORE_KILL = 15
DOSSIERS_IN_FLIGHT = 20_000


def _dossier_file(count: int) -> bytes:
    received, due, resolved = dt.date(2026, 2, 2), dt.date(2026, 2, 10), dt.date(2026, 2, 9)
    rows = [row(f"K-{n:06d}", "TP", received, due, resolved) for n in range(count)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADERS[1:])
    writer.writeheader()
    for item in rows:
        writer.writerow({key: value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else value
                         for key, value in item.items()})
    return buffer.getvalue().encode("utf-8")


def _import_then_kill(port: int, headers: dict[str, str], data: bytes, workers: set[int],
                      writing: Callable[[dict], bool]) -> dict:
    """POST a large dossier file (answered 202: it runs in the background) and kill the workers once the import
    is seen writing to the database; the answer. Killing on an observed write (not after a delay) makes the test
    independent of how fast the machine is."""
    boundary = "kpi-tasks-worker-kill"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ho-so.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    answer: dict = {}

    def send() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.request("POST", "/api/v1/dossiers/import", body=body,
                               headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
            response = connection.getresponse()
            answer.update(status=response.status, body=json.loads(response.read() or b"{}"))
        except (ConnectionError, http.client.HTTPException):
            answer["status"] = None
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        sender.join(timeout=120)
        wait_for("the import to write", lambda: writing(answer), timeout=120, interval=0.002)
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
    return answer


def _write_in_progress(app) -> Callable[[], bool]:
    """True while another connection holds an open write transaction on the suite's database."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        # In WAL mode no journal file comes and goes: ask for the write lock without waiting instead.
        def locked() -> bool:
            probe = sqlite3.connect(url.database, timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            finally:
                probe.close()
            return False
        return locked
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def writing() -> bool:
        with engine.connect() as connection:
            return bool(connection.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")))
    return writing


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(port: int, path: str, headers: dict[str, str], body: dict) -> int | None:
    """The status of one API call, or None when the connection broke (the worker died under it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=json.dumps(body), headers={**headers, "Content-Type": "application/json"})
        return connection.getresponse().status
    except (ConnectionError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def _get(port: int, path: str, headers: dict[str, str]) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def test_a_killed_worker_loses_no_acknowledged_write(app, tmp_path):
    with app.app_context():
        unit = make_unit("Phòng Tư pháp", code="TP")
        office = make_office()
        directive = make_directive(office)
        headers = api_headers(office)
        commit()
        unit_id, path = unit.id, f"/api/v1/directives/{directive.id}/tasks"

    port = _free_port()
    # Every API import in the background; a silent job failed after 3 s instead of 45 (the same code, sooner).
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "worker-kill",
           "KPI_TASKS_TODAY": FROZEN_TODAY, "KPI_TASKS_DOSSIER_API_BACKGROUND_KB": "1",
           "KPI_TASKS_JOB_HEARTBEAT_SECONDS": "1", "KPI_TASKS_JOB_STALE_SECONDS": "3",
           "KPI_TASKS_JOB_POLL_SECONDS": "1", "KPI_TASKS_UPLOAD_FOLDER": str(tmp_path / "uploads")}
    log = (tmp_path / "gunicorn.log").open("wb")
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
    )
    job_worker: subprocess.Popen | None = None
    statuses: dict[str, int | None] = {}
    try:
        wait_for("gunicorn to listen", lambda: _answers(port), timeout=60)
        first_worker = wait_for("the first worker", lambda: _worker_pids(master.pid), timeout=30)
        for n in range(ACKNOWLEDGED_BEFORE_KILL):
            title = f"Việc trước sự cố {n}"
            statuses[title] = _post(port, path, headers,
                                    {"title": title, "lead_unit_id": unit_id, "deadline_kind": "none"})

        # A large import is sent, the background worker (started only now, so as not to slow gunicorn's start on
        # a busy machine) takes it, and both workers are killed while it writes.
        job_worker = subprocess.Popen([sys.executable, "-m", "kpi_tasks", "worker"], cwd=ROOT, env=env,
                                      stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        lock_held = _write_in_progress(app)

        def import_writes(answer: dict) -> bool:
            """The background import is in its write stage (its status, in the file store, says so) and holds the
            lock."""
            status_url = answer.get("body", {}).get("status_url")
            return bool(status_url) and _get(port, status_url, headers).get("stage") == "write" and lock_held()

        in_flight = _import_then_kill(port, headers, _dossier_file(DOSSIERS_IN_FLIGHT),
                                      {*first_worker, job_worker.pid}, import_writes)

        wait_for("a new worker", lambda: _worker_pids(master.pid) - first_worker, timeout=60)
        for n in range(5):
            title = f"Việc sau sự cố {n}"
            body = {"title": title, "lead_unit_id": unit_id, "deadline_kind": "none"}
            statuses[title] = wait_for("the new worker", lambda b=body: _post(port, path, headers, b), timeout=60)
        # The new web worker tells the import failed once its job's heartbeat is stale (here 3 s, in production 45).
        status_path = in_flight["body"]["status_url"]
        told = wait_for("the import to be told failed", lambda: _get(port, status_path, headers).get("status")
                        == "failed" and _get(port, status_path, headers), timeout=60, interval=0.2)
    finally:
        master.terminate()
        master.wait(timeout=30)
        if job_worker is not None:
            job_worker.kill()
            job_worker.wait(timeout=30)
        log.close()

    (ARTIFACTS / "worker-kill.txt").write_text(
        "\n".join(f"{title}: {status}" for title, status in statuses.items())
        + f"\nimport of {DOSSIERS_IN_FLIGHT} dossiers: {in_flight.get('status')}, worker killed while it wrote; "
        f"then: {told}\n", encoding="utf-8")
    acknowledged = {title for title, status in statuses.items() if status == 201}
    assert set(statuses) == acknowledged, statuses
    assert in_flight["status"] == 202
    assert (told["status"], told["imported"]) == ("failed", 0)
    assert "gián đoạn" in told["message"]
    with app.app_context():
        db.session.remove()
        rows = db.session.execute(sa.select(Task.title, Task.id)).all()
        stored = dict(rows)
        created = set(db.session.scalars(
            sa.select(AuditEvent.entity_id).where(AuditEvent.entity_type == "task", AuditEvent.action == "create")))
        dossiers = db.session.scalar(sa.select(sa.func.count()).select_from(Dossier))
    # Every acknowledged task is there once, with its history; the interrupted import left nothing behind.
    assert set(stored) == acknowledged
    assert dossiers == 0
    assert len(rows) == len(stored), "a task was stored twice"
    assert set(stored.values()) == created
