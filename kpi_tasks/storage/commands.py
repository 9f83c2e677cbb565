"""`kpi-tasks move-files-to-database`: an installation that kept its files in UPLOAD_FOLDER copies them into the
database store once, before KPI_TASKS_FILE_STORE=database is set on its hosts (README, "More than one machine")."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from kpi_tasks.storage import copy_folder_to_database


@click.command("move-files-to-database")
@with_appcontext
def move_files_command() -> None:
    """Chép mọi tệp trong UPLOAD_FOLDER vào cơ sở dữ liệu (kho tệp dùng chung cho nhiều máy chủ); chạy lại không
    chép trùng. Thư mục giữ nguyên."""
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    files, size = copy_folder_to_database(folder)
    click.echo(f"Đã chép {files:,} tệp ({size:,} byte) từ {folder} vào cơ sở dữ liệu.".replace(",", "."))
