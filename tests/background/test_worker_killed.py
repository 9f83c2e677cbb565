"""The worker process killed mid-export (SIGKILL: no chance to say anything): its job is marked failed within a
minute of its last heartbeat, its half-made file is never offered, and running it again succeeds."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

from kpi_tasks.background import services
from kpi_tasks.background.models import DONE, FAILED, RUNNING, BackgroundJob
from kpi_tasks.extensions import db
from kpi_tasks.jobs.worker import Worker
from tests.background.helpers import fetch, make_tasks, task_rows
from tests.factories import api_headers, make_user

ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_worker_leaves_a_failed_job_that_runs_again(app, app_ctx, client, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_BACKGROUND_ROWS", 2)
    make_tasks(6)
    office = make_user("office")
    headers = api_headers(office)
    job_id = client.get("/api/v1/reports/tasks.xlsx", headers=headers).json["job_id"]
    db.session.remove()  # the child writes to the same database; hold nothing open on it

    child = subprocess.Popen(
        [sys.executable, "-m", "tests.background.worker_child", str(db.engine.url.render_as_string(False)),
         app.config["UPLOAD_FOLDER"]],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        line = child.stdout.readline()  # blocks until the child is mid-export
        assert line.startswith(f"mid-export {job_id} ")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()

    job = db.session.get(BackgroundJob, job_id)
    assert (job.status, job.worker, job.result_file) == (RUNNING, "doomed-worker", None)
    assert job.done > 0
    # Its last sign of life: the heartbeat in the database, or the alive file touched just before each one.
    last_beat = services.last_sign_of_life(job_id, services.aware(job.heartbeat_at))
    # The next worker (or the status page) judges it by its heartbeat: alive just before the limit, failed after.
    stale = app.config["JOB_STALE_SECONDS"]
    assert services.fail_stale_jobs(now=last_beat + dt.timedelta(seconds=stale - 1)) == []
    assert services.fail_stale_jobs(now=last_beat + dt.timedelta(seconds=stale + 1)) == [job_id]
    assert stale + 1 <= 60
    answer = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert answer["status"] == FAILED
    assert "download_url" not in answer

    rerun_id = client.post(f"/api/v1/jobs/{job_id}/rerun", headers=headers).json["job_id"]
    outcome = Worker(app).run_one()
    assert (outcome.job_id, outcome.status) == (rerun_id, DONE)
    answer = client.get(f"/api/v1/jobs/{rerun_id}", headers=headers).json
    assert (answer["status"], answer["done"], answer["total"]) == (DONE, 6, 6)
    assert len(task_rows(fetch(client, answer["download_url"], headers).data)) == 6
