"""`kpi-tasks worker`: the process that runs background jobs (large exports, reports, imports), beside the web
server so that no web worker holds a request longer than its timeout.

The worker claims the oldest queued job (background.services.claim_next: FOR UPDATE SKIP LOCKED on PostgreSQL,
so several workers share the queue), runs its kind in this process in one transaction, and tells the owner by a
notification when it ends. While a job runs a thread touches its heartbeat every JOB_HEARTBEAT_SECONDS; between
jobs the worker marks failed the running jobs whose heartbeat stopped (their worker died) and deletes the results
that expired. It sits here, above notifications, because it notifies; the queue itself is `background/`.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from typing import Any

from flask import Flask

from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.background.services import (
    INTERRUPTED,
    Outcome,
    alive_path,
    beat,
    claim_next,
    fail,
    fail_stale_jobs,
    purge_expired_results,
    run_claimed,
)
from kpi_tasks.extensions import db
from kpi_tasks.notifications.services import notify_job_finished

log = logging.getLogger(__name__)


class Heartbeat:
    """Touches a running job's heartbeat from a thread of its own while the block runs."""

    def __init__(self, app: Flask, job_id: int, interval: float) -> None:
        self.app, self.job_id, self.interval = app, job_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        with self.app.app_context():
            alive = alive_path(self.job_id)
            alive.parent.mkdir(parents=True, exist_ok=True)
            while not self._stop.wait(self.interval):
                alive.touch()
                try:
                    beat(self.job_id)
                except Exception:  # a missed beat is retried at the next one; the job goes on
                    log.warning("heartbeat of job %s not recorded", self.job_id, exc_info=True)


class Worker:
    def __init__(self, app: Flask, name: str | None = None) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()

    def tidy(self) -> None:
        """Fail the jobs whose worker died (and tell their owners); delete expired results."""
        for job_id in fail_stale_jobs():
            self._notify(job_id)
        purge_expired_results()

    def run_one(self) -> Outcome | None:
        """Claim and run the oldest queued job, if any (in an app context)."""
        self.tidy()
        job = claim_next(self.name)
        if job is None:
            return None
        job_id = job.id
        log.info("job %s (%s) for user %s started", job_id, job.kind, job.owner_id)
        try:
            with Heartbeat(self.app, job_id, self.app.config["JOB_HEARTBEAT_SECONDS"]):
                outcome = run_claimed(job)
        except BaseException:  # stopped (SIGTERM, Ctrl-C) mid-job: say so now rather than after the heartbeat ages
            db.session.rollback()
            fail(job_id, INTERRUPTED)
            self._notify(job_id)
            raise
        log.info("job %s ended: %s", job_id, outcome.status)
        self._notify(job_id)
        return outcome

    def _notify(self, job_id: int) -> None:
        job = db.session.get(BackgroundJob, job_id)
        if job is not None:
            notify_job_finished(job)
            db.session.commit()

    def run_forever(self) -> None:
        poll = self.app.config["JOB_POLL_SECONDS"]
        log.info("worker %s started (polling every %ss)", self.name, poll)
        while not self._stop.is_set():
            with self.app.app_context():
                try:
                    ran = self.run_one() is not None
                except Exception:  # the database went away for a moment: try again at the next poll
                    log.exception("worker %s: claiming or running a job failed", self.name)
                    ran = False
                finally:
                    db.session.remove()
            if not ran:
                self._stop.wait(poll)
        log.info("worker %s stopped", self.name)

    def stop(self) -> None:
        self._stop.set()


def run_worker_forever(app: Flask) -> None:
    worker = Worker(app)

    def _stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)  # interrupts the current job too: it is marked failed (run_one), then we leave

    signal.signal(signal.SIGTERM, _stop)
    try:
        worker.run_forever()
    except (KeyboardInterrupt, SystemExit):
        log.info("worker %s stopped", worker.name)
