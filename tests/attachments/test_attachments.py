"""Attachments on directives, progress updates and completion reports: checked before anything is stored,
stored under random names in the upload folder, served only to those who may see the task or directive."""

from __future__ import annotations

import contextlib
import hashlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context

from kpi_tasks.accounts.models import User
from kpi_tasks.attachments.models import Attachment
from kpi_tasks.attachments.services import (
    FileTooLarge,
    attach_to_update,
    attachment_key,
    read_upload,
    read_uploads,
)
from kpi_tasks.errors import NotFound, PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.storage import file_store
from kpi_tasks.storage.models import StoredFile
from kpi_tasks.tasks.lifecycle import post_update
from kpi_tasks.tasks.models import ProgressUpdate, Task
from tests.attachments.helpers import DOCX, EXE, PDF, PNG, upload
from tests.factories import api_headers, commit, csrf_token, login, make_directive, make_task, make_unit, make_user


def _stored_files(app) -> set[str]:
    """The files in the store (the folder, or the database store's rows as this session sees them)."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    in_folder = {path.name for path in folder.iterdir()} if folder.exists() else set()
    with contextlib.nullcontext() if has_app_context() else app.app_context():  # this session's view, if any
        return in_folder | set(db.session.scalars(sa.select(StoredFile.key)))


def _user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.fixture
def world(app):
    with app.app_context():
        lead, partner, stranger = (make_unit("Phòng Văn hóa và Thông tin", code="VHTT"),
                                   make_unit("UBND xã Bình Thạnh", kind="commune", code="BTHANH"),
                                   make_unit("Phòng Tư pháp", code="TP"))
        make_user("office", username="vanphong")
        make_user("unit_manager", lead, "vhtt")
        make_user("unit_manager", partner, "binhthanh")
        make_user("unit_manager", stranger, "tuphap")
        directive = make_directive()
        task = make_task(lead, directive=directive, coordinating=[partner], title="Số hóa hồ sơ")
        ids = {"task": task.id, "directive": directive.id}
        commit()
    return ids


def _progress_page_post(client, task_id, files, **fields):
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    data = {"progress_percent": "40", "note": "Báo cáo kèm tệp", "version": version,
            "csrf_token": csrf_token(client, f"/tasks/{task_id}"), **fields,
            "attachments": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/tasks/{task_id}/updates", data=data, content_type="multipart/form-data")


def test_a_renamed_executable_is_refused_on_the_page_and_nothing_is_stored(app, client, world):
    before = _stored_files(app)
    login(client, "vhtt")
    answer = _progress_page_post(client, world["task"], [("bien-ban.pdf", PDF), ("bao-cao.pdf", EXE)])

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Tệp “bao-cao.pdf” không phải tài liệu PDF: nội dung là một chương trình (tệp thực thi)" in page
    with app.app_context():
        assert _count(Attachment) == 0
        assert _count(ProgressUpdate) == 0  # the whole update is refused, not half-saved
    assert _stored_files(app) == before


def test_a_permitted_file_is_downloadable_by_the_tasks_units_and_the_office_and_404_for_another_unit(
        app, client, world):
    login(client, "vhtt")
    answer = _progress_page_post(client, world["task"], [("Báo cáo kết quả số hóa.pdf", PDF)],
                                 report_completed="y", completed_on="2026-03-16")
    assert answer.status_code == 303
    with app.app_context():
        attachment = db.session.scalar(sa.select(Attachment))
        update = db.session.get(ProgressUpdate, attachment.update_id)
        assert update.reports_completion  # the completion report carries the signed document
        assert (attachment.kind, attachment.size, attachment.task_id) == ("pdf", len(PDF), world["task"])
        assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
        assert attachment.stored_name != attachment.original_name
        with file_store().open(attachment.stored_name) as stored:
            assert stored.read() == PDF
        attachment_id = attachment.id
    assert f'href="/attachments/{attachment_id}"' in client.get(f"/tasks/{world['task']}").get_data(as_text=True)

    for username in ("vhtt", "binhthanh", "vanphong"):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        login(client, username)
        download = client.get(f"/attachments/{attachment_id}")
        assert download.status_code == 200, username
        assert download.data == PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o" in download.headers["Content-Disposition"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "tuphap")
    assert client.get(f"/attachments/{attachment_id}").status_code == 404
    with app.app_context():
        stranger = _user("tuphap")
        headers = api_headers(stranger)
    assert client.get(f"/api/v1/attachments/{attachment_id}/content", headers=headers).status_code == 404
    assert client.get(f"/api/v1/tasks/{world['task']}/attachments", headers=headers).status_code == 404


def test_upload_through_the_api_to_an_update_and_to_a_directive(app, client, world):
    with app.app_context():
        manager = _user("vhtt")
        office = _user("vanphong")
        manager_headers, office_headers = api_headers(manager), api_headers(office)
    update = client.post(f"/api/v1/tasks/{world['task']}/updates", headers=manager_headers,
                         json={"progress_percent": 50, "note": "Kèm bảng số liệu"}).json
    path = f"/api/v1/tasks/{world['task']}/updates/{update['id']}/attachments"

    stored = client.post(path, headers=manager_headers, data={"file": (io.BytesIO(DOCX), "Bảng số liệu.docx")},
                         content_type="multipart/form-data")
    assert stored.status_code == 201, stored.json
    assert (stored.json["kind"], stored.json["name"], stored.json["update_id"]) == ("docx", "Bảng số liệu.docx",
                                                                                    update["id"])
    content = client.get(stored.json["download_url"], headers=office_headers)
    assert content.status_code == 200
    assert content.data == DOCX

    refused = client.post(path, headers=manager_headers, data={"file": (io.BytesIO(EXE), "bang.docx")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "tệp thực thi" in refused.json["error"]["fields"]["file"]
    assert client.post(path, headers=office_headers, data={"file": (io.BytesIO(PDF), "a.pdf")},
                       content_type="multipart/form-data").status_code == 403  # not the unit that posted it

    directive_path = f"/api/v1/directives/{world['directive']}/attachments"
    scan = client.post(directive_path, headers=office_headers, data={"file": (io.BytesIO(PNG), "ban-scan.png")},
                       content_type="multipart/form-data")
    assert scan.status_code == 201
    assert [item["name"] for item in client.get(directive_path, headers=manager_headers).json["items"]] == [
        "ban-scan.png"]
    assert client.post(directive_path, headers=manager_headers, data={"file": (io.BytesIO(PNG), "x.png")},
                       content_type="multipart/form-data").status_code == 403
    listed = client.get(f"/api/v1/tasks/{world['task']}/attachments", headers=manager_headers).json["items"]
    assert [item["name"] for item in listed] == ["Bảng số liệu.docx"]


def test_the_size_limit_answers_413(app, client, world):
    with app.app_context():
        office = _user("vanphong")
        headers = api_headers(office)
    app.config["ATTACHMENT_MAX_BYTES"] = len(PDF) - 1
    try:
        answer = client.post(f"/api/v1/directives/{world['directive']}/attachments", headers=headers,
                             data={"file": (io.BytesIO(PDF), "lon.pdf")}, content_type="multipart/form-data")
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert answer.status_code == 413
    assert answer.json["error"]["code"] == "too_large"
    assert "vượt quá dung lượng cho phép" in answer.json["error"]["message"]


def test_directive_files_page(app, client, world):
    path = f"/directives/{world['directive']}/attachments"
    login(client, "vanphong")
    empty = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert empty.status_code == 200
    assert "Chọn ít nhất một tệp để tải lên." in empty.get_data(as_text=True)
    sent = client.post(path, data={"csrf_token": csrf_token(client, path),
                                   "files": [(io.BytesIO(PDF), "Kế hoạch 115.pdf")]},
                       content_type="multipart/form-data")
    assert sent.status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "tuphap")  # a directive (not confidential) is readable by every unit, with its files
    page = client.get(path).get_data(as_text=True)
    assert "Kế hoạch 115.pdf" in page
    assert 'id="upload-form"' not in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "vhtt")  # the lead unit finds the directive's files on its task's page
    assert "Kế hoạch 115.pdf" in client.get(f"/tasks/{world['task']}").get_data(as_text=True)


def test_a_failed_transaction_takes_its_new_files_with_it(app, app_ctx, world):
    task = db.session.get(Task, world["task"])
    manager = _user("vhtt")
    before = _stored_files(app)
    update = post_update(task, manager, progress_percent=10, note="Sẽ bị hủy")
    attach_to_update(update, task, manager, [read_upload(upload("a.pdf", PDF))])
    assert len(_stored_files(app) - before) == 1
    db.session.rollback()
    assert _stored_files(app) == before


def test_access_and_paths_cannot_be_forged(app, app_ctx, world):
    task = db.session.get(Task, world["task"])
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    update = post_update(task, users["binhthanh"], progress_percent=None, note="Phối hợp")
    with pytest.raises(PermissionDenied):
        attach_to_update(update, task, users["vhtt"], [])  # another unit's update
    attachment = attach_to_update(update, task, users["binhthanh"], [read_upload(upload("a.pdf", PDF))])[0]
    attachment.stored_name = "../../kpi_tasks.sqlite3"
    with pytest.raises(NotFound):
        attachment_key(attachment)
    db.session.rollback()
    with pytest.raises(FileTooLarge):
        read_upload(upload("a.pdf", PDF), max_bytes=10)
    assert read_uploads([None, upload("", b"")]) == []
