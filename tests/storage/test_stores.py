"""The file store's two kinds behave alike through the one interface: the folder (UPLOAD_FOLDER) and the database
every app host shares (on the suite's database: SQLite, or PostgreSQL in its pass)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.storage import CHUNK_BYTES, DatabaseStore, LocalStore, check_key, store_apart
from kpi_tasks.storage.models import StoredFileChunk


@pytest.fixture(params=["folder", "database"])
def store(request, app_ctx, tmp_path):
    if request.param == "folder":
        return LocalStore(tmp_path / "uploads")
    return DatabaseStore(lambda: db.session.connection(), db.engine)


def test_put_read_replace_and_delete(store):
    big = bytes(range(256)) * (CHUNK_BYTES // 256 * 2 + 3)  # two whole pieces and a bit
    assert store.put("jobs/abc", big) == len(big)
    assert store.exists("jobs/abc")
    assert store.size("jobs/abc") == len(big)
    with store.open("jobs/abc") as handle:
        assert handle.read() == big
    db.session.commit()  # a download is read after its request's transaction, on connections of its own
    assert b"".join(store.chunks("jobs/abc")) == big
    with store.local_path("jobs/abc") as path:
        assert path.read_bytes() == big
    assert store.put("jobs/abc", io.BytesIO(b"shorter")) == 7  # a stream, and replacing
    with store.open("jobs/abc") as handle:
        assert handle.read() == b"shorter"
    assert store.put("empty", b"") == 0
    assert store.size("empty") == 0
    store.delete("jobs/abc")
    store.delete("jobs/abc")  # twice is not an error
    assert not store.exists("jobs/abc")
    assert store.size("jobs/abc") is None
    for read in (lambda: store.open("jobs/abc").__enter__(), lambda: store.chunks("jobs/abc"),
                 lambda: store.local_path("jobs/abc").__enter__()):
        with pytest.raises(FileNotFoundError):
            read()


def test_a_failed_write_leaves_nothing(store):
    def write_half() -> None:
        with store.writing("jobs/half") as target:
            target.write(b"half")
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        write_half()
    assert not store.exists("jobs/half")
    with store.writing("jobs/whole") as target:
        target.write(b"whole")
    assert store.size("jobs/whole") == 5


@pytest.mark.parametrize("key", ["../kpi_tasks.sqlite3", "/etc/passwd", "a/../b", "", ".hidden", "a//b", "x" * 201])
def test_no_key_points_outside_the_store(key):
    with pytest.raises(FileNotFoundError):
        check_key(key)


def test_old_files_under_a_prefix_are_removed(store):
    store.put("dossier-imports/1-a.upload", b"old")
    store.put("dossier-imports/1-b.upload", b"new")
    store.put("kept", b"other prefix")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert store.delete_older_than("dossier-imports", later) == 2
    assert not store.exists("dossier-imports/1-b.upload")
    assert store.exists("kept")
    assert store.delete_older_than("dossier-imports", later) == 0


def test_the_database_store_follows_the_transaction_and_store_apart_commits_at_once(app, app_ctx):
    app.config["FILE_STORE"] = "database"
    try:
        kept = DatabaseStore(lambda: db.session.connection(), db.engine)
        kept.put("rolled-back", b"x" * 10)
        db.session.rollback()
        assert not kept.exists("rolled-back")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFileChunk)) == 0
        with store_apart() as apart:
            apart.put("committed", b"y")
        db.session.rollback()
        assert kept.exists("committed")  # another connection wrote and committed it
        assert b"".join(kept.chunks("committed")) == b"y"
    finally:
        app.config["FILE_STORE"] = "folder"


def test_a_folder_installation_moves_its_files_into_the_database_once(app, app_ctx, tmp_path):
    folder = LocalStore(tmp_path / "old-uploads")
    folder.put("3f" * 16, b"an attachment")
    folder.put("jobs/" + "ab" * 16, b"a result")
    (tmp_path / "old-uploads" / "jobs" / "7.alive").touch()
    runner = app.test_cli_runner()
    kept = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "old-uploads")
    try:
        first = runner.invoke(args=["move-files-to-database"])
        again = runner.invoke(args=["move-files-to-database"])
    finally:
        app.config["UPLOAD_FOLDER"] = kept
    assert first.exit_code == 0, first.output
    assert "Đã chép 2 tệp (21 byte)" in first.output
    assert "Đã chép 0 tệp" in again.output  # run again: nothing copied twice
    shared = DatabaseStore(lambda: db.session.connection(), db.engine)
    with shared.open("jobs/" + "ab" * 16) as handle:
        assert handle.read() == b"a result"
    assert not shared.exists("jobs/7.alive")
    assert folder.exists("3f" * 16)  # the folder is left as it was
