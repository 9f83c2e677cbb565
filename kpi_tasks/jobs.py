"""Background jobs: what runs on a schedule, the one scheduler that runs it, and the record of each run.

Jobs (each idempotent; their database work is one transaction):
- `scan`: every working day at DAILY_JOBS_HOUR, today's due-soon and overdue notifications;
- `deliver`: every DELIVERY_INTERVAL_MINUTES, e-mail of pending notifications (digests, retries);
- `weekly_report`: on the weekly report day, the summary to the office;
- `monthly_report`: on the working day before the monthly meeting, the report to leaders.

One scheduler. APScheduler (3.x) ticks in `kpi-tasks scheduler`, a process of its own, or inside each
web worker when SCHEDULER_IN_APP says so. Whatever the number of such processes, a lease row in the
database lets one at a time run jobs: the holder renews it every tick, and when the holder dies the
lease expires and another process takes it over. A job is "due" from the database's record of runs
(`job_runs`), not from the process's memory, so a job the dead holder never finished (or never
started) is run by the next holder the same day, and never twice after it succeeded.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import signal
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks import clock
from kpi_tasks.accounts.models import User
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.clock import VIETNAM, utcnow
from kpi_tasks.errors import NotFound
from kpi_tasks.extensions import db
from kpi_tasks.notifications.delivery import send_reminders
from kpi_tasks.notifications.reports import (
    monthly_period,
    monthly_report_day,
    produce_report,
    report_settings,
    weekly_period,
    weekly_report_day,
)
from kpi_tasks.notifications.services import scan

log = logging.getLogger(__name__)

RUNNING = "running"
OK = "ok"
FAILED = "failed"
INTERRUPTED = "interrupted"
RUN_STATUS_LABELS = {RUNNING: "Đang chạy", OK: "Thành công", FAILED: "Lỗi", INTERRUPTED: "Bị gián đoạn"}
TRIGGER_LABELS = {"schedule": "Theo lịch", "manual": "Chạy ngay", "cli": "Dòng lệnh"}
LEASE_NAME = "scheduler"
# A scheduled job that failed is tried again after this long, not at every tick.
RETRY_AFTER = dt.timedelta(minutes=5)


class JobRun(db.Model):
    """One run of a job: by the scheduler, by the admin's "Chạy ngay", or by the console script."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    trigger: Mapped[str] = mapped_column(sa.String(10))
    # The scheduler process that ran it (host:pid:id); None for a manual or console run.
    holder: Mapped[str | None] = mapped_column(sa.String(200))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(12), default=RUNNING)
    result: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_job_runs_job_started_at", "job", "started_at"),)

    @property
    def status_label(self) -> str:
        return RUN_STATUS_LABELS.get(self.status, self.status)

    @property
    def trigger_label(self) -> str:
        return TRIGGER_LABELS.get(self.trigger, self.trigger)


