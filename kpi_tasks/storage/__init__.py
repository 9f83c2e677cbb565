"""Where uploaded and produced files live: one interface, two stores, chosen by KPI_TASKS_FILE_STORE.

- `folder` (the default, for one machine): files under UPLOAD_FOLDER, as they always were; a key is a path there.
- `database`: files in the application's own database (tables `stored_files` and `stored_file_chunks`), which
  every app host already shares: an attachment uploaded through one host is downloaded through another, a dossier
  file previewed on one host is confirmed on another, a job's result written by the worker on a third host is
  served by any of them.

Why a table of chunks and not PostgreSQL's large objects: the same code and the same tests run on SQLite and on
PostgreSQL; a file is deleted with its row (large objects outlive the row that names them until `vacuumlo`); a file
is read back chunk by chunk, so a 200 MB dossier export never sits whole in memory; and pg_dump, our backup
(`kpi-tasks backup`) and a streaming replica carry the files with everything else, with no second system to back
up or replicate. An S3-compatible object store would be a third class with the same methods.

Transactions: the database store writes in the session's transaction (`file_store()`), so a file is kept when the
caller commits and disappears when it rolls back, as the rows that name it do; a folder writes at once (callers
that need a failed transaction to take its new files along do it themselves: attachments.services). Work that
must be visible before, or whatever, the caller's transaction ends (an import's status while it runs) writes in
`store_apart()`, committed at the end of its block.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Protocol

import sqlalchemy as sa
from flask import Flask, current_app

from kpi_tasks.extensions import db
from kpi_tasks.storage.models import KEY_LENGTH, StoredFile, StoredFileChunk

FOLDER = "folder"
DATABASE = "database"
STORES = (FOLDER, DATABASE)
CHUNK_BYTES = 1024 * 1024
# A key is a relative path of plain names ("3f2a…", "jobs/3f2a…", "dossier-imports/7-3f2a….upload"): nothing in it
# can point outside the folder, whatever a database value says.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
SPOOL_IN_MEMORY = 8 * 1024 * 1024


class FileStore(Protocol):
    """Files by key. Reading a missing key raises FileNotFoundError; deleting one is not an error."""

    transactional: bool  # writes follow the database transaction (kept on commit, undone by a rollback)

    def put(self, key: str, source: bytes | IO[bytes]) -> int:
        """Store `source` (bytes, or a binary stream read to its end) under `key`, replacing any file there;
        the size written."""
        ...

    def writing(self, key: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """A file to write `key` into; stored when the block ends without an error, never half."""
        ...

    def open(self, key: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """The file, to read."""
        ...

    def local_path(self, key: str) -> contextlib.AbstractContextManager[Path]:
        """The file on this machine's disk for the block (readers that need a path: openpyxl, the csv reader)."""
        ...

    def chunks(self, key: str) -> Iterator[bytes]:
        """The content piece by piece, for a download; raises FileNotFoundError at once (not when iterated),
        and reads nothing from the request's session (it is iterated after the view returned)."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def delete(self, key: str) -> None: ...

    def delete_older_than(self, prefix: str, limit: dt.datetime) -> int:
        """Delete the files under `prefix` ("dossier-imports/") written before `limit`; how many."""
        ...


def check_key(key: str) -> str:
    if len(key) > KEY_LENGTH or not _KEY.fullmatch(key) or ".." in key:
        raise FileNotFoundError(key)
    return key


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _copy(source: bytes | IO[bytes], target: IO[bytes]) -> int:
    if isinstance(source, bytes | bytearray | memoryview):
        target.write(source)
        return len(source)
    size = 0
    while chunk := source.read(CHUNK_BYTES):
        target.write(chunk)
        size += len(chunk)
    return size


# --- the folder ---------------------------------------------------------------------------------------------


class LocalStore:
    """Files under one folder of this machine (UPLOAD_FOLDER): the store of a single-machine installation."""

    transactional = False

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / check_key(key)

    @contextlib.contextmanager
    def writing(self, key: str) -> Iterator[IO[bytes]]:
        # Written beside, then renamed: a reader (another process) never sees half a file.
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.part")
        try:
            with partial.open("xb") as target:
                yield target
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def put(self, key: str, source: bytes | IO[bytes]) -> int:
        with self.writing(key) as target:
            return _copy(source, target)

    def open(self, key: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        return self.path(key).open("rb")

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        yield path

    def chunks(self, key: str) -> Iterator[bytes]:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)

        def read() -> Iterator[bytes]:  # opened only while the answer is sent
            with path.open("rb") as handle:
                while chunk := handle.read(64 * 1024):
                    yield chunk
        return read()

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except FileNotFoundError:
            return False

    def size(self, key: str) -> int | None:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink(missing_ok=True)

    def delete_older_than(self, prefix: str, limit: dt.datetime) -> int:
        folder = self.folder / prefix.strip("/")
        if not folder.is_dir():
            return 0
        removed = 0
        for path in folder.iterdir():
            if path.is_file() and path.stat().st_mtime < limit.timestamp():
                path.unlink(missing_ok=True)
                removed += 1
        return removed


# --- the database ---------------------------------------------------------------------------------------------


class DatabaseStore:
    """Files in the database every app host shares, written and read on `connection()` (the session's own
    connection, or one of `store_apart`)."""

    transactional = True

    def __init__(self, connection: Callable[[], sa.Connection], engine: sa.Engine) -> None:
        self.connection = connection
        self.engine = engine

    def put(self, key: str, source: bytes | IO[bytes]) -> int:
        check_key(key)
        connection = self.connection()
        self._remove(connection, key)
        connection.execute(sa.insert(StoredFile).values(key=key, size=0, modified_at=_now()))
        if isinstance(source, bytes | bytearray | memoryview):
            pieces: Iterator[bytes] = (bytes(source[i:i + CHUNK_BYTES]) for i in range(0, len(source), CHUNK_BYTES))
        else:
            pieces = iter(lambda: source.read(CHUNK_BYTES), b"")
        size = 0
        for seq, piece in enumerate(pieces):
            connection.execute(sa.insert(StoredFileChunk).values(key=key, seq=seq, data=piece))
            size += len(piece)
        connection.execute(sa.update(StoredFile).where(StoredFile.key == key).values(size=size))
        return size

    @contextlib.contextmanager
    def writing(self, key: str) -> Iterator[IO[bytes]]:
        # Spooled on this machine (a workbook writer seeks), stored whole when the block ends well.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            yield spool  # type: ignore[misc]
            spool.seek(0)
            self.put(key, spool)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            for piece in self._pieces(self.connection(), key):
                spool.write(piece)
            spool.seek(0)
            yield spool  # type: ignore[misc]

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(prefix="kpi-tasks-file-"))
        try:
            path = folder / Path(check_key(key)).name
            with path.open("wb") as target:
                for piece in self._pieces(self.connection(), key):
                    target.write(piece)
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def chunks(self, key: str) -> Iterator[bytes]:
        seqs = self._seqs(self.connection(), key)
        engine = self.engine

        def read() -> Iterator[bytes]:
            # Each piece on a short-lived connection of the pool: a slow download holds none between pieces.
            for seq in seqs:
                with engine.connect() as connection:
                    piece = connection.scalar(sa.select(StoredFileChunk.data).where(
                        StoredFileChunk.key == key, StoredFileChunk.seq == seq))
                if piece is None:  # deleted while it was being sent
                    return
                yield piece
        return read()

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def size(self, key: str) -> int | None:
        try:
            check_key(key)
        except FileNotFoundError:
            return None
        return self.connection().scalar(sa.select(StoredFile.size).where(StoredFile.key == key))

    def delete(self, key: str) -> None:
        self._remove(self.connection(), key)

    def delete_older_than(self, prefix: str, limit: dt.datetime) -> int:
        connection = self.connection()
        keys = list(connection.scalars(sa.select(StoredFile.key).where(
            StoredFile.key.startswith(prefix.strip("/") + "/", autoescape=True), StoredFile.modified_at < limit)))
        for key in keys:
            self._remove(connection, key)
        return len(keys)

    @staticmethod
    def _remove(connection: sa.Connection, key: str) -> None:
        # The chunks first: SQLite enforces the foreign key's cascade only with a pragma we do not rely on.
        connection.execute(sa.delete(StoredFileChunk).where(StoredFileChunk.key == key))
        connection.execute(sa.delete(StoredFile).where(StoredFile.key == key))

    @staticmethod
    def _seqs(connection: sa.Connection, key: str) -> list[int]:
        check_key(key)
        if connection.scalar(sa.select(StoredFile.size).where(StoredFile.key == key)) is None:
            raise FileNotFoundError(key)
        return list(connection.scalars(
            sa.select(StoredFileChunk.seq).where(StoredFileChunk.key == key).order_by(StoredFileChunk.seq)))

    def _pieces(self, connection: sa.Connection, key: str) -> Iterator[bytes]:
        for seq in self._seqs(connection, key):
            yield connection.scalar(sa.select(StoredFileChunk.data).where(
                StoredFileChunk.key == key, StoredFileChunk.seq == seq)) or b""


# --- the configured store -------------------------------------------------------------------------------------


def check_setting(app: Flask) -> None:
    """Refuse to start with an unknown KPI_TASKS_FILE_STORE rather than lose files at the first upload."""
    if app.config["FILE_STORE"] not in STORES:
        raise RuntimeError(f"KPI_TASKS_FILE_STORE={app.config['FILE_STORE']!r}: expected one of {', '.join(STORES)}")


def file_store() -> FileStore:
    """The configured store; the database one writes in the session's transaction."""
    if current_app.config["FILE_STORE"] == DATABASE:
        return DatabaseStore(lambda: db.session.connection(), db.engine)
    return LocalStore(Path(current_app.config["UPLOAD_FOLDER"]))


