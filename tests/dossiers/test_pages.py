"""Dossier pages through the test client, CSRF on: upload → preview → confirm, letters, reports."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import docx
import sqlalchemy as sa

from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.background.services import claim_next, enqueue, real_now
from kpi_tasks.dossiers import background
from kpi_tasks.dossiers.models import ISSUED, ApologyLetter, Dossier
from kpi_tasks.extensions import db
from kpi_tasks.storage import file_store
from kpi_tasks.storage.models import StoredFile
from tests.dossiers.helpers import (
    D,
    make_dossier,
    make_units,
    row,
    run_queued_job,
    standard_rows,
    write_csv,
    write_xlsx,
)
from tests.factories import commit, csrf_token, form_post, login, make_user


def _pending_uploads(app) -> list[str]:
    """The dossier files waiting for their confirmation, in the folder or in the database store."""
    in_folder = [str(path) for path in Path(app.config["UPLOAD_FOLDER"]).rglob("*.upload")]
    return in_folder + list(db.session.scalars(sa.select(StoredFile.key).where(StoredFile.key.like("%.upload"))))


def _upload(client, path: Path) -> str:
    response = client.post("/dossiers/import", data={
        "csrf_token": csrf_token(client, "/dossiers/import"),
        "file": (io.BytesIO(path.read_bytes()), path.name),
    }, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return response.headers["Location"]


def _confirm(client, preview_url: str) -> str:
    """Confirm the import, run its job as the worker would, return the status page's address."""
    response = form_post(client, preview_url, {"action": "import"}, page=preview_url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/status")
    run_queued_job()
    return response.headers["Location"]


def test_office_uploads_sees_the_mapping_and_first_rows_then_confirms(app, app_ctx, client, tmp_path):
    make_units()
    office = make_user("office")
    commit()
    login(client, office.username)
    path = write_xlsx(tmp_path / "xuat-tu-mot-cua.xlsx", standard_rows())

    preview_url = _upload(client, path)
    stored = _pending_uploads(app)
    assert len(stored) == 1
    assert "static" not in str(stored[0])
    page = client.get(preview_url).get_data(as_text=True)

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 0  # nothing written yet
    mapping = re.search(r'<table[^>]*id="column-mapping".*?</table>', page, re.S).group(0)
    assert "<td>Hình thức nộp</td><td>Hình thức nộp</td>" in mapping
    assert "<td>STT</td><td>Bỏ qua</td>" in mapping
    assert "Dòng tiêu đề: dòng 4" in page
    assert "TP-ONTIME" in page
    assert "09/02/2026" in page

    status_url = _confirm(client, preview_url)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 7
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApologyLetter)) == 3
    assert _pending_uploads(app) == []
    follow = client.get(status_url).get_data(as_text=True)
    assert "Đã nhập 7 hồ sơ: 7 mới" in follow
    fragment = client.get(status_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment
    assert 'data-state="done"' in fragment
    assert "hx-trigger" not in fragment  # finished: the polling stops
    assert "xuat-tu-mot-cua.xlsx" in client.get("/dossiers/import").get_data(as_text=True)
    assert client.get(preview_url).headers["Location"].endswith("/status")


def test_refused_file_lists_every_bad_row_and_writes_nothing(app_ctx, client, tmp_path):
    make_units()
    office = make_user("office")
    commit()
    login(client, office.username)
    rows = [*standard_rows(), row("TP-LATE", "XYZ", D(2026, 2, 2), D(2026, 2, 1))]
    preview_url = _upload(client, write_csv(tmp_path / "loi.csv", rows))

    page = client.get(_confirm(client, preview_url)).get_data(as_text=True)

    assert 'data-state="rejected"' in page
    assert 'data-row="9"' in page
    assert "mã hồ sơ “TP-LATE” trùng với dòng 3" in page
    assert "không tìm thấy đơn vị xử lý “XYZ”" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 0
    listing = client.get(preview_url + "/rejected.csv")
    assert listing.status_code == 200
    assert "Dòng 9 (hồ sơ TP-LATE)" in listing.get_data().decode("utf-8-sig")
    listing.close()


def test_an_upload_belongs_to_its_uploader(app_ctx, client, tmp_path):
    make_units()
    first, second = make_user("office"), make_user("office")
    commit()
    login(client, first.username)
    preview_url = _upload(client, write_csv(tmp_path / "a.csv", standard_rows()))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, second.username)
    assert client.get(preview_url).status_code == 303
    assert client.get(preview_url + "/rejected.csv").status_code == 404


def test_only_the_dossier_upload_may_exceed_the_general_size_limit(app, app_ctx, client, tmp_path, monkeypatch):
    make_units()
    office = make_user("office")
    commit()
    login(client, office.username)
    path = write_csv(tmp_path / "lon.csv", standard_rows() * 1)
    padding = "\n" * 4000  # blank lines: a larger file with the same dossiers
    path.write_bytes(path.read_bytes() + padding.encode())
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    monkeypatch.setitem(app.config, "DOSSIER_MAX_UPLOAD", 100_000)
    assert _upload(client, path)
    elsewhere = client.post("/directives/new", data={"subject": "x" * 3000})
    assert elsewhere.status_code == 413
    monkeypatch.setitem(app.config, "DOSSIER_MAX_UPLOAD", 3000)
    too_big = client.post("/dossiers/import", data={"file": (io.BytesIO(path.read_bytes()), "lon.csv")},
                          content_type="multipart/form-data")
    assert too_big.status_code == 413


