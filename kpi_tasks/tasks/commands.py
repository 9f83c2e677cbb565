"""`kpi-tasks recount-tasks`: the statistics' counts (tasks/counts.py) recomputed from every task."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from kpi_tasks.extensions import db
from kpi_tasks.tasks.counts import rebuild


@click.command("recount-tasks")
@with_appcontext
def recount_tasks_command() -> None:
    """Tính lại từ đầu số liệu thống kê nhiệm vụ (sau khi nạp dữ liệu ngoài ứng dụng, ví dụ phục hồi bản sao)."""
    started = time.perf_counter()
    rows = rebuild(db.session)
    db.session.commit()
    click.echo(f"Đã tính lại số liệu thống kê nhiệm vụ: {rows:,} dòng, {time.perf_counter() - started:.1f} giây."
               .replace(",", "."), err=True)
