"""The scheduler: APScheduler ticking the lease and the jobs, in its own process or inside a web worker."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import signal
import socket
import threading
import uuid
from typing import Any

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from kpi_tasks import clock
from kpi_tasks.clock import VIETNAM
from kpi_tasks.extensions import db
from kpi_tasks.jobs.services import JOBS, acquire_lease, job_is_due, release_lease, run_job

log = logging.getLogger(__name__)


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