def test_unit_sees_its_pending_letters_and_records_one(app_ctx, client):
    tp, bt = make_units()
    manager = make_user("unit_manager", tp)
    mine = make_dossier(tp, "TP-9", D(2026, 3, 2), D(2026, 3, 10), applicant="Phạm Văn Dũng")
    make_dossier(bt, "BT-9", D(2026, 3, 2), D(2026, 3, 10))
    commit()
    letter = db.session.scalar(sa.select(ApologyLetter).where(ApologyLetter.dossier_id == mine.id))
    login(client, manager.username)

    page = client.get("/dossiers/apology-letters").get_data(as_text=True)
    assert "TP-9" in page
    assert "BT-9" not in page
    assert "Quá hạn gửi" in page

    url = f"/dossiers/apology-letters/{letter.id}"
    response = form_post(client, url, {"issued_on": "2026-03-09", "new_appointment_on": "2026-03-18",
                                       "reason": "Chờ ý kiến của Sở Tư pháp.", "signer": "Lê Văn Cường",
                                       "version": str(letter.version)}, page=url)
    assert response.status_code == 303
    db.session.refresh(letter)
    assert letter.status == ISSUED
    history = re.search(r'id="history">.*?</ul>', client.get(url).get_data(as_text=True), re.S).group(0)
    assert "Ghi nhận phiếu" in history
    assert "Tình trạng: Chưa gửi phiếu → Đã gửi đúng hạn" in history
    printed = client.get(url + "/print").get_data(as_text=True)
    for part in ("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Phạm Văn Dũng", "Mã số hồ sơ: TP-9.",
                 "Lý do chậm trễ: Chờ ý kiến của Sở Tư pháp.", "ngày 18 tháng 3 năm 2026", "Lê Văn Cường",
                 "Nơi nhận:", "- Như trên;"):
        assert part in printed
    word = client.get(url + "/letter.docx")
    assert word.mimetype.endswith("wordprocessingml.document")
    assert "Chờ ý kiến của Sở Tư pháp." in "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)
    assert client.get(f"/dossiers/apology-letters/{letter.id + 1}").status_code == 404


def test_office_sees_obligations_by_unit_and_the_repeat_offenders(app_ctx, client):
    tp, bt = make_units()
    make_dossier(tp, "TP-1", D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 13))
    make_dossier(tp, "TP-2", D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 10))
    make_dossier(bt, "BT-1", D(2026, 3, 2), D(2026, 3, 10))
    office = make_user("office")
    commit()
    login(client, office.username)

    page = client.get("/dossiers/apology-letters").get_data(as_text=True)
    summary = re.search(r'id="letter-summary".*?</table>', page, re.S).group(0)
    assert 'data-unit="TP"' in summary
    assert 'data-unit="BT"' in summary

    report = client.get("/dossiers/repeat-offenders?year=2026").get_data(as_text=True)
    offenders = re.search(r'id="offenders".*?</table>', report, re.S).group(0)
    assert 'data-unit="TP"' in offenders
    assert 'data-unit="BT"' not in offenders
    assert 'data-month="2026-01" data-count="1"' in offenders
    assert 'data-month="2026-02" data-count="1"' in offenders

    listing = client.get("/dossiers/?status=overdue").get_data(as_text=True)
    assert "BT-1" in listing
    assert "TP-1" not in listing


def test_a_running_import_polls_and_a_failed_one_says_so(app, app_ctx, client, tmp_path, monkeypatch):
    make_units()
    office = make_user("office")
    commit()
    login(client, office.username)
    preview_url = _upload(client, write_csv(tmp_path / "a.csv", standard_rows()))
    token = preview_url.rsplit("/", 1)[-1]
    key = background.status_key(office.id, token)
    job = enqueue(office, background.JOB_KIND, {"token": token})
    db.session.commit()
    assert claim_next("a-worker").id == job.id
    background._write_status(file_store(), key, background.ImportStatus(background.RUNNING, stage="write",
                                                                        rows=4000, file_name="a.csv", job_id=job.id))
    db.session.commit()
    running = client.get(preview_url + "/status", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in running
    assert "Đang ghi dữ liệu:</strong>\n      4.000 dòng" in running
    # As a worker killed mid-import leaves it: no heartbeat for an hour.
    db.session.execute(sa.update(BackgroundJob).where(BackgroundJob.id == job.id)
                       .values(heartbeat_at=real_now() - dt.timedelta(hours=1)))
    db.session.commit()
    assert "bị gián đoạn" in client.get(preview_url + "/status").get_data(as_text=True)
    file_store().delete(key)
    db.session.commit()

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(background, "import_dossiers", broken)
    page = client.get(_confirm(client, preview_url)).get_data(as_text=True)
    assert 'data-state="failed"' in page
    assert "chưa có hồ sơ nào được ghi" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 0
