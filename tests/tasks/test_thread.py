"""Trao đổi: the thread on a task. Who writes, @mentions that tell people, files, the 15 minutes to correct."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.tasks.models import TaskComment
from tests.factories import api_headers, commit, csrf_token, login, make_task, make_unit, make_user

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _world():
    commune = make_unit("UBND xã Châu Ổ", kind="commune", code="CHAUO")
    coord = make_unit("Phòng Tư pháp", code="TP")
    stranger = make_unit("Phòng Y tế", code="YT")
    users = {
        "manager": make_user("unit_manager", commune, "binhson.chutich"),
        "coord": make_user("unit_manager", coord, "tp.truongphong"),
        "stranger": make_user("unit_manager", stranger, "yt.truongphong"),
        "office": make_user("office", None, "vanphong"),
        "office2": make_user("office", None, "vanphong2"),
        "viewer": make_user("viewer", None, "thanhtra"),
    }
    task = make_task(commune, coordinating=[coord], title="Rà soát hộ nghèo năm 2026")
    db.session.execute(sa.delete(Notification))
    commit()
    return users, task


def _mentions(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        Notification.recipient_id == user.id, Notification.kind == "mention")) or 0


def test_a_comment_mentioning_the_office_and_a_unit_tells_them_once_and_is_in_the_history(app_ctx, client):
    users, task = _world()
    headers = api_headers(users["manager"])
    posted = client.post(f"/api/v1/tasks/{task.id}/comments", headers=headers,
                         json={"text": "Xã đã rà soát xong, gửi @vanphong và @TP cho ý kiến."})
    assert posted.status_code == 201, posted.json
    assert posted.json["author"] == users["manager"].display_name
    # "@vanphong" is the office: each office user, and the coordinating unit's head; not the author, nobody else.
    assert [_mentions(users[key]) for key in ("office", "office2", "coord", "manager", "stranger")] == [1, 1, 1, 0, 0]
    listed = client.get(f"/api/v1/tasks/{task.id}/comments", headers=api_headers(users["viewer"])).json
    assert [item["text"] for item in listed["items"]] == ["Xã đã rà soát xong, gửi @vanphong và @TP cho ý kiến."]
    history = client.get(f"/api/v1/tasks/{task.id}", headers=headers).json["history"]
    assert history[-1]["action"] == "comment"

    # Correcting it names no one twice.
    edited = client.patch(f"/api/v1/tasks/{task.id}/comments/{posted.json['id']}", headers=headers,
                          json={"text": "Xã đã rà soát xong, gửi @vanphong cho ý kiến."})
    assert edited.status_code == 200
    assert edited.json["edited_at"] is not None
    assert _mentions(users["office"]) == 1


def test_naming_someone_unknown_or_who_cannot_see_the_task_is_refused_and_nothing_is_written(app_ctx, client):
    users, task = _world()
    headers = api_headers(users["manager"])
    for text, words in (("Nhờ @khongco xem giúp", "@khongco"), ("Nhờ @YT phối hợp", "Phòng Y tế"),
                        ("Nhờ @yt.truongphong xem", users["stranger"].display_name)):
        refused = client.post(f"/api/v1/tasks/{task.id}/comments", headers=headers, json={"text": text})
        assert refused.status_code == 422
        assert words in refused.json["error"]["fields"]["text"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskComment)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    viewer = client.post(f"/api/v1/tasks/{task.id}/comments", headers=api_headers(users["viewer"]),
                         json={"text": "Thanh tra hỏi"})
    assert viewer.status_code == 403


def test_a_comment_cannot_be_corrected_after_fifteen_minutes(app_ctx, client):
    users, task = _world()
    headers = api_headers(users["manager"])
    posted = client.post(f"/api/v1/tasks/{task.id}/comments", headers=headers, json={"text": "Bản đầu"}).json
    comment = db.session.get(TaskComment, posted["id"])
    comment.created_at = comment.created_at - dt.timedelta(minutes=16)
    commit()
    late = client.patch(f"/api/v1/tasks/{task.id}/comments/{comment.id}", headers=headers, json={"text": "Bản sau"})
    assert late.status_code == 409
    assert "15 phút" in late.json["error"]["message"]
    other = client.patch(f"/api/v1/tasks/{task.id}/comments/{comment.id}", headers=api_headers(users["office"]),
                         json={"text": "Sửa hộ"})
    assert other.status_code == 403
    db.session.refresh(comment)
    assert comment.text == "Bản đầu"


def test_the_page_posts_a_comment_with_a_file_and_keeps_the_text_of_a_refused_one(app_ctx, client):
    users, task = _world()
    login(client, users["office"].username)
    page = f"/tasks/{task.id}"
    refused = client.post(f"{page}/comments", data={"csrf_token": csrf_token(client, page),
                                                    "text": "Nhờ @khongco xem lại số liệu"})
    assert refused.status_code == 200
    body = refused.get_data(as_text=True)
    assert "Không có tài khoản hay mã đơn vị: @khongco" in body
    assert "Nhờ @khongco xem lại số liệu</textarea>" in body
    sent = client.post(f"{page}/comments", data={
        "csrf_token": csrf_token(client, page), "text": "Đề nghị @CHAUO bổ sung danh sách.",
        "attachments": (io.BytesIO(PNG), "danh-sach.png")}, content_type="multipart/form-data")
    assert sent.status_code == 303
    shown = client.get(page).get_data(as_text=True)
    assert "Đề nghị @CHAUO bổ sung danh sách." in shown
    assert "danh-sach.png" in shown
    assert "Sửa (trong 15 phút sau khi gửi)" in shown  # the author may still correct it
    assert _mentions(users["manager"]) == 1