class SchedulerLease(db.Model):
    """Who may run jobs now. Taken by a conditional UPDATE (or the first INSERT), valid until expires_at."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    acquired_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


# The catalogue of jobs.


@dataclass(frozen=True)
class JobSpec:
    name: str
    label: str
    run: Callable[..., str]  # (now, **options) -> summary of what it did, in Vietnamese
    # Calendar jobs: the latest scheduled time at or before `now`, and the next one after it.
    last_scheduled: Callable[[dt.datetime], dt.datetime] | None = None
    next_scheduled: Callable[[dt.datetime], dt.datetime] | None = None
    # Interval jobs: run again this long after the previous run started.
    interval: Callable[[], dt.timedelta] | None = None

    def schedule_text(self) -> str:
        config = current_app.config
        hour = f"{config['DAILY_JOBS_HOUR']:02d}:00"
        if self.name == "deliver":
            minutes = config["DELIVERY_INTERVAL_MINUTES"]
            return f"{minutes} phút một lần" if minutes else "mỗi nhịp của bộ lập lịch"
        if self.name == "weekly_report":
            return f"{_WEEKDAYS[min(max(config['WEEKLY_REPORT_DAY'], 1), 7) - 1]} hằng tuần lúc {hour}"
        if self.name == "monthly_report":
            return f"ngày làm việc trước phiên họp tháng (ngày {config['MEETING_DAY']}) lúc {hour}"
        return f"các ngày làm việc lúc {hour}"


_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _at_hour(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(current_app.config["DAILY_JOBS_HOUR"]), tzinfo=VIETNAM)


def _scan_last(now: dt.datetime) -> dt.datetime:
    calendar = current_calendar()
    today = now.astimezone(VIETNAM).date()
    if calendar.is_working_day(today) and _at_hour(today) <= now:
        return _at_hour(today)
    return _at_hour(calendar.add_working_days(today, -1))


def _scan_next(now: dt.datetime) -> dt.datetime:
    calendar = current_calendar()
    today = now.astimezone(VIETNAM).date()
    if calendar.is_working_day(today) and _at_hour(today) > now:
        return _at_hour(today)
    return _at_hour(calendar.add_working_days(today, 1))


def _weekly_day(day: dt.date) -> dt.date:
    return weekly_report_day(current_calendar(), day, report_settings()[0])


def _weekly_last(now: dt.datetime) -> dt.datetime:
    today = now.astimezone(VIETNAM).date()
    this_week = _at_hour(_weekly_day(today))
    return this_week if this_week <= now else _at_hour(_weekly_day(today - dt.timedelta(days=7)))


def _weekly_next(now: dt.datetime) -> dt.datetime:
    today = now.astimezone(VIETNAM).date()
    this_week = _at_hour(_weekly_day(today))
    return this_week if this_week > now else _at_hour(_weekly_day(today + dt.timedelta(days=7)))


def _monthly_day(year: int, month: int) -> dt.date:
    return monthly_report_day(current_calendar(), year, month, report_settings()[1])


def _month_shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def _monthly_candidates(now: dt.datetime) -> list[tuple[dt.datetime, int, int]]:
    """Report times of the months around now, (time, year, month), in order. A report day may fall in the
    month before its meeting (a meeting on the 1st), hence four months to choose from."""
    today = now.astimezone(VIETNAM).date()
    months = [_month_shift(today.year, today.month, delta) for delta in (-1, 0, 1, 2)]
    return sorted((_at_hour(_monthly_day(year, month)), year, month) for year, month in months)


def _monthly_latest(now: dt.datetime) -> tuple[dt.datetime, int, int]:
    return max(candidate for candidate in _monthly_candidates(now) if candidate[0] <= now)


def _monthly_last(now: dt.datetime) -> dt.datetime:
    return _monthly_latest(now)[0]


def _monthly_next(now: dt.datetime) -> dt.datetime:
    return min(at for at, _year, _month in _monthly_candidates(now) if at > now)


def _run_scan(now: dt.datetime) -> str:
    return scan(now.astimezone(VIETNAM).date()).summary()


def _run_deliver(now: dt.datetime, retry_now: bool = False) -> str:
    return send_reminders(now, retry_now=retry_now).summary()


def _run_weekly(now: dt.datetime) -> str:
    """The latest weekly report that is due by now (this week's from its report day on, else last week's)."""
    today = now.astimezone(VIETNAM).date()
    day = _weekly_last(now).date()
    report, created = produce_report(weekly_period(current_calendar(), day, report_settings()[0]), today)
    return f"{report.title}: báo cho {created} người nhận mới."


def _run_monthly(now: dt.datetime) -> str:
    """The latest monthly report that is due by now."""
    today = now.astimezone(VIETNAM).date()
    _at, year, month = _monthly_latest(now)
    report, created = produce_report(monthly_period(current_calendar(), year, month, report_settings()[1]), today)
    return f"{report.title}: báo cho {created} người nhận mới."


def _delivery_interval() -> dt.timedelta:
    return dt.timedelta(minutes=max(0, current_app.config["DELIVERY_INTERVAL_MINUTES"]))


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec("scan", "Quét hạn xử lý, tạo thông báo sắp đến hạn và quá hạn", _run_scan,
                last_scheduled=_scan_last, next_scheduled=_scan_next),
        JobSpec("deliver", "Gửi e-mail thông báo (thư tổng hợp, gửi lại thư lỗi)", _run_deliver,
                interval=_delivery_interval),
        JobSpec("weekly_report", "Báo cáo tuần gửi Văn phòng", _run_weekly,
                last_scheduled=_weekly_last, next_scheduled=_weekly_next),
        JobSpec("monthly_report", "Báo cáo tháng gửi Lãnh đạo trước phiên họp", _run_monthly,
                last_scheduled=_monthly_last, next_scheduled=_monthly_next),
    )
}


def get_job_or_404(name: str) -> JobSpec:
    if name not in JOBS:
        raise NotFound("Không có tác vụ này.")
    return JOBS[name]


# Running a job and keeping its record.


def run_job(name: str, trigger: str, *, holder: str | None = None, actor: User | None = None,
            now: dt.datetime | None = None, **options: Any) -> JobRun:
    """Run one job now and record it. The job's own work is one transaction: all of it or none."""
    spec = get_job_or_404(name)
    db.session.rollback()  # start clean: the run's record must not carry a caller's pending changes
    run = JobRun(job=name, trigger=trigger, holder=holder, actor_id=actor.id if actor else None,
                 started_at=utcnow(), status=RUNNING)
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    try:
        result = spec.run(now or clock.now(), **options)
        db.session.commit()
    except Exception as error:  # every failure is recorded on the run and logged, then the run ends
        db.session.rollback()
        log.exception("job %s failed", name)
        _finish(run_id, FAILED, error="".join(traceback.format_exception_only(error)).strip())
    else:
        _finish(run_id, OK, result=result)
    return db.session.get(JobRun, run_id)


