"""`GET /api/v1/jobs/{id}` (API.md): a background job's `{status, done, total, download_url?, message?}` for its
owner and the admin (404 for anyone else); its result's download, and running a failed one again."""

from __future__ import annotations

from flask import Response, jsonify, url_for

from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes, file_answer
from kpi_tasks.attachments.views import send_stored_file
from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.background.schemas import JOB_STARTED, Job, JobStarted
from kpi_tasks.background.services import get_job_for, rerun, stored_result
from kpi_tasks.errors import NotFound
from kpi_tasks.extensions import db
from kpi_tasks.storage import file_store

routes = ApiRoutes()
register_api = routes


def started_api(job: BackgroundJob) -> Response:
    """202 {job_id} for work that went to the worker (the caller has committed); Location is its status."""
    url = url_for("api.job_status", job_id=job.id)
    response = jsonify(JobStarted(job_id=job.id, status=job.status, status_url=url).model_dump(mode="json"))
    response.status_code, response.headers["Location"] = 202, url
    return response


@routes.operation("GET", "/jobs/<int:job_id>", "job_status",
                  "Tình trạng một tác vụ nền (người yêu cầu, admin): tiến độ, liên kết tải kết quả", answer=Job,
                  description="Where the job stands", errors="404")
def job_status_api(job_id: int) -> Job:
    job = get_job_for(job_id, api_user())
    db.session.commit()  # a stale job found failed here is recorded so
    download = url_for("api.job_download", job_id=job.id) if stored_result(job) is not None else None
    return Job.of(job, download_url=download, message=job.message or None)


@routes.operation("GET", "/jobs/<int:job_id>/download", "job_download",
                  "Tải kết quả của tác vụ nền đã xong (lưu 7 ngày)",
                  responses=file_answer("The result file", "application/octet-stream"), errors="404")
def job_download_api(job_id: int) -> Response:
    job = get_job_for(job_id, api_user())
    key = stored_result(job)
    if key is None:
        raise NotFound("Tác vụ chưa có kết quả, hoặc kết quả đã hết hạn lưu.")
    return send_stored_file(file_store(), key, job.result_mime or "application/octet-stream",
                            job.result_name or "ket-qua")


@routes.operation("POST", "/jobs/<int:job_id>/rerun", "job_rerun", "Chạy lại một tác vụ nền không thành công",
                  other_answers=JOB_STARTED, errors="404 422")
def job_rerun_api(job_id: int) -> Response:
    job = get_job_for(job_id, api_user())
    again = rerun(job, api_user())
    db.session.commit()
    return started_api(again)
