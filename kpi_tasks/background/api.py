"""`GET /api/v1/jobs/{id}` (API.md): a background job's `{status, done, total, download_url?, message?}` for its
owner and the admin (404 for anyone else); its result's download, and running a failed one again."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from kpi_tasks.api.input import api_user, iso
from kpi_tasks.attachments.views import send_stored_file
from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.background.services import get_job_for, rerun, stored_result
from kpi_tasks.errors import NotFound
from kpi_tasks.extensions import db
from kpi_tasks.storage import file_store


def started_api(job: BackgroundJob) -> Response:
    """202 {job_id} for work that went to the worker (the caller has committed); Location is its status."""
    url = url_for("api.job_status", job_id=job.id)
    response = jsonify({"job_id": job.id, "status": job.status, "status_url": url})
    response.status_code, response.headers["Location"] = 202, url
    return response


def job_json(job: BackgroundJob) -> dict:
    answer: dict = {"id": job.id, "kind": job.kind, "label": job.label, "status": job.status, "done": job.done,
                    "total": job.total, "created_at": iso(job.created_at), "finished_at": iso(job.finished_at),
                    "expires_at": iso(job.expires_at)}
    if stored_result(job) is not None:
        answer["download_url"] = url_for("api.job_download", job_id=job.id)
    if job.message:
        answer["message"] = job.message
    return answer


def job_status_api(job_id: int) -> dict:
    job = get_job_for(job_id, api_user())
    db.session.commit()  # a stale job found failed here is recorded so
    return job_json(job)


def job_download_api(job_id: int) -> Response:
    job = get_job_for(job_id, api_user())
    key = stored_result(job)
    if key is None:
        raise NotFound("Tác vụ chưa có kết quả, hoặc kết quả đã hết hạn lưu.")
    return send_stored_file(file_store(), key, job.result_mime or "application/octet-stream",
                            job.result_name or "ket-qua")


def job_rerun_api(job_id: int) -> Response:
    job = get_job_for(job_id, api_user())
    again = rerun(job, api_user())
    db.session.commit()
    return started_api(again)


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/jobs/<int:job_id>", "job_status", job_status_api, methods=["GET"])
    bp.add_url_rule("/jobs/<int:job_id>/download", "job_download", job_download_api, methods=["GET"])
    bp.add_url_rule("/jobs/<int:job_id>/rerun", "job_rerun", job_rerun_api, methods=["POST"])
