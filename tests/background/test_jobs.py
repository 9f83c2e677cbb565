"""Background jobs: a large task export answered 202 (page: the job's page), run by the worker, its progress and
result for its owner and the admin only, the owner notified; a job whose worker died failed within a minute and
run again; results deleted after JOB_RESULT_DAYS."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kpi_tasks.background import services
from kpi_tasks.background.models import DONE, FAILED, QUEUED, RUNNING, BackgroundJob
from kpi_tasks.extensions import db
from kpi_tasks.jobs.worker import Worker
from kpi_tasks.notifications.models import Notification
from kpi_tasks.storage import file_store
from tests.background.helpers import fetch, make_tasks, task_rows
from tests.factories import api_headers, login, make_user

EXPORT = "/api/v1/reports/tasks.xlsx"


@pytest.fixture
def low_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_BACKGROUND_ROWS", 2)


def _job(job_id: int) -> BackgroundJob:
    db.session.commit()  # a fresh transaction: see what the worker committed
    return db.session.get(BackgroundJob, job_id)


def test_a_small_export_stays_immediate(app_ctx, client):
    make_tasks(3)
    office = make_user("office")
    response = client.get(EXPORT, headers=api_headers(office))
    assert response.status_code == 200
    assert len(task_rows(response.data)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 0


def test_a_large_export_by_api_runs_in_the_worker_for_its_owner_only(app, app_ctx, client, low_threshold):
    make_tasks(5)
    office, other, admin = make_user("office"), make_user("office"), make_user("admin")
    headers = api_headers(office)
    started = client.get(EXPORT, headers=headers)
    assert started.status_code == 202
    job_id = started.json["job_id"]
    assert started.headers["Location"] == f"/api/v1/jobs/{job_id}"
    queued = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert (queued["status"], queued["done"], "download_url" in queued) == (QUEUED, 0, False)

    outcome = Worker(app).run_one()
    assert outcome is not None
    assert outcome.status == DONE
    answer = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert (answer["status"], answer["done"], answer["total"]) == (DONE, 5, 5)
    download = fetch(client, answer["download_url"], headers)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert task_rows(download.data) == [f"Việc số {n}" for n in range(1, 6)]
    # Another user (even of the same role) learns nothing; the admin sees it.
    for path in (f"/api/v1/jobs/{job_id}", answer["download_url"]):
        assert fetch(client, path, api_headers(other)).status_code == 404
        assert fetch(client, path, api_headers(admin)).status_code == 200
    # The owner is told, once.
    notes = db.session.scalars(sa.select(Notification).where(Notification.recipient_id == office.id)).all()
    assert [(n.kind, n.background_job_id) for n in notes] == [("job_finished", job_id)]
    listed = client.get("/api/v1/notifications", headers=headers).json["items"]
    assert [(item["kind"], item["job_id"]) for item in listed] == [("job_finished", job_id)]


def test_a_large_export_by_page_shows_progress_then_the_download(app, app_ctx, client, low_threshold):
    make_tasks(4)
    office = make_user("office")
    db.session.commit()
    login(client, office.username)
    started = client.get("/reports/tasks.xlsx?status=in_progress")
    assert started.status_code == 303
    job_page = started.headers["Location"]
    fragment = client.get(job_page, headers={"HX-Request": "true", "HX-Target": "job-status"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text
    assert 'data-status="queued"' in text
    assert "every 2s" in text
    Worker(app).run_one()
    text = client.get(job_page, headers={"HX-Request": "true", "HX-Target": "job-status"}).get_data(as_text=True)
    assert 'data-status="done"' in text
    assert "hx-get" not in text
    assert 'hx-boost="false"' in text
    assert "Tải về danh-sach-nhiem-vu-20260316.xlsx" in text
    download = fetch(client, f"{job_page}/download")
    assert len(task_rows(download.data)) == 4
    # The notification leads to the job's page (through the bell's open link, which reads it).
    bell = client.get("/notifications/").get_data(as_text=True)
    opened = re.search(r'href="(/notifications/\d+/open)"', bell)
    assert opened is not None
    assert client.get(opened.group(1)).headers["Location"] == job_page


def test_a_job_whose_worker_died_fails_within_a_minute_and_runs_again(app, app_ctx, client, low_threshold):
    make_tasks(3)
    office = make_user("office")
    headers = api_headers(office)
    job_id = client.get(EXPORT, headers=headers).json["job_id"]
    claimed = services.claim_next("dead-worker")  # claimed, then its process is gone: no heartbeat comes
    assert claimed is not None
    assert claimed.status == RUNNING
    started = services.aware(claimed.heartbeat_at)
    stale = app.config["JOB_STALE_SECONDS"]
    assert stale < 60
    assert services.fail_stale_jobs(now=started + dt.timedelta(seconds=stale - 1)) == []
    assert services.fail_stale_jobs(now=started + dt.timedelta(seconds=stale + 1)) == [job_id]
    answer = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert answer["status"] == FAILED
    assert "gián đoạn" in answer["message"]

    again = client.post(f"/api/v1/jobs/{job_id}/rerun", headers=headers)
    assert again.status_code == 202
    Worker(app).run_one()
    rerun = client.get(f"/api/v1/jobs/{again.json['job_id']}", headers=headers).json
    assert rerun["status"] == DONE
    assert len(task_rows(fetch(client, rerun["download_url"], headers).data)) == 3
    # Only a failed job runs again.
    assert client.post(f"/api/v1/jobs/{again.json['job_id']}/rerun", headers=headers).status_code == 422


def test_results_expire_after_seven_days(app, app_ctx, client, low_threshold):
    make_tasks(3)
    office = make_user("office")
    headers = api_headers(office)
    job_id = client.get(EXPORT, headers=headers).json["job_id"]
    Worker(app).run_one()
    job = _job(job_id)
    stored = services.result_key(job.result_file)
    finished = services.aware(job.finished_at)
    assert services.aware(job.expires_at) == finished + dt.timedelta(days=7)
    assert services.purge_expired_results(now=finished + dt.timedelta(days=6)) == 0
    assert file_store().exists(stored)
    assert services.purge_expired_results(now=finished + dt.timedelta(days=7, seconds=1)) == 1
    assert not file_store().exists(stored)
    answer = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert answer["status"] == DONE
    assert "download_url" not in answer
    assert fetch(client, f"/api/v1/jobs/{job_id}/download", headers).status_code == 404


def test_a_job_that_raises_fails_with_its_message_and_writes_nothing(app, app_ctx, monkeypatch):
    from kpi_tasks.errors import ValidationError

    def refuse(context, params):
        with context.output("x.xlsx", "application/octet-stream") as target:
            target.write(b"half")
            raise ValidationError("Tháng không hợp lệ.")

    monkeypatch.setitem(services._KINDS, "refusing", services.JobKind("refusing", "Thử", refuse))
    job = services.enqueue(make_user("office"), "refusing", {})
    db.session.commit()
    outcome = Worker(app).run_one()
    assert outcome is not None
    assert (outcome.status, outcome.message) == (FAILED, "Tháng không hợp lệ.")
    job = _job(job.id)
    assert job.result_file is None
    # The half-written file is gone (the folder holds other tests' results).
    assert all(path.read_bytes() != b"half" for path in services.results_folder().iterdir())


@pytest.mark.parametrize(("path", "name", "sheet_text"), [
    ("/api/v1/reports/units.xlsx?from=2026-03-01&to=2026-03-31", "thong-ke-theo-don-vi-20260316.xlsx",
     "Phòng Tư pháp"),
    ("/api/v1/reports/monthly.xlsx?month=2026-03", "bao-cao-thang-2026-03.xlsx", "Phòng Tư pháp"),
    ("/api/v1/reports/monthly.docx?month=2026-03", "bao-cao-thang-2026-03.docx", None),
])
def test_the_unit_and_monthly_reports_of_a_large_period_go_to_the_worker(app, app_ctx, client, low_threshold,
                                                                          path, name, sheet_text):
    make_tasks(3)  # due 31/03/2026
    headers = api_headers(make_user("leader"))
    started = client.get(path, headers=headers)
    assert started.status_code == 202
    Worker(app).run_one()
    answer = client.get(f"/api/v1/jobs/{started.json['job_id']}", headers=headers).json
    assert answer["status"] == DONE
    download = fetch(client, answer["download_url"], headers)
    assert name in download.headers["Content-Disposition"]
    if sheet_text is None:
        assert download.data[:2] == b"PK"  # a Word package
        return
    workbook = load_workbook(io.BytesIO(download.data), read_only=True)
    texts = {value for sheet in workbook.worksheets for values in sheet.iter_rows(values_only=True)
             for value in values if isinstance(value, str)}
    workbook.close()
    assert sheet_text in texts


def test_a_small_month_stays_immediate(app_ctx, client):
    make_tasks(3)
    response = client.get("/api/v1/reports/monthly.xlsx?month=2026-03", headers=api_headers(make_user("leader")))
    assert response.status_code == 200
    assert response.data[:2] == b"PK"


def test_a_large_draft_scoring_appendix_goes_to_the_worker(app, app_ctx, client, low_threshold):
    make_tasks(3)  # due 31/03/2026
    office = make_user("office")
    db.session.commit()
    login(client, office.username)
    started = client.get("/scoring/2026/draft.xlsx")
    assert started.status_code == 303
    assert Worker(app).run_one().status == DONE
    download = fetch(client, started.headers["Location"] + "/download")
    assert "cham-diem-thi-dua-2026-ban-nhap.xlsx" in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.data), read_only=True).active
    assert any("Phòng Tư pháp" in values for values in sheet.iter_rows(values_only=True))
