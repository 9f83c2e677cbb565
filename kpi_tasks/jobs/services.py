"""The catalogue of jobs, running one and keeping its record, and the lease."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from kpi_tasks import clock
from kpi_tasks.accounts.models import User
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.clock import VIETNAM, utcnow
from kpi_tasks.errors import NotFound
from kpi_tasks.extensions import db
from kpi_tasks.jobs.models import FAILED, INTERRUPTED, OK, RUNNING, JobRun, SchedulerLease
from kpi_tasks.notifications.delivery import send_reminders
from kpi_tasks.notifications.services import produce_report, scan
from kpi_tasks.reports.scheduled import (
    monthly_period,
    monthly_report_day,
    report_settings,
    weekly_period,
    weekly_report_day,
)

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
# A scheduled job that failed is tried again after this long, not at every tick.
RETRY_AFTER = dt.timedelta(minutes=5)


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


