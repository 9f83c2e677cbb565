"""`kpi-tasks export-report`: the monthly report to the Chairman as a file, for the office or a cron job."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from kpi_tasks.errors import DomainError
from kpi_tasks.reports.docx import write_monthly_docx
from kpi_tasks.reports.excel import load_monthly_report, write_monthly_workbook


@click.command("export-report")
@click.option("--month", required=True, help="Tháng báo cáo, dạng YYYY-MM (ví dụ 2026-03).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp kết quả: .xlsx (5 biểu), hoặc báo cáo Word nếu tên tệp kết thúc bằng .docx.")
@with_appcontext
def export_report_command(month: str, out_path: Path) -> None:
    """Xuất báo cáo tháng gửi Chủ tịch (số liệu tính đến hôm nay)."""
    try:
        report = load_monthly_report(month)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if not out_path.parent.is_dir():
        raise click.ClickException(f"Thư mục “{out_path.parent}” không tồn tại.")
    write = write_monthly_docx if out_path.suffix.lower() == ".docx" else write_monthly_workbook
    # Written beside the target and renamed at the end, so a failure never leaves half a file under its name.
    partial = out_path.with_name(out_path.name + ".part")
    try:
        with partial.open("wb") as target:
            write(target, report)
        partial.replace(out_path)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"Đã xuất báo cáo {report.period.label} vào {out_path}.", err=True)