@contextlib.contextmanager
def store_apart(wait_ms: int | None = None) -> Iterator[FileStore]:
    """The configured store, its writes committed when the block ends, whatever becomes of the session's
    transaction. `wait_ms`: on SQLite, how long to wait for the write lock (a long import holds it) before the
    block fails with OperationalError, rather than the pool's 5 s."""
    if current_app.config["FILE_STORE"] != DATABASE:
        yield LocalStore(Path(current_app.config["UPLOAD_FOLDER"]))
        return
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.begin() as connection:
        if sqlite and wait_ms is not None:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            yield DatabaseStore(lambda: connection, db.engine)
        finally:
            if sqlite and wait_ms is not None:
                connection.exec_driver_sql("PRAGMA busy_timeout = 5000")


def copy_folder_to_database(folder: Path) -> tuple[int, int]:
    """Copy every file of a folder store into the database store (moving an installation to several hosts);
    (files copied, bytes). Each file is committed on its own; one already there with the same size is skipped, so
    an interrupted run is simply run again. Heartbeat files (.alive) and half-written ones (.part) stay behind;
    the folder itself is left as it is."""
    target = DatabaseStore(lambda: db.session.connection(), db.engine)
    copied = size = 0
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if not path.is_file() or path.name.endswith((".alive", ".part")):
            continue
        try:
            check_key(key)
        except FileNotFoundError:
            continue  # not a name the application writes
        if target.size(key) == path.stat().st_size:
            continue
        with path.open("rb") as source:
            size += target.put(key, source)
        db.session.commit()
        copied += 1
    return copied, size
