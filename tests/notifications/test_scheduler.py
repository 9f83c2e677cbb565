"""`kpi-tasks scheduler` as real processes: one lease holder runs the jobs, a killed holder is replaced
within the lease time, and the day's job runs once. Waits are bounded polls on database conditions."""

from __future__ import annotations

import atexit
import ctypes
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kpi_tasks import create_app
from kpi_tasks.extensions import db
from kpi_tasks.jobs import scheduler, services
from kpi_tasks.jobs.models import JobRun, SchedulerLease
from tests.conftest import ARTIFACTS, FROZEN_TODAY
from tests.factories import commit
from tests.notifications.helpers import MONDAY, at, build_world

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 4
TICK_SECONDS = 1


def wait_for(what: str, condition: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """Poll `condition` every `interval` seconds until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)  # polling interval only; the bound is `timeout`
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def _die_with_parent() -> None:
    """A scheduler left running by an interrupted test run would keep working on the test database."""
    if sys.platform == "linux":
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Schedulers:
    """Start `kpi-tasks scheduler` processes against the test database; all are stopped at the end."""

    def __init__(self, app, tmp_path: Path) -> None:
        self.app = app
        self.tmp_path = tmp_path
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def start(self) -> subprocess.Popen:
        log = self.tmp_path / f"scheduler-{len(self.processes)}.log"
        env = {
            **os.environ,
            "DATABASE_URL": self.app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "scheduler-test",
            "KPI_TASKS_TODAY": FROZEN_TODAY,
            "KPI_TASKS_DAILY_HOUR": "0",  # the day's scan is due as soon as the scheduler runs
            "KPI_TASKS_DELIVERY_MINUTES": "0",  # deliver at every tick: shows who is running jobs
            "KPI_TASKS_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
            "KPI_TASKS_SCHEDULER_TICK_SECONDS": str(TICK_SECONDS),
            "SMTP_HOST": "",
        }
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "kpi_tasks", "scheduler"], cwd=ROOT, env=env,
                                       stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.processes.append((process, log))
        return process

    def log(self, process: subprocess.Popen) -> str:
        return next(path for p, path in self.processes if p is process).read_text(errors="replace")

    def stop_all(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


@pytest.fixture
def schedulers(app, tmp_path) -> Iterator[Schedulers]:
    runner = Schedulers(app, tmp_path)
    yield runner
    runner.stop_all()


def query(app, fn: Callable[[], Any]) -> Any:
    """Read in a short-lived session, so the test never holds a lock the schedulers wait on."""
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def scan_runs(app) -> list[tuple[str, str | None]]:
    return query(app, lambda: db.session.execute(
        sa.select(JobRun.status, JobRun.holder).where(JobRun.job == "scan").order_by(JobRun.id)).all())


def lease_holder(app) -> str | None:
    return query(app, lambda: db.session.scalar(sa.select(SchedulerLease.holder)))


def deliveries_by(app, holder: str) -> int:
    return query(app, lambda: db.session.scalar(
        sa.select(sa.func.count()).where(JobRun.job == "deliver", JobRun.holder == holder, JobRun.status == "ok")))


def holder_pid(holder: str) -> int:
    return int(holder.split(":")[-2])


def test_a_scheduler_takes_over_a_dead_holders_lease_and_reruns_its_unfinished_job(app, schedulers):
    with app.app_context():
        build_world()
        # A holder that died in the middle of the day's scan: lease expired, its run left "running".
        db.session.add(SchedulerLease(name="scheduler", holder="ghost:1:dead", acquired_at=at(MONDAY, 0),
                                      expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)))
        db.session.add(JobRun(job="scan", trigger="schedule", holder="ghost:1:dead", status="running",
                              started_at=at(MONDAY, 0, 1).astimezone(dt.UTC)))
        commit()
        db.session.remove()

    process = schedulers.start()
    wait_for("the new scheduler to run the day's scan",
             lambda: any(status == "ok" for status, _h in scan_runs(app)), timeout=60)
    runs = scan_runs(app)
    holder = lease_holder(app)
    assert holder_pid(holder) == process.pid
    assert runs == [("interrupted", "ghost:1:dead"), ("ok", holder)]
    notifications = query(app, lambda: db.session.scalar(sa.text("SELECT count(*) FROM notifications")))
    assert notifications == 15

    process.send_signal(signal.SIGTERM)  # a clean stop gives the lease up at once
    assert process.wait(timeout=30) == 0, schedulers.log(process)
    expires = query(app, lambda: db.session.scalar(sa.select(SchedulerLease.expires_at)))
    expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
    assert expires <= dt.datetime.now(dt.UTC)
    assert "holds the lease and runs the jobs" in schedulers.log(process)


def test_two_scheduler_processes_run_the_daily_job_once_and_a_killed_holder_is_replaced(app, schedulers):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://… (two processes, one database)")
    with app.app_context():
        build_world()
        commit()
        db.session.remove()

    first, second = schedulers.start(), schedulers.start()
    by_pid = {first.pid: first, second.pid: second}
    scan_done = wait_for("one scheduler to run the day's scan",
                         lambda: [run for run in scan_runs(app) if run[0] == "ok"], timeout=60)
    holder = scan_done[0][1]
    holding, waiting = by_pid[holder_pid(holder)], by_pid[next(pid for pid in by_pid if pid != holder_pid(holder))]
    # Several ticks of both processes go by: the holder keeps delivering, the other is refused the lease.
    wait_for("three more ticks of the holder", lambda: deliveries_by(app, holder) >= 3, timeout=30)
    wait_for("the other process to be refused the lease",
             lambda: "waits: another process holds the lease" in schedulers.log(waiting), timeout=30)
    assert scan_runs(app) == [("ok", holder)]

    holding.kill()  # SIGKILL: no chance to give the lease up
    killed_at = time.monotonic()
    new_holder = wait_for("the other process to take the lease over",
                          lambda: (h := lease_holder(app)) != holder and h, timeout=LEASE_SECONDS + 20)
    takeover = time.monotonic() - killed_at
    assert holder_pid(new_holder) == waiting.pid
    assert takeover <= LEASE_SECONDS + 2 * TICK_SECONDS + 2, takeover
    wait_for("the new holder to run jobs", lambda: deliveries_by(app, new_holder) >= 1, timeout=30)
    assert scan_runs(app) == [("ok", holder)]  # the day's job is not run again by the new holder
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "scheduler-takeover.txt").write_text(
        f"lease {LEASE_SECONDS} s, tick {TICK_SECONDS} s: takeover {takeover:.2f} s after SIGKILL; "
        f"scan runs {len(scan_runs(app))}\n")


def test_the_scheduler_runs_inside_the_app_only_when_the_setting_says_so(app):
    settings = {"TESTING": True, "SECRET_KEY": "in-app-test", "SQLALCHEMY_DATABASE_URI":
                app.config["SQLALCHEMY_DATABASE_URI"], "SCHEDULER_TICK_SECONDS": TICK_SECONDS,
                "SCHEDULER_LEASE_SECONDS": LEASE_SECONDS, "DAILY_JOBS_HOUR": 0}
    with app.app_context():
        build_world()
        commit()
        db.session.remove()
    default = create_app(settings)
    default.test_client().get("/login")
    assert os.getpid() not in scheduler._in_app  # never started by default

    in_app = create_app({**settings, "SCHEDULER_IN_APP": True})
    in_app.test_client().get("/login")  # a worker starts its scheduler on its first request
    runner = scheduler._in_app[os.getpid()]
    try:
        wait_for("the in-app scheduler to run the day's scan",
                 lambda: [run for run in scan_runs(app) if run == ("ok", runner.holder)], timeout=60)
        in_app.test_client().get("/login")
        assert scheduler._in_app[os.getpid()] is runner  # one per process, however many requests
    finally:
        scheduler._in_app.pop(os.getpid())
        atexit.unregister(runner.stop)
        runner.stop()
        for each in (default, in_app):
            with each.app_context():
                db.engine.dispose()
    assert lease_holder(app) == runner.holder
    assert not query(app, lambda: services.lease_is_live(services.current_lease()))  # given up on stop
