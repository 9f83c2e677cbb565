"""Large dossier imports through the API: 202 and the background worker's job, a status to ask, and a job whose
worker died told as failed within a minute, nothing written."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.background.services import claim_next, real_now
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.models import Dossier
from kpi_tasks.extensions import db
from kpi_tasks.storage import file_store
from tests.dossiers.helpers import D, make_units, row, run_queued_job, standard_rows, write_csv
from tests.factories import api_headers, make_user


def _post_file(client, headers, path: Path):
    # Encoded in memory: the test client's own encoding spools a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(path.read_bytes()), path.name)})
    return client.post("/api/v1/dossiers/import", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _count() -> int:
    db.session.commit()  # a new transaction: see what the import's thread committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(Dossier))


@pytest.fixture
def small_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "DOSSIER_API_BACKGROUND_BYTES", 1)


def test_a_large_file_answers_202_and_its_status_tells_when_it_is_done(app_ctx, client, tmp_path, small_threshold):
    make_units()
    headers = api_headers(make_user("office"))
    started = _post_file(client, headers, write_csv(tmp_path / "ho-so.csv", standard_rows()))
    assert started.status_code == 202
    import_id = started.json["import_id"]
    assert started.headers["Location"] == f"/api/v1/dossiers/imports/{import_id}"
    run_queued_job()
    status = client.get(f"/api/v1/dossiers/imports/{import_id}", headers=headers)
    assert status.status_code == 200
    assert (status.json["status"], status.json["imported"], status.json["rejected"]) == ("done", 7, [])
    assert _count() == 7


def test_a_large_file_with_bad_rows_fails_with_its_rows_and_writes_nothing(app_ctx, client, tmp_path,
                                                                          small_threshold):
    make_units()
    headers = api_headers(make_user("office"))
    rows = [*standard_rows(), row("X-1", "??", D(2026, 2, 2), D(2026, 2, 5))]
    started = _post_file(client, headers, write_csv(tmp_path / "ho-so.csv", rows))
    run_queued_job()
    status = client.get(f"/api/v1/dossiers/imports/{started.json['import_id']}", headers=headers).json
    assert status["status"] == "failed"
    assert status["imported"] == 0
    assert [item["row"] for item in status["rejected"]] == [9]
    assert _count() == 0


def test_another_office_user_cannot_read_an_import_that_is_not_theirs(app_ctx, client, tmp_path, small_threshold):
    make_units()
    owner, other = api_headers(make_user("office")), api_headers(make_user("office"))
    started = _post_file(client, owner, write_csv(tmp_path / "ho-so.csv", standard_rows()))
    run_queued_job()
    assert client.get(f"/api/v1/dossiers/imports/{started.json['import_id']}", headers=other).status_code == 404


def test_a_small_file_is_still_imported_at_once_and_its_number_can_be_asked(app_ctx, client, tmp_path):
    make_units()
    headers = api_headers(make_user("office"))
    answer = _post_file(client, headers, write_csv(tmp_path / "ho-so.csv", standard_rows()))
    assert answer.status_code == 200
    status = client.get(f"/api/v1/dossiers/imports/{answer.json['import_id']}", headers=headers).json
    assert (status["status"], status["imported"]) == ("done", 7)


def test_an_import_whose_worker_died_is_failed_within_a_minute(app_ctx, client, tmp_path, small_threshold):
    make_units()
    headers = api_headers(make_user("office"))
    started = _post_file(client, headers, write_csv(tmp_path / "ho-so.csv", standard_rows()))
    import_id = started.json["import_id"]
    job = claim_next("dead-worker")  # taken by a worker that died at once: no heartbeat follows
    assert job.id == started.json["job_id"]
    stale = app_ctx.config["JOB_STALE_SECONDS"]

    def last_heartbeat(seconds_ago: int) -> str:
        db.session.execute(sa.update(BackgroundJob).where(BackgroundJob.id == job.id)
                           .values(heartbeat_at=real_now() - dt.timedelta(seconds=seconds_ago)))
        db.session.commit()
        return client.get(f"/api/v1/dossiers/imports/{import_id}", headers=headers).json

    assert last_heartbeat(stale - 5)["status"] == "queued"  # its heartbeat is due every 10 s: alive
    answer = last_heartbeat(stale + 1)
    assert answer["status"] == "failed"
    assert "gián đoạn" in answer["message"]
    assert db.session.get(BackgroundJob, job.id).status == "failed"
    assert stale < 60
    assert _count() == 0
    # Its upload waits for the 24-hour clean-up; this test's goes now (other tests count the folder's files).
    importing.discard_upload(file_store(), importing.stored_upload(file_store(), job.owner_id, import_id))
    db.session.commit()


def _year_of_dossiers(path: Path, rows: int) -> Path:
    """A province's year as the dossier system exports it: `rows` rows of CSV, written in one go."""
    header = "STT,Mã hồ sơ,Tên thủ tục,Lĩnh vực,Đơn vị xử lý,Người nộp hồ sơ,Ngày tiếp nhận,Ngày hẹn trả," \
             "Ngày trả kết quả,Hình thức nộp,Thanh toán trực tuyến,Số hóa\n"
    lines = [f"{n},HS-{n:07d},Chứng thực bản sao từ bản chính,Chứng thực,{'TP' if n % 3 else 'BT'},"
             f"Nguyễn Văn {n % 997},{1 + n % 20:02d}/{1 + n % 12:02d}/2025,{6 + n % 20:02d}/{1 + n % 12:02d}/2025,"
             f"{4 + n % 20:02d}/{1 + n % 12:02d}/2025,Trực tuyến,Có,Có\n" for n in range(1, rows + 1)]
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


@pytest.mark.one_pass
def test_a_years_300000_dossiers_through_the_api_return_202_and_finish(app_ctx, client, tmp_path):
    make_units()
    headers = api_headers(make_user("office"))
    path = _year_of_dossiers(tmp_path / "ho-so-ca-nam.csv", 300_000)
    started = _post_file(client, headers, path)
    assert started.status_code == 202
    run_queued_job()
    status = client.get(f"/api/v1/dossiers/imports/{started.json['import_id']}", headers=headers).json
    assert (status["status"], status["imported"], status["rejected"]) == ("done", 300_000, []), status
    assert _count() == 300_000
