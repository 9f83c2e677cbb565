"""The queue of background jobs: the kinds areas register, queuing a job, reading it back for its owner, and what
the worker does with it (claim, progress and heartbeat, result, failure, stale jobs, expiry of results).

Times here are real UTC time (`real_now`), never the product clock: KPI_TASKS_TODAY may differ between the web
process and the worker, a heartbeat's seconds may not. Functions that judge time take `now`, so tests inject it.

Progress and heartbeats are written on a connection of their own (`db.engine.begin()`), outside the job's own
transaction: an import's rows stay uncommitted until the end (all or nothing) while its progress is visible at
once. On SQLite that needs WAL (extensions.py turns it on), or the export's open read would lock the writer out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_view_background_job
from kpi_tasks.background.models import DONE, FAILED, QUEUED, RUNNING, BackgroundJob
from kpi_tasks.errors import NotFound, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.storage import FileStore, file_store

log = logging.getLogger(__name__)

RESULTS_FOLDER = "jobs"
# SQLite: how long a progress write waits for the lock (the job's own write transaction may hold it), and the
# busy timeout the pooled connection gets back afterwards (pysqlite's default).
SQLITE_PROGRESS_WAIT_MS = 100
SQLITE_BUSY_MS = 5000
INTERRUPTED = ("Tác vụ bị gián đoạn vì tiến trình xử lý nền dừng giữa chừng (khởi động lại hoặc bị tắt); chưa có "
               "dữ liệu nào được ghi. Vui lòng bấm “Chạy lại”.")
CRASHED = ("Hệ thống gặp lỗi khi xử lý tác vụ; chưa có dữ liệu nào được ghi. Vui lòng chạy lại hoặc báo quản trị hệ "
           "thống.")
UNKNOWN_KIND = "Phiên bản hiện tại không còn xử lý loại tác vụ này."


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands timestamps back without their offset; they are stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- kinds ------------------------------------------------------------------------------------------------


class JobContext:
    """What a job kind's function gets besides its parameters: progress reporting and its result file."""

    def __init__(self, job_id: int, owner_id: int, params: dict[str, Any], store: FileStore) -> None:
        self.job_id = job_id
        self.owner_id = owner_id
        self.params = params
        self.store = store
        self.message: str | None = None
        self.result_file: str | None = None
        self.result_name: str | None = None
        self.result_mime: str | None = None
        self.result_size: int | None = None
        self.total: int | None = None
        self.done = 0

    def progress(self, done: int, total: int | None = None) -> None:
        """Rows done so far (and the total when known); visible to the status page at once."""
        self.done = done
        if total is not None:
            self.total = total
        record_progress(self.job_id, done, self.total)

    @contextlib.contextmanager
    def output(self, name: str, mimetype: str) -> Iterator[IO[bytes]]:
        """The result file to write, sent later as `name`. Kept only if the block ends without an error (and, in
        the database store, with the job's transaction)."""
        stored = secrets.token_hex(16)
        with self.store.writing(result_key(stored)) as target:
            yield target
        self.result_file, self.result_name, self.result_mime = stored, name, mimetype
        self.result_size = self.store.size(result_key(stored))


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str  # of the kind in general ("Xuất danh sách nhiệm vụ"); a job may carry a more precise one
    run: Callable[[JobContext, dict[str, Any]], None]


_KINDS: dict[str, JobKind] = {}


def register_kind(kind: str, label: str, run: Callable[[JobContext, dict[str, Any]], None]) -> None:
    """An area's long work, run by the worker as `run(context, params)`: it reads what it needs from `params`
    (JSON values), reports rows through `context.progress`, writes its file in `context.output(...)`, may set
    `context.message`, and raises a DomainError (its Vietnamese message is shown) when the work is refused."""
    _KINDS[kind] = JobKind(kind, label, run)


def job_kind(kind: str) -> JobKind | None:
    return _KINDS.get(kind)


def runs_in_background(rows: int) -> bool:
    """Whether work over `rows` rows goes to the worker (JOB_BACKGROUND_ROWS) instead of the request."""
    return rows > current_app.config["JOB_BACKGROUND_ROWS"]


# --- queuing and reading ----------------------------------------------------------------------------------


def enqueue(owner: User, kind: str, params: dict[str, Any], label: str | None = None,
            rerun_of: BackgroundJob | None = None) -> BackgroundJob:
    """Queue a job for `owner` (flushed; the caller commits). `params` must be JSON values."""
    spec = job_kind(kind)
    if spec is None:
        raise ValueError(f"unknown job kind {kind!r}")
    job = BackgroundJob(owner_id=owner.id, kind=kind, label=label or spec.label,
                        params_json=json.dumps(params, ensure_ascii=False, sort_keys=True), status=QUEUED,
                        created_at=real_now(), rerun_of_id=rerun_of.id if rerun_of else None)
    db.session.add(job)
    db.session.flush()
    return job


