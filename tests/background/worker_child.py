"""A worker process for test_worker_killed.py: it runs the queued export and stops mid-way (after the first
progress it records, before the workbook is saved), telling the test on stdout, until the test kills it.

Run as `python -m tests.background.worker_child DATABASE_URL UPLOAD_FOLDER`.
"""

from __future__ import annotations

import sys
import threading

from kpi_tasks import create_app
from kpi_tasks.background import services


def main(database_url: str, upload_folder: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_FOLDER": upload_folder,
                      "SECRET_KEY": "worker-child", "JOB_HEARTBEAT_SECONDS": 1})
    record = services.record_progress

    def record_then_hang(job_id: int, done: int, total: int | None) -> None:
        record(job_id, done, total)
        if done > 0:
            print(f"mid-export {job_id} {done}", flush=True)
            threading.Event().wait()  # held here, its transaction open, until the test kills the process

    services.record_progress = record_then_hang
    from kpi_tasks.jobs.worker import Worker

    with app.app_context():
        Worker(app, name="doomed-worker").run_one()
    print("finished", flush=True)  # never reached: the test kills the process first


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
