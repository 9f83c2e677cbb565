"""Jobs: each run recorded, all-or-nothing; when a job is due; the lease that lets one process run them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.jobs import services as jobs
from kpi_tasks.jobs.models import JobRun, SchedulerLease
from kpi_tasks.jobs.services import (
    acquire_lease,
    job_is_due,
    next_run_at,
    release_lease,
    run_job,
)
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import add_notifications
from tests.factories import commit
from tests.notifications.helpers import MONDAY, at, build_world

FRIDAY = dt.date(2026, 3, 20)
SATURDAY = dt.date(2026, 3, 21)


def test_a_run_is_recorded_with_its_result_and_is_idempotent(app_ctx):
    build_world()
    commit()
    first = run_job("scan", "cli")
    second = run_job("scan", "cli")
    assert (first.status, second.status) == ("ok", "ok")
    assert "tạo 15 thông báo" in first.result
    assert "tạo 0 thông báo" in second.result
    assert first.finished_at is not None
    assert first.trigger == "cli"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 15


def test_a_job_that_dies_midway_leaves_nothing_half_done(app_ctx, monkeypatch):
    world = build_world()
    commit()
    user_id = world.user_id("lead_manager")

    def half_then_crash(today):
        add_notifications([{"recipient_id": user_id, "kind": "due_soon", "dedup_key": "half-done"}])
        db.session.flush()
        raise RuntimeError("mất kết nối giữa chừng")

    monkeypatch.setattr(jobs, "scan", half_then_crash)
    run = run_job("scan", "schedule", holder="test")
    assert run.status == "failed"
    assert "mất kết nối giữa chừng" in run.error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_the_daily_scan_is_due_on_working_days_from_its_hour_once_and_retried_after_a_failure(app_ctx, app,
                                                                                               monkeypatch):
    monkeypatch.setitem(app.config, "DAILY_JOBS_HOUR", 6)
    assert not job_is_due("scan", at(MONDAY, 5, 59))
    assert job_is_due("scan", at(MONDAY, 6, 0))
    assert next_run_at("scan", at(MONDAY, 5), None) == at(MONDAY, 6)
    assert not job_is_due("scan", at(SATURDAY, 9))  # not a working day, and Friday's run is not replayed
    assert next_run_at("scan", at(SATURDAY, 9), None) == at(dt.date(2026, 3, 23), 6)

    db.session.add(JobRun(job="scan", trigger="schedule", status="failed",
                          started_at=at(MONDAY, 6, 0).astimezone(dt.UTC)))
    commit()
    assert not job_is_due("scan", at(MONDAY, 6, 2))  # a failure is retried, not at every tick
    assert job_is_due("scan", at(MONDAY, 6, 6))
    db.session.add(JobRun(job="scan", trigger="schedule", status="ok",
                          started_at=at(MONDAY, 6, 6).astimezone(dt.UTC)))
    commit()
    assert not job_is_due("scan", at(MONDAY, 23, 0))
    assert job_is_due("scan", at(MONDAY + dt.timedelta(days=1), 6, 0))


def test_reports_are_due_on_their_days_and_delivery_at_its_interval(app_ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "DAILY_JOBS_HOUR", 6)
    monkeypatch.setitem(app.config, "DELIVERY_INTERVAL_MINUTES", 10)
    assert job_is_due("weekly_report", at(FRIDAY, 6))
    assert not job_is_due("weekly_report", at(MONDAY, 6))
    assert next_run_at("weekly_report", at(MONDAY, 6), None) == at(FRIDAY, 6)
    # Meeting on Wednesday 25/03/2026: the monthly report goes on Tuesday 24/03.
    assert next_run_at("monthly_report", at(MONDAY, 6), None) == at(dt.date(2026, 3, 24), 6)
    assert job_is_due("monthly_report", at(dt.date(2026, 3, 24), 8))

    assert job_is_due("deliver", at(MONDAY, 7))
    db.session.add(JobRun(job="deliver", trigger="schedule", status="ok", started_at=at(MONDAY, 7).astimezone(dt.UTC)))
    commit()
    assert not job_is_due("deliver", at(MONDAY, 7, 9))
    assert job_is_due("deliver", at(MONDAY, 7, 10))


def test_the_lease_has_one_holder_and_passes_on_at_expiry_or_release(app_ctx):
    assert acquire_lease("A", 60) == (True, True)
    assert acquire_lease("B", 60) == (False, False)
    assert acquire_lease("A", 60) == (True, False)  # renewal
    db.session.add(JobRun(job="scan", trigger="schedule", holder="A", status="running",
                          started_at=at(MONDAY, 6).astimezone(dt.UTC)))
    # A stops renewing (crashed): once its lease has expired, B takes over and A's unfinished run is flagged.
    db.session.execute(sa.update(SchedulerLease).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    commit()
    assert acquire_lease("B", 60) == (True, True)
    assert acquire_lease("A", 60) == (False, False)
    assert db.session.scalar(sa.select(JobRun.status).where(JobRun.holder == "A")) == "interrupted"
    release_lease("B")
    assert acquire_lease("A", 60) == (True, True)


def test_concurrent_lease_attempts_have_exactly_one_winner(app):
    results: dict[str, bool] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def attempt(name: str) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results[name] = acquire_lease(name, 60)[0]
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=(f"P{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results.values()) == [False, False, False, True]
    with app.app_context():
        assert db.session.get(SchedulerLease, "scheduler").holder == next(n for n, won in results.items() if won)
        db.session.remove()


@pytest.mark.parametrize("name", ["scan", "deliver", "weekly_report", "monthly_report"])
def test_every_job_runs_from_the_console(app_ctx, app, name):
    build_world()
    commit()
    result = app.test_cli_runner().invoke(args=["run-job", name])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(JobRun.status).where(JobRun.job == name)) == "ok"


def test_scan_and_send_reminders_commands_are_safe_to_run_twice(app_ctx, app):
    build_world()
    commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["scan"])
    second = runner.invoke(args=["scan"])
    assert first.exit_code == 0
    assert "tạo 15 thông báo" in first.output
    assert second.exit_code == 0
    assert "tạo 0 thông báo" in second.output
    sent = runner.invoke(args=["send-reminders"])
    assert sent.exit_code == 0
    assert sent.output.startswith("E-mail:")
