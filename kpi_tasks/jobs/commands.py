"""Console commands of the background jobs: `kpi-tasks scan`, `send-reminders`, `run-job`, `scheduler`."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from kpi_tasks.jobs.models import FAILED, JobRun
from kpi_tasks.jobs.scheduler import run_scheduler_forever
from kpi_tasks.jobs.services import JOBS, run_job
from kpi_tasks.jobs.worker import Worker, run_worker_forever


def _finish(run: JobRun) -> None:
    """Print the run's summary; a failed run exits with status 1 and its error on stderr."""
    if run.status == FAILED:
        raise click.ClickException(run.error or "Tác vụ gặp lỗi.")
    click.echo(run.result or "")


@click.command("scan")
@with_appcontext
def scan_command() -> None:
    """Quét hạn xử lý hôm nay: tạo thông báo sắp đến hạn, quá hạn (chạy lại không tạo trùng)."""
    _finish(run_job("scan", "cli"))


@click.command("send-reminders")
@click.option("--retry-now", is_flag=True, help="Gửi lại ngay cả thư đang chờ hết thời gian giãn cách sau lỗi.")
@with_appcontext
def send_reminders_command(retry_now: bool) -> None:
    """Gửi các thông báo đang chờ qua e-mail (thư tổng hợp hằng ngày hoặc gửi ngay); chạy lại không gửi trùng."""
    _finish(run_job("deliver", "cli", retry_now=retry_now))


@click.command("run-job")
@click.argument("name", type=click.Choice(list(JOBS)))
@with_appcontext
def run_job_command(name: str) -> None:
    """Chạy ngay một tác vụ nền (scan, deliver, weekly_report, monthly_report)."""
    _finish(run_job(name, "cli"))


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Chạy bộ lập lịch tác vụ nền (một tiến trình riêng; nhiều tiến trình thì chỉ một chạy tác vụ)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_scheduler_forever(current_app._get_current_object())


@click.command("worker")
@click.option("--once", is_flag=True, help="Chạy một tác vụ đang chờ (nếu có) rồi thoát.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Chạy các tác vụ nền (xuất, báo cáo, nhập dữ liệu lớn) trong một tiến trình riêng bên cạnh máy chủ web."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    if once:
        outcome = Worker(app).run_one()
        click.echo("Không có tác vụ nào đang chờ." if outcome is None else f"Tác vụ {outcome.job_id}: {outcome.status}")
        return
    run_worker_forever(app)


COMMANDS = [scan_command, send_reminders_command, run_job_command, scheduler_command, worker_command]
