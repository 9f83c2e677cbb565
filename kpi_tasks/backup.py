"""Database backup and restore: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL.

A backup holds every account's data: its file is created readable by its owner only (0600, in a folder 0700),
before anything is written to it. pg_dump and pg_restore never see the password on their command line (where
`ps` shows it to every user of the machine): it reaches them in a password file of their own (PGPASSFILE,
0600, deleted after), as libpq reads it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from kpi_tasks.errors import ValidationError


def backup_database(database_url: str, destination: Path) -> Path:
    """Write a consistent copy of the database to `destination` while the application keeps running."""
    url = make_url(database_url)
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValidationError(f"Không hỗ trợ sao lưu cơ sở dữ liệu loại {url.get_backend_name()}.")
    _private_file(destination)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(_sqlite_path(url)) as source, sqlite3.connect(destination) as target:
            source.backup(target)
        return destination
    if url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination}", _libpq_url(url)], url)
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
              f"--dbname={_libpq_url(url)}", str(source)], url)
        return
    raise ValidationError(f"Không hỗ trợ phục hồi cơ sở dữ liệu loại {url.get_backend_name()}.")


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise ValidationError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return url.database


def _private_file(path: Path) -> None:
    """Create `path` empty, readable and writable by its owner only, in a folder of the owner's only."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(descriptor)
    path.chmod(0o600)  # an existing file keeps its mode through O_CREAT


def _libpq_url(url: URL) -> str:
    """The connection URL for pg_dump and pg_restore, without its password."""
    without_password = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                                  database=url.database, query=url.query)
    return without_password.render_as_string(hide_password=False)


@contextmanager
def _password_file(url: URL) -> Iterator[dict[str, str]]:
    """The environment for a libpq program: the password, if any, in a 0600 PGPASSFILE deleted afterwards."""
    environment = dict(os.environ)
    if not url.password:
        yield environment
        return
    with tempfile.TemporaryDirectory(prefix="kpi-pgpass-") as folder:
        passfile = Path(folder) / "pgpass"
        descriptor = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        # Any host, port, database and user: the file serves this one command. libpq escapes \ and : with \.
        password = str(url.password).replace("\\", "\\\\").replace(":", "\\:")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(f"*:*:*:*:{password}\n")
        environment["PGPASSFILE"] = str(passfile)
        environment.pop("PGPASSWORD", None)
        yield environment


def _run(command: list[str], url: URL) -> None:
    if shutil.which(command[0]) is None:
        raise ValidationError(f"Không tìm thấy chương trình {command[0]} (cài gói postgresql-client).")
    with _password_file(url) as environment:
        result = subprocess.run(command, capture_output=True, text=True, check=False,  # noqa: S603 - fixed argv
                                env=environment)
    if result.returncode != 0:
        raise ValidationError(f"{command[0]} báo lỗi: {result.stderr.strip()[:500]}")