def get_job_for(job_id: int, user: User) -> BackgroundJob:
    """The job if `user` owns it (or is the admin); NotFound for anyone else, as for a missing one."""
    job = refresh_liveness(job_id)
    if job is None or not can_view_background_job(user, job):
        raise NotFound("Không tìm thấy tác vụ hoặc bạn không có quyền xem.")
    return job


def refresh_liveness(job_id: int) -> BackgroundJob | None:
    """The job, first marked failed if it runs and its worker died: whoever looks at it learns so, whether or
    not a worker is left to notice."""
    job = db.session.get(BackgroundJob, job_id)
    if job is not None and job.status == RUNNING and _is_stale(job, real_now()):
        fail_stale_jobs()
        db.session.refresh(job)
    return job


def jobs_of(user: User, limit: int = 20) -> list[BackgroundJob]:
    return list(db.session.scalars(
        sa.select(BackgroundJob).where(BackgroundJob.owner_id == user.id).order_by(BackgroundJob.id.desc())
        .limit(limit)
    ))


def result_key(stored: str) -> str:
    """The key of a result file in the file store (storage/): under jobs/ as it always was in UPLOAD_FOLDER."""
    return f"{RESULTS_FOLDER}/{stored}"


def stored_result(job: BackgroundJob) -> str | None:
    """The key of a finished job's stored result, if it is still there (results expire)."""
    if job.status != DONE or not job.result_file:
        return None
    key = result_key(job.result_file)
    try:
        return key if file_store().exists(key) else None
    except FileNotFoundError:  # a value no key can have
        return None


def results_folder() -> Path:
    """This machine's folder of job files: the results in the folder store, and always the `.alive` files."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / RESULTS_FOLDER


def rerun(job: BackgroundJob, actor: User) -> BackgroundJob:
    """Queue the same work again for the job's owner (a failed job only)."""
    if job.status != FAILED:
        raise ValidationError("Chỉ chạy lại được tác vụ không thành công.")
    return enqueue(job.owner, job.kind, job.params, job.label, rerun_of=job)


# --- the worker's side ------------------------------------------------------------------------------------


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def alive_path(job_id: int) -> Path:
    """A file the worker touches with each heartbeat: on SQLite a long import's write transaction keeps every
    other connection from writing, the heartbeat's included, but not from touching a file. It stays on this
    machine's disk whatever the file store: it only helps where the web process and the worker share a disk (one
    machine, SQLite); on PostgreSQL, with hosts apart, the heartbeat recorded in the job's row carries it."""
    return results_folder() / f"{job_id}.alive"


def last_sign_of_life(job_id: int, recorded: dt.datetime | None) -> dt.datetime | None:
    try:
        touched = dt.datetime.fromtimestamp(alive_path(job_id).stat().st_mtime, dt.UTC)
    except FileNotFoundError:
        return recorded
    return touched if recorded is None else max(recorded, touched)


def _is_stale(job: BackgroundJob, now: dt.datetime) -> bool:
    beat = last_sign_of_life(job.id, aware(job.heartbeat_at) or aware(job.started_at))
    return beat is not None and beat < now - _stale_after()


def claim_next(worker: str, now: dt.datetime | None = None) -> BackgroundJob | None:
    """Take the oldest queued job for `worker` and mark it running (committed). On PostgreSQL several workers
    claim at once without waiting on each other (FOR UPDATE SKIP LOCKED); on SQLite the conditional UPDATE
    makes a second worker's claim of the same row a no-op."""
    now = now or real_now()
    query = sa.select(BackgroundJob.id).where(BackgroundJob.status == QUEUED).order_by(BackgroundJob.id).limit(1)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job_id = db.session.scalar(query)
    if job_id is None:
        db.session.rollback()
        return None
    claimed = db.session.execute(
        sa.update(BackgroundJob).where(BackgroundJob.id == job_id, BackgroundJob.status == QUEUED)
        .values(status=RUNNING, worker=worker, started_at=now, heartbeat_at=now, done=0)
    ).rowcount
    db.session.commit()
    return db.session.get(BackgroundJob, job_id) if claimed == 1 else None


def _update_apart(job_id: int, **values: Any) -> None:
    """An UPDATE of one running job committed on a connection of its own, outside the job's transaction. On
    SQLite the job's own write transaction (an import's) locks every other writer out: then the figures wait
    for the next call (the alive file carries the heartbeat meanwhile) rather than the job waiting for them."""
    table = BackgroundJob.__table__
    sqlite = db.engine.dialect.name == "sqlite"
    try:
        with db.engine.begin() as connection:
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_PROGRESS_WAIT_MS}")
            try:
                connection.execute(sa.update(table).where(table.c.id == job_id, table.c.status == RUNNING)
                                   .values(**values))
            finally:
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
    except sa.exc.OperationalError:
        if not sqlite:
            raise
        log.debug("progress of job %s not recorded: the database is locked by the job itself", job_id)


