"""In chromium: a large task export goes to the worker; its page's progress bar moves as the worker reports rows
(htmx polling), then the download arrives as a real file, read back with openpyxl."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi_tasks.background import services
from kpi_tasks.extensions import db
from kpi_tasks.jobs.worker import Worker
from kpi_tasks.reports import excel
from tests.background.helpers import make_tasks, task_rows
from tests.conftest import ARTIFACTS
from tests.factories import make_user
from tests.reports.test_browser import sign_in

pytestmark = pytest.mark.browser


def test_the_progress_bar_moves_and_the_download_arrives(app, page, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_BACKGROUND_ROWS", 2)
    monkeypatch.setitem(app.config, "JOB_POLL_SECONDS", 1)
    monkeypatch.setattr(excel, "STREAM_BATCH", 2)  # progress every 2 rows of 6
    with app.app_context():
        make_tasks(6)
        office = make_user("office").username
        db.session.commit()
    # The worker waits for the test after each progress it records, so that the page is seen at each step.
    step = threading.Semaphore(0)
    record = services.record_progress

    def record_then_wait(job_id: int, done: int, total: int | None) -> None:
        record(job_id, done, total)
        step.acquire(timeout=30)

    monkeypatch.setattr(services, "record_progress", record_then_wait)

    def work() -> None:
        with app.app_context():
            Worker(app).run_one()
            db.session.remove()

    sign_in(page, office)
    page.goto("/reports/tasks")
    page.get_by_role("link", name="Tải Excel", exact=True).click()
    page.wait_for_url("**/jobs/*")
    status, bar = page.locator("#job-status"), page.locator("#job-progress-bar")
    expect(status).to_have_attribute("data-status", "queued")
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    seen = []
    for done in ("0", "2", "4", "6"):
        expect(status).to_have_attribute("data-done", done)
        expect(status).to_have_attribute("data-status", "running")
        seen.append(bar.inner_text())
        if done == "2":
            page.screenshot(path=str(ARTIFACTS / "background-job-progress.png"))
        step.release()
    assert seen == ["0%", "33%", "66%", "99%"]
    step.release(5)  # the last count is reported once more at the end of the rows
    download_link = page.locator("#job-download")
    expect(download_link).to_be_visible()
    expect(status).to_have_attribute("data-status", "done")
    page.screenshot(path=str(ARTIFACTS / "background-job-done.png"))
    with page.expect_download() as arrival:
        download_link.click()
    download = arrival.value
    assert download.suggested_filename == "danh-sach-nhiem-vu-20260316.xlsx"
    assert task_rows(Path(download.path()).read_bytes()) == [f"Việc số {n}" for n in range(1, 7)]
    worker.join(timeout=30)
    assert not worker.is_alive()
