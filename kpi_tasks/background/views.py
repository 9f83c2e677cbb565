"""A background job's page: its progress bar (an htmx fragment that polls itself until the job ends), then the
download of its result; "Chạy lại" for a failed one. Only the owner and the admin see it (404 for others)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.models import User
from kpi_tasks.attachments.views import send_stored_file
from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.background.services import enqueue, get_job_for, jobs_of, rerun, stored_result
from kpi_tasks.errors import DomainError, NotFound
from kpi_tasks.forms import htmx_target, save, save_action
from kpi_tasks.storage import file_store

bp = Blueprint("background", __name__, url_prefix="/jobs")


def start_in_background(owner: User, kind: str, params: dict[str, Any], label: str) -> Response:
    """The answer of a page whose work goes to the worker: the job queued (committed, for the worker to see),
    then its page."""
    job = save_action(lambda: enqueue(owner, kind, params, label),
                      lambda job: f"{job.label}: dữ liệu lớn nên được xử lý nền. Trang dưới đây cho biết tiến độ; "
                                  "khi xong có nút tải về và bạn nhận được thông báo.", category="info")
    return redirect(url_for("background.status", job_id=job.id), 303)


def _job_or_404(job_id: int) -> BackgroundJob:
    try:
        return get_job_for(job_id, current_user._get_current_object())
    except NotFound:
        abort(404)


@bp.get("/")
@login_required
def index() -> str:
    return render_template("background/index.html", jobs=jobs_of(current_user._get_current_object()))


@bp.get("/<int:job_id>")
@login_required
def status(job_id: int) -> str:
    job = save_action(lambda: _job_or_404(job_id))  # a stale job found failed here is recorded so
    has_result = stored_result(job) is not None
    if htmx_target() == "job-status":
        return render_template("background/_status.html", job=job, has_result=has_result)
    return render_template("background/status.html", job=job, has_result=has_result)


@bp.get("/<int:job_id>/download")
@login_required
def download(job_id: int) -> Response:
    job = _job_or_404(job_id)
    key = stored_result(job)
    if key is None:
        abort(404)
    return send_stored_file(file_store(), key, job.result_mime or "application/octet-stream",
                            job.result_name or "ket-qua")


@bp.post("/<int:job_id>/rerun")
@login_required
def rerun_job(job_id: int) -> Response:
    job = _job_or_404(job_id)
    # A refusal (only a job that did not succeed runs again) is said on the job's page.
    saved = save(None, lambda: rerun(job, current_user._get_current_object()), None, refused=(DomainError,),
                 show=lambda error: flash(error.message, "warning"))
    return redirect(url_for("background.status", job_id=saved.result.id if saved else job_id), 303)
