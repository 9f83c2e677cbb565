"""`kpi-tasks import-dossiers FILE`: the same all-or-nothing import as the page and the API."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.dossiers.importing import DossierImportRejected
from kpi_tasks.dossiers.services import import_dossiers
from kpi_tasks.extensions import db


@click.command("import-dossiers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_dossiers_command(file: Path) -> None:
    """Nhập tệp hồ sơ TTHC (.xlsx, .csv) xuất từ hệ thống một cửa điện tử; có dòng sai thì không ghi gì."""
    def progress(stage: str, rows: int) -> None:
        click.echo(f"{'Kiểm tra' if stage == 'validate' else 'Ghi'}: {rows:,} dòng".replace(",", "."), err=True)

    try:
        outcome = import_dossiers(file, SYSTEM, file_name=file.name, progress=progress)
    except DossierImportRejected as error:
        db.session.rollback()
        for item in error.rejected:
            click.echo(item.message, err=True)
        click.echo(error.message, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Đã nhập {outcome.imported:,} hồ sơ: {outcome.created:,} mới, {outcome.updated:,} cập nhật, "
               f"{outcome.unchanged:,} không đổi; {outcome.obligations_created:,} nghĩa vụ gửi phiếu xin lỗi mới; "
               f"{outcome.measurements:,} số liệu chỉ tiêu.".replace(",", "."))
