"""Database backup and restore: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from kpi_tasks.errors import ValidationError


def backup_database(database_url: str, destination: Path) -> Path:
    """Write a consistent copy of the database to `destination` while the application keeps running."""
    url = make_url(database_url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(_sqlite_path(url)) as source, sqlite3.connect(destination) as target:
            source.backup(target)
        return destination
    if url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination}", _libpq_url(url)])
        return destination
    raise ValidationError(f"Không hỗ trợ sao lưu cơ sở dữ liệu loại {url.get_backend_name()}.")


def restore_database(database_url: str, source: Path) -> None:
    """Replace the database's content with a backup made by `backup_database`."""
    if not source.is_file():
        raise ValidationError(f"Không tìm thấy tệp sao lưu {source}.")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(source) as backup, sqlite3.connect(_sqlite_path(url)) as target:
            backup.backup(target)
        return
    if url.get_backend_name() == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(url)}", str(source)])
        return
    raise ValidationError(f"Không hỗ trợ phục hồi cơ sở dữ liệu loại {url.get_backend_name()}.")


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise ValidationError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return url.database


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise ValidationError(f"Không tìm thấy chương trình {command[0]} (cài gói postgresql-client).")
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if result.returncode != 0:
        raise ValidationError(f"{command[0]} báo lỗi: {result.stderr.strip()[:500]}")
