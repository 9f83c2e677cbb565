"""The admin's page of background jobs: each job's last run, result and next run, "Chạy ngay", the
scheduler lease, and the e-mails that could not be sent."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks import clock
from kpi_tasks.accounts.permissions import can_manage_jobs
from kpi_tasks.forms import save_action
from kpi_tasks.jobs.models import FAILED
from kpi_tasks.jobs.services import current_lease, get_job_or_404, jobs_overview, lease_is_live, recent_runs, run_job
from kpi_tasks.notifications.delivery import failed_notifications, retry_failed
from kpi_tasks.notifications.mail import MailSettings

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@bp.before_request
@login_required
def _admin_only() -> None:
    if not can_manage_jobs(current_user):
        abort(403)


@bp.get("/")
def index() -> str:
    lease = current_lease()
    return render_template(
        "jobs/index.html",
        jobs=jobs_overview(clock.now()),
        runs=recent_runs(),
        lease=lease,
        lease_live=lease_is_live(lease),
        failed=failed_notifications(),
        mail_configured=MailSettings.from_config().configured,
    )


@bp.post("/<name>/run")
def run_now(name: str) -> Response:
    spec = get_job_or_404(name)
    run = run_job(spec.name, "manual", actor=current_user._get_current_object())
    if run.status == FAILED:
        flash(f"“{spec.label}” gặp lỗi: {run.error}", "danger")
    else:
        flash(f"Đã chạy “{spec.label}”. {run.result or ''}", "success")
    return redirect(url_for("jobs.index"), 303)


@bp.post("/failed-mail/retry")
def retry_failed_mail() -> Response:
    count = save_action(lambda: retry_failed(current_user._get_current_object()))
    if count:
        run = run_job("deliver", "manual", actor=current_user._get_current_object(), retry_now=True)
        flash(f"Đã đưa {count} thông báo vào hàng gửi lại. {run.result or run.error or ''}", "success")
    else:
        flash("Không có thư nào đang ở trạng thái gửi không được.", "info")
    return redirect(url_for("jobs.index"), 303)