def record_progress(job_id: int, done: int, total: int | None) -> None:
    _update_apart(job_id, done=done, total=total, heartbeat_at=real_now())


def beat(job_id: int, now: dt.datetime | None = None) -> None:
    _update_apart(job_id, heartbeat_at=now or real_now())


def complete(job_id: int, context: JobContext, now: dt.datetime | None = None) -> None:
    """Mark the job done with its result (the caller has committed the job's own work). Committed."""
    now = now or real_now()
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return
    job.status, job.finished_at, job.heartbeat_at = DONE, now, now
    job.done = max(context.done, context.total or 0)
    job.total = context.total if context.total is not None else job.done
    job.message = context.message
    job.result_file, job.result_name = context.result_file, context.result_name
    job.result_mime, job.result_size = context.result_mime, context.result_size
    job.expires_at = now + dt.timedelta(days=current_app.config["JOB_RESULT_DAYS"])
    db.session.commit()
    alive_path(job_id).unlink(missing_ok=True)


def fail(job_id: int, message: str, now: dt.datetime | None = None) -> None:
    """Mark the job failed with a Vietnamese message (the caller has rolled the job's work back). Committed."""
    now = now or real_now()
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return
    job.status, job.finished_at, job.message = FAILED, now, message
    job.expires_at = now + dt.timedelta(days=current_app.config["JOB_RESULT_DAYS"])
    db.session.commit()
    alive_path(job_id).unlink(missing_ok=True)


def fail_stale_jobs(now: dt.datetime | None = None) -> list[int]:
    """Mark failed every running job whose heartbeat is older than JOB_STALE_SECONDS: its worker died (killed,
    restarted, the machine stopped), and its transaction died with it. Returns their ids. Committed."""
    now = now or real_now()
    limit = now - _stale_after()
    stale = sa.or_(BackgroundJob.heartbeat_at < limit,
                   sa.and_(BackgroundJob.heartbeat_at.is_(None), BackgroundJob.started_at < limit))
    ids = [job_id for job_id in db.session.scalars(
        sa.select(BackgroundJob.id).where(BackgroundJob.status == RUNNING, stale).order_by(BackgroundJob.id))
        if (last_sign_of_life(job_id, None) or limit) <= limit]
    if ids:
        db.session.execute(
            sa.update(BackgroundJob).where(BackgroundJob.id.in_(ids), BackgroundJob.status == RUNNING, stale)
            .values(status=FAILED, finished_at=now, message=INTERRUPTED,
                    expires_at=now + dt.timedelta(days=current_app.config["JOB_RESULT_DAYS"]))
            # Not evaluated on the loaded objects (SQLite hands their times back without offset); the commit
            # below expires them.
            .execution_options(synchronize_session=False)
        )
        log.warning("background jobs %s had no heartbeat since %s: marked failed", ids, limit)
        for job_id in ids:
            alive_path(job_id).unlink(missing_ok=True)
    db.session.commit()
    return ids


def purge_expired_results(now: dt.datetime | None = None) -> int:
    """Delete the result files whose JOB_RESULT_DAYS have passed (the record stays, saying so). Committed."""
    now = now or real_now()
    jobs = list(db.session.scalars(
        sa.select(BackgroundJob).where(BackgroundJob.expires_at < now, BackgroundJob.result_file.is_not(None))
    ))
    store = file_store()
    for job in jobs:
        with contextlib.suppress(FileNotFoundError):
            store.delete(result_key(job.result_file))  # type: ignore[arg-type]
        job.result_file = None
    db.session.commit()
    return len(jobs)


@dataclass
class Outcome:
    """What the worker did with one job, for its caller (and the notification)."""

    job_id: int
    status: str
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_claimed(job: BackgroundJob) -> Outcome:
    """Run a claimed job's kind in this process, in one transaction: committed if it ends well, rolled back
    otherwise; then mark the job done or failed."""
    job_id, owner_id, kind, params = job.id, job.owner_id, job.kind, job.params
    spec = job_kind(kind)
    if spec is None:
        fail(job_id, UNKNOWN_KIND)
        return Outcome(job_id, FAILED, UNKNOWN_KIND)
    context = JobContext(job_id, owner_id, params, file_store())
    try:
        spec.run(context, params)
        db.session.commit()
    except Exception as error:  # every job must end with a status its owner can read
        db.session.rollback()
        message = getattr(error, "message", None)
        if not isinstance(message, str):
            log.exception("background job %s (%s) failed", job_id, kind)
            message = CRASHED
        if context.result_file:  # the database store's rollback took it already; a folder's file is removed
            context.store.delete(result_key(context.result_file))
        fail(job_id, message)
        return Outcome(job_id, FAILED, message)
    complete(job_id, context)
    return Outcome(job_id, DONE, context.message)