def _finish(run_id: int, status: str, result: str | None = None, error: str | None = None) -> None:
    db.session.execute(
        sa.update(JobRun).where(JobRun.id == run_id)
        .values(status=status, finished_at=utcnow(), result=result, error=error[:4000] if error else None)
    )
    db.session.commit()


def last_runs() -> dict[str, JobRun]:
    """The latest run of each job (one query)."""
    latest = (
        sa.select(JobRun.job, sa.func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    )
    runs = db.session.scalars(sa.select(JobRun).join(latest, latest.c.id == JobRun.id))
    return {run.job: run for run in runs}


def recent_runs(limit: int = 30) -> list[JobRun]:
    return list(db.session.scalars(sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def job_is_due(name: str, now: dt.datetime) -> bool:
    """Whether the scheduler should run `name` at `now`, judged from the recorded runs."""
    spec = JOBS[name]
    now_utc = now.astimezone(dt.UTC)
    if spec.interval is not None:
        return not _started_since(name, now_utc - spec.interval(), any_status=True, strictly_after=True)
    assert spec.last_scheduled is not None
    scheduled = spec.last_scheduled(now)
    # Catch up the same day only: a scheduler that was down for a week does not replay the week.
    if scheduled.astimezone(VIETNAM).date() != now.astimezone(VIETNAM).date():
        return False
    if _started_since(name, scheduled.astimezone(dt.UTC), any_status=False):
        return False
    return not _started_since(name, now_utc - RETRY_AFTER, any_status=True)


def _started_since(name: str, since: dt.datetime, any_status: bool, strictly_after: bool = False) -> bool:
    started = JobRun.started_at > since if strictly_after else JobRun.started_at >= since
    query = sa.select(JobRun.id).where(JobRun.job == name, started).limit(1)
    if not any_status:
        query = query.where(JobRun.status == OK)
    return db.session.scalar(query) is not None


def next_run_at(name: str, now: dt.datetime, last: JobRun | None) -> dt.datetime | None:
    """When the scheduler will next run the job (None: at its next tick, the job being due now)."""
    spec = JOBS[name]
    if job_is_due(name, now):
        return None
    if spec.interval is not None:
        started = _aware(last.started_at) if last else now
        return max(started + spec.interval(), now).astimezone(VIETNAM)
    assert spec.next_scheduled is not None
    return spec.next_scheduled(now)


def jobs_overview(now: dt.datetime) -> list[dict[str, Any]]:
    """For the admin page: each job with its schedule, last run and next run."""
    runs = last_runs()
    return [
        {"spec": spec, "schedule": spec.schedule_text(), "last": runs.get(name),
         "next": next_run_at(name, now, runs.get(name))}
        for name, spec in JOBS.items()
    ]


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without their offset; they are stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# The lease: one process at a time runs jobs.


def acquire_lease(holder: str, seconds: int, name: str = LEASE_NAME) -> tuple[bool, bool]:
    """Take or renew the lease for `seconds`; returns (held, newly_taken). Commits.

    Real time, not the product clock: KPI_TASKS_TODAY may differ between processes, seconds may not.
    """
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(seconds=seconds)
    renewed = db.session.execute(
        sa.update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=expires)
    )
    if renewed.rowcount == 1:
        db.session.commit()
        return True, False
    # Take it over when it has expired: the holder stopped renewing (crashed, killed, stopped).
    taken = db.session.execute(
        sa.update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.expires_at < now)
        .values(holder=holder, acquired_at=now, expires_at=expires)
    )
    held = taken.rowcount == 1
    if not held:
        # No lease row yet: the first INSERT wins (RETURNING says whether it was ours; rowcount may be -1).
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        held = db.session.scalar(
            insert(SchedulerLease)
            .values(name=name, holder=holder, acquired_at=now, expires_at=expires)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(SchedulerLease.name)
        ) is not None
    if held:
        # Runs the previous holder left "running" were cut off with it; say so on the admin page.
        db.session.execute(
            sa.update(JobRun)
            .where(JobRun.status == RUNNING, JobRun.holder.is_not(None), JobRun.holder != holder)
            .values(status=INTERRUPTED, finished_at=utcnow(),
                    error="Tiến trình chạy tác vụ đã dừng giữa chừng; tác vụ sẽ được chạy lại.")
        )
    db.session.commit()
    return held, held


def release_lease(holder: str, name: str = LEASE_NAME) -> None:
    """Give the lease up at once (a clean stop), so that another process need not wait for expiry."""
    db.session.execute(
        sa.update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    db.session.commit()


def current_lease(name: str = LEASE_NAME) -> SchedulerLease | None:
    return db.session.get(SchedulerLease, name)


def lease_is_live(lease: SchedulerLease | None) -> bool:
    return lease is not None and _aware(lease.expires_at) > dt.datetime.now(dt.UTC)


# The scheduler process.


class JobScheduler:
    """APScheduler ticking the lease and the jobs; only the lease holder runs anything."""

    def __init__(self, app: Flask, scheduler: BaseScheduler, holder: str | None = None) -> None:
        self.app = app
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.scheduler = scheduler
        self.lease_seconds = int(app.config["SCHEDULER_LEASE_SECONDS"])
        self.holding: bool | None = None
        self.stopping = False
        tick = max(1, int(app.config["SCHEDULER_TICK_SECONDS"]))
        first = dt.datetime.now(VIETNAM)
        defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": tick * 4}
        # The lease keeps its own thread in APScheduler's pool, so a long job never delays its renewal.
        scheduler.add_job(self.renew_lease, IntervalTrigger(seconds=tick), id="lease", next_run_time=first, **defaults)
        for name in JOBS:
            scheduler.add_job(self.tick, IntervalTrigger(seconds=tick), args=[name], id=f"job:{name}",
                              next_run_time=first + dt.timedelta(seconds=1), **defaults)

    def renew_lease(self) -> bool:
        if self.stopping:  # a tick still running during the stop must not take the lease back
            return False
        with self.app.app_context():
            try:
                held, fresh = acquire_lease(self.holder, self.lease_seconds)
            except sa.exc.SQLAlchemyError:
                log.exception("scheduler %s could not reach the database to renew its lease", self.holder)
                db.session.rollback()
                return False
            finally:
                db.session.remove()
        if held != self.holding or fresh:
            # Said once per change, so the log shows who runs the jobs and since when.
            if held:
                log.info("scheduler %s holds the lease and runs the jobs", self.holder)
            else:
                log.info("scheduler %s waits: another process holds the lease", self.holder)
            self.holding = held
        return held

    def tick(self, name: str) -> None:
        """Run `name` if this process holds the lease and the job is due."""
        if not self.renew_lease():
            return
        with self.app.app_context():
            try:
                if job_is_due(name, clock.now()):
                    run = run_job(name, "schedule", holder=self.holder)
                    log.info("job %s: %s %s", name, run.status, run.result or run.error or "")
            finally:
                db.session.remove()

    def stop(self) -> None:
        """Let running jobs finish (each commits or rolls back whole), then give the lease up."""
        self.stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        with self.app.app_context():
            try:
                release_lease(self.holder)
            except sa.exc.SQLAlchemyError:
                log.exception("could not release the scheduler lease")
            finally:
                db.session.remove()


def run_scheduler_forever(app: Flask) -> None:
    """`kpi-tasks scheduler`: block, running jobs while holding the lease; release it on SIGTERM or ^C."""
    runner = JobScheduler(app, BlockingScheduler(timezone=VIETNAM))

    def _stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)  # leaves the scheduler's loop; `finally` below stops cleanly

    signal.signal(signal.SIGTERM, _stop)
    log.info("scheduler %s started (lease %ss)", runner.holder, runner.lease_seconds)
    try:
        runner.scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        runner.stop()
        log.info("scheduler %s stopped", runner.holder)


_in_app_lock = threading.Lock()
_in_app: dict[int, JobScheduler] = {}


def start_in_app(app: Flask) -> JobScheduler:
    """Start a background scheduler in this process (once per process, so once per forked worker)."""
    with _in_app_lock:
        pid = os.getpid()
        if pid not in _in_app:
            runner = JobScheduler(app, BackgroundScheduler(timezone=VIETNAM))
            runner.scheduler.start()
            atexit.register(runner.stop)
            _in_app[pid] = runner
        return _in_app[pid]


def enable_in_app_scheduler(app: Flask) -> None:
    """With SCHEDULER_IN_APP, each worker process starts its scheduler on its first request (after the
    fork, where threads survive); without it nothing is started. `create_app` never starts one itself."""
    if not app.config.get("SCHEDULER_IN_APP"):
        return

    def _start() -> None:
        start_in_app(app)

    app.before_request(_start)
