"""The notification centre by page (plain forms and htmx) and by API; the settings and jobs pages."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.jobs.models import JobRun
from kpi_tasks.jobs.services import run_job
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import ReminderSettings, add_notifications, scan
from tests.factories import api_headers, commit, csrf_token, login
from tests.notifications.helpers import MONDAY, build_world


def _scanned():
    world = build_world()
    commit()
    scan(MONDAY, ReminderSettings())
    commit()
    return world


def _ids(user_id: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(Notification.id).where(Notification.recipient_id == user_id).order_by(Notification.id)))


def test_list_badge_and_mark_read_with_plain_forms(app_ctx, client):
    world = _scanned()
    manager = world.users["lead_manager"]
    login(client, manager.username)
    home = client.get("/").get_data(as_text=True)
    assert 'data-unread="5"' in home  # the navbar badge
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count('data-notification-id="') == 5
    assert "Kiểm tra di tích lịch sử trên địa bàn" in page
    assert "đã quá hạn" in page
    assert "Báo cáo kết quả thực hiện Đề án 06" in page
    assert "Rà soát văn bản quy phạm pháp luật về văn hóa" in page  # coordinating: due soon

    first = _ids(manager.id)[0]
    token = csrf_token(client, "/notifications/")
    response = client.post(f"/notifications/{first}/read",
                           data={"csrf_token": token, "next": "/notifications/?unread=1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications/?unread=1"
    unread = client.get("/notifications/?unread=1").get_data(as_text=True)
    assert unread.count('data-notification-id="') == 4
    assert 'data-unread="4"' in unread

    response = client.post("/notifications/read-all", data={"csrf_token": csrf_token(client, "/notifications/")})
    assert response.status_code == 303
    assert 'data-unread="' not in client.get("/notifications/badge").get_data(as_text=True)


def test_mark_read_by_htmx_returns_the_row_and_announces_the_change(app_ctx, client):
    world = _scanned()
    manager = world.users["lead_manager"]
    login(client, manager.username)
    target = _ids(manager.id)[1]
    response = client.post(f"/notifications/{target}/read", headers={
        "HX-Request": "true", "HX-Target": f"notification-{target}",
        "X-CSRFToken": csrf_token(client, "/notifications/")})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert f'id="notification-{target}"' in body
    assert 'data-read="1"' in body
    assert response.headers["HX-Trigger"] == "notifications-changed"
    assert "HX-Request" in response.headers.get("Vary", "")
    badge = client.get("/notifications/badge", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-unread="4"' in badge
    assert "<html" not in badge

    fragment = client.get("/notifications/?unread=1", headers={"HX-Request": "true",
                                                                 "HX-Target": "notification-list"})
    assert "<html" not in fragment.get_data(as_text=True)


def test_someone_elses_notification_is_not_found_and_a_bad_next_is_ignored(app_ctx, client):
    world = _scanned()
    theirs = _ids(world.user_id("office1"))[0]
    mine = _ids(world.user_id("lead_staff"))[0]
    login(client, world.users["lead_staff"].username)
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{theirs}/read", data={"csrf_token": token}).status_code == 404
    assert db.session.get(Notification, theirs).read_at is None
    response = client.post(f"/notifications/{mine}/read", data={"csrf_token": token, "next": "//evil.example/x"})
    assert response.headers["Location"] == "/notifications/"


def test_settings_page_saves_the_choice_and_refuses_a_bad_address(app_ctx, client):
    world = _scanned()
    user = world.users["lead_staff"]
    login(client, user.username)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Cài đặt nhận thông báo" in page
    assert "Một thư tổng hợp mỗi ngày" in page
    token = csrf_token(client, "/notifications/settings")
    bad = client.post("/notifications/settings", data={"csrf_token": token, "email_mode": "immediate",
                                                       "email": "không phải địa chỉ"})
    assert bad.status_code == 200
    assert "Địa chỉ e-mail không hợp lệ." in bad.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_mode == "digest"
    good = client.post("/notifications/settings", data={"csrf_token": token, "email_mode": "immediate",
                                                        "email": "cv.vhtt@ubnd.example.vn"})
    assert good.status_code == 303
    db.session.refresh(user)
    assert (user.email_mode, user.email) == ("immediate", "cv.vhtt@ubnd.example.vn")


def test_admin_runs_a_job_now_and_sees_last_and_next_runs(app_ctx, client):
    world = _scanned()
    login(client, world.users["admin"].username)
    page = client.get("/admin/jobs/").get_data(as_text=True)
    for name in ("scan", "deliver", "weekly_report", "monthly_report"):
        assert f'data-job="{name}"' in page
    assert "Chạy ngay" in page
    assert "chưa thấy bộ lập lịch nào đang chạy" in page
    response = client.post("/admin/jobs/weekly_report/run", data={"csrf_token": csrf_token(client, "/admin/jobs/")})
    assert response.status_code == 303
    run = db.session.scalar(sa.select(JobRun).where(JobRun.job == "weekly_report"))
    assert (run.status, run.trigger, run.actor_id) == ("ok", "manual", world.user_id("admin"))
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "Báo cáo tuần từ 07/03/2026 đến 13/03/2026" in page

    def row(name: str) -> str:
        return page.split(f'data-job="{name}"')[1].split("</tr>")[0]

    assert world.users["admin"].display_name in row("weekly_report")  # last run: by the admin, now
    assert "Chưa chạy" in row("monthly_report")
    # Next runs on Monday 16/03/2026: the weekly report on Friday 20/03, the monthly one on Tuesday 24/03
    # (the working day before the meeting on the 25th).
    assert "20/03/2026" in row("weekly_report")
    assert "24/03/2026" in row("monthly_report")
    missing = client.post("/admin/jobs/nope/run", data={"csrf_token": csrf_token(client, "/admin/jobs/")})
    assert missing.status_code == 404


def test_scheduled_report_page_for_the_office(app_ctx, client):
    world = _scanned()
    run_job("weekly_report", "cli")
    login(client, world.users["office1"].username)
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "Báo cáo tuần từ 07/03/2026 đến 13/03/2026" in listing
    report_id = db.session.scalar(sa.select(Notification.report_id).where(Notification.report_id.is_not(None)))
    page = client.get(f"/notifications/reports/{report_id}").get_data(as_text=True)
    assert "Phòng Văn hóa và Thông tin" in page
    assert "Tổng cộng" in page


def test_api_lists_own_notifications_and_marks_them_read(app_ctx, client):
    world = _scanned()
    headers = api_headers(world.users["lead_manager"])
    listed = client.get("/api/v1/notifications?unread=1", headers=headers).json
    assert listed["total"] == 5
    item = listed["items"][0]
    assert set(item) >= {"id", "kind", "task_id", "created_at", "read"}
    assert item["read"] is False
    assert {i["kind"] for i in listed["items"]} == {"due_soon", "overdue"}
    assert {i["task_id"] for i in listed["items"]} == {world.tasks[k].id for k in ("t1", "t2", "t3", "t4", "t5")}
    marked = client.post(f"/api/v1/notifications/{item['id']}/read", headers=headers)
    assert marked.status_code == 200
    assert marked.json["read"] is True
    assert client.get("/api/v1/notifications?unread=1", headers=headers).json["total"] == 4
    assert client.get("/api/v1/notifications?unread=0&per_page=2", headers=headers).json["total"] == 5
    assert client.get("/api/v1/notifications?unread=maybe", headers=headers).status_code == 422
    others = api_headers(world.users["office1"])
    assert client.post(f"/api/v1/notifications/{item['id']}/read", headers=others).status_code == 404
    assert client.post("/api/v1/notifications/read-all", headers=headers).json == {"updated": 4}


def test_an_apology_letter_reminder_in_the_centre(app_ctx, client):
    world = _scanned()
    user = world.users["lead_manager"]
    add_notifications([{"recipient_id": user.id, "kind": "apology_due", "deadline": MONDAY,
                        "dedup_key": "apology:7:2026-03-16:apology_due"}])
    commit()
    login(client, user.username)
    page = client.get("/notifications/").get_data(as_text=True)
    notification_id = db.session.scalar(sa.select(Notification.id).where(Notification.kind == "apology_due"))
    assert f'href="/notifications/{notification_id}/open">phiếu xin lỗi phải gửi</a> (hạn 16/03/2026)' in page
    opened = client.get(f"/notifications/{notification_id}/open")
    assert opened.headers["Location"] == "/dossiers/apology-letters?overdue=1"


def test_the_badge_reads_at_most_a_hundred_unread_and_says_99_plus(app_ctx, client):
    from kpi_tasks.notifications.services import BADGE_CAP
    from tests.factories import make_office

    office = make_office()
    rows = [{"recipient_id": office.id, "kind": "report", "dedup_key": f"test:{n}"} for n in range(BADGE_CAP + 21)]
    add_notifications(rows)
    commit()
    login(client, office.username)
    badge = client.get("/notifications/badge", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'data-unread="{BADGE_CAP}+"' in badge
    listed = client.get("/api/v1/notifications?unread=1", headers=api_headers(office)).json
    assert listed["total"] == BADGE_CAP + 21  # the list itself counts them all
