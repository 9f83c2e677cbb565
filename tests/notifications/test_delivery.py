"""E-mail delivery against a real SMTP server on 127.0.0.1 (aiosmtpd), started and stopped by the tests."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.notifications.delivery import failed_notifications, retry_failed, send_reminders
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import ReminderSettings, add_notifications, scan
from tests.factories import commit, login
from tests.notifications.helpers import BASE_URL, MONDAY, at, build_world


@pytest.fixture
def scanned(app_ctx):
    world = build_world()
    commit()
    scan(MONDAY, ReminderSettings())
    commit()
    return world


def _expected_digests(world) -> dict[str, set[str]]:
    """Address → titles of the tasks that user's digest must list, from the scan's rules."""
    wanted: dict[str, set[str]] = {}
    for user_key, task_key, _kind in world.expected:
        wanted.setdefault(world.users[user_key].email, set()).add(world.tasks[task_key].title)
    return wanted


def _states() -> Counter:
    return Counter(db.session.scalars(sa.select(Notification.email_state)))


def test_one_digest_per_user_in_readable_vietnamese_plain_and_html(scanned, smtp):
    world = scanned
    smtp.start()
    result = send_reminders(at(MONDAY, 7))
    wanted = _expected_digests(world)
    assert result.messages_sent == len(wanted) == 7
    messages = smtp.messages
    recipients = [rcpt for rcpts, _message in messages for rcpt in rcpts]
    assert sorted(recipients) == sorted(wanted)  # one message per user, no one twice
    for rcpts, message in messages:
        plain = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert message["Subject"].startswith("Nhắc việc ngày 16/03/2026: ")
        assert "Hệ thống theo dõi nhiệm vụ" in str(message["From"])
        for part in (plain, html):
            assert "Kính gửi" in part
            for title in wanted[rcpts[0]]:
                assert title in part  # "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính" etc.
            assert f"{BASE_URL}/notifications/settings" in part
        for title in {t.title for t in world.tasks.values()} - wanted[rcpts[0]]:
            assert title not in plain
    manager_mail = next(m for r, m in messages if r == [world.users["lead_manager"].email])
    plain = manager_mail.get_body(preferencelist=("plain",)).get_content()
    assert "NHIỆM VỤ QUÁ HẠN (2)" in plain
    assert "NHIỆM VỤ SẮP ĐẾN HẠN (3)" in plain
    assert "Hạn xử lý: 18/03/2026 (còn 2 ngày làm việc)" in plain
    assert "Hạn xử lý: 02/03/2026 (đã quá hạn 10 ngày làm việc)" in plain
    assert f"{BASE_URL}/tasks/{world.tasks['t5'].id}" in plain
    assert "Đơn vị chủ trì: Phòng Văn hóa và Thông tin" in plain
    assert _states() == Counter({"sent": 15})

    again = send_reminders(at(MONDAY, 7, 30))
    assert again.messages_sent == 0
    assert len(smtp.messages) == 7


def test_with_the_server_down_nothing_is_lost_and_the_next_run_delivers_everything_once(scanned, smtp):
    world = scanned
    smtp.start()
    smtp.stop()  # the server was there and is gone: connection refused
    first = send_reminders(at(MONDAY, 7))
    assert first.messages_sent == 0
    assert first.failed_attempts == 15
    assert _states() == Counter({"pending": 15})
    rows = db.session.scalars(sa.select(Notification)).all()
    assert {row.email_attempts for row in rows} == {1}
    assert all("ConnectionRefusedError" in row.last_error for row in rows)

    smtp.start()
    early = send_reminders(at(MONDAY, 7, 5))  # within the 15-minute back-off: not yet
    assert early.messages_sent == 0
    assert smtp.messages == []

    later = send_reminders(at(MONDAY, 7, 16))
    assert later.messages_sent == 7
    assert later.notifications_sent == 15
    recipients = [rcpt for rcpts, _message in smtp.messages for rcpt in rcpts]
    assert sorted(recipients) == sorted(_expected_digests(world))
    assert _states() == Counter({"sent": 15})
    send_reminders(at(MONDAY, 8))
    assert len(smtp.messages) == 7


def test_after_k_failures_a_notification_is_marked_failed_listed_for_the_admin_and_can_be_retried(
    scanned, smtp, app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    monkeypatch.setitem(app.config, "MAIL_RETRY_MINUTES", 1)
    # Nothing listens on the port: every attempt fails. Back-off 1, then 2 minutes.
    send_reminders(at(MONDAY, 7, 0))
    send_reminders(at(MONDAY, 7, 1))
    third = send_reminders(at(MONDAY, 7, 3))
    assert third.marked_failed == 15
    assert _states() == Counter({"failed": 15})
    assert send_reminders(at(MONDAY, 9)).failed_attempts == 0  # given up: no more attempts
    assert len(failed_notifications()) == 15

    admin = scanned.users["admin"]
    login(client, admin.username)
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "Thư không gửi được (15)" in page
    assert "ConnectionRefusedError" in page

    smtp.start()
    assert retry_failed() == 15
    commit()
    delivered = send_reminders(at(MONDAY, 9, 5))
    assert delivered.messages_sent == 7
    assert _states() == Counter({"sent": 15})


def test_immediate_off_and_no_address(scanned, smtp):
    users = scanned.users
    users["lead_manager"].email_mode = "immediate"  # 5 notifications → 5 messages
    users["office1"].email_mode = "off"
    users["office2"].email = None
    commit()
    smtp.start()
    result = send_reminders(at(MONDAY, 7))
    by_address = Counter(rcpt for rcpts, _message in smtp.messages for rcpt in rcpts)
    assert by_address[users["lead_manager"].email] == 5
    assert users["office1"].email not in by_address
    assert users["office2"].email not in by_address
    assert result.skipped["người nhận chọn không nhận e-mail"] == 2
    assert result.skipped["người nhận chưa có địa chỉ e-mail"] == 2
    immediate = [m for r, m in smtp.messages if r == [users["lead_manager"].email]]
    assert {m["Subject"] for m in immediate} >= {f"[Quá hạn] {scanned.tasks['t5'].title}",
                                                 f"[Sắp đến hạn] {scanned.tasks['t2'].title}"}
    skipped = db.session.scalars(sa.select(Notification.last_error).where(Notification.email_state == "skipped"))
    assert set(skipped) == {"Người nhận chọn không nhận e-mail.", "Người nhận chưa có địa chỉ e-mail."}


def test_reminders_arriving_after_todays_digest_wait_for_tomorrows(scanned, smtp):
    smtp.start()
    send_reminders(at(MONDAY, 7))
    tuesday = MONDAY + dt.timedelta(days=1)
    scan(tuesday, ReminderSettings())  # the due-in-two tasks are now one day away: new 1-day reminders
    commit()
    send_reminders(at(MONDAY, 15))
    assert len(smtp.messages) == 7  # still today: no second digest
    send_reminders(at(tuesday, 7))
    assert len(smtp.messages) == 7 + 4  # lead manager, lead staff, coordinating manager and staff


def test_without_an_smtp_server_configured_e_mail_is_skipped_with_the_reason(scanned, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    result = send_reminders(at(MONDAY, 7))
    assert result.skipped["chưa cấu hình máy chủ thư SMTP_HOST"] == 15
    assert _states() == Counter({"skipped": 15})
    assert all(n.read_at is None for n in db.session.scalars(sa.select(Notification)))  # still in the centre


def test_an_apology_letter_reminder_links_to_the_letters_to_send(scanned, smtp):
    user = scanned.users["lead_manager"]
    add_notifications([{"recipient_id": user.id, "kind": "apology_due", "deadline": dt.date(2026, 3, 13),
                        "dedup_key": "apology:1:2026-03-13:apology_due"}])
    commit()
    smtp.start()
    send_reminders(at(MONDAY, 7))
    message = next(m for r, m in smtp.messages if r == [user.email])
    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert "VIỆC KHÁC (1)" in plain
    assert "- Hồ sơ trễ hạn: có phiếu xin lỗi phải gửi (hạn 13/03/2026)" in plain
    assert f"{BASE_URL}/dossiers/apology-letters?overdue=1" in plain


def test_the_send_reminders_command_delivers_one_digest_per_user_and_nothing_on_a_second_run(scanned, smtp, app):
    smtp.start()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0, first.output
    assert "gửi 7 thư (15 thông báo)" in first.output
    second = runner.invoke(args=["send-reminders"])
    assert "gửi 0 thư (0 thông báo)" in second.output
    recipients = sorted(rcpt for rcpts, _message in smtp.messages for rcpt in rcpts)
    assert recipients == sorted(_expected_digests(scanned))
