"""Apology-letter reminders name their dossier: in the centre (page and htmx), in e-mails, in the API.

Two dossiers of Phòng Tư pháp are late and unanswered on Monday 16/03/2026: the daily scan gives the unit's
head one reminder for each, and each reminder must say which dossier, which procedure, by when, and lead
to that letter's page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.dossiers.models import ApologyLetter, Dossier
from kpi_tasks.dossiers.services import refresh_pending_obligations
from kpi_tasks.extensions import db
from kpi_tasks.notifications.delivery import send_reminders
from kpi_tasks.notifications.models import APOLOGY_DUE, Notification
from kpi_tasks.notifications.services import ReminderSettings, scan
from tests.dossiers.helpers import TODAY, D, make_dossier, make_units
from tests.factories import api_headers, commit, csrf_token, login, make_user
from tests.notifications.helpers import BASE_URL, at


@dataclass
class Late:
    manager_id: int
    username: str
    email: str
    # dossier code → (letter id, procedure, due date dd/mm/yyyy)
    letters: dict[str, tuple[int, str, str]]


@pytest.fixture
def late(app_ctx) -> Late:
    tp, _bt = make_units()
    manager = make_user("unit_manager", tp)
    manager.email = "tuphap.giamdoc@ubnd.example.vn"
    make_dossier(tp, "TP-2603-001", D(2026, 3, 2), D(2026, 3, 10), procedure="Đăng ký khai sinh")
    make_dossier(tp, "TP-2603-002", D(2026, 3, 2), D(2026, 3, 12), procedure="Chứng thực chữ ký")
    make_dossier(tp, "TP-2603-003", D(2026, 3, 9), D(2026, 3, 20), procedure="Đăng ký kết hôn")  # not late
    letters = {
        code: (letter_id, procedure, due.strftime("%d/%m/%Y"))
        for code, letter_id, procedure, due in db.session.execute(
            sa.select(Dossier.code, ApologyLetter.id, Dossier.procedure, ApologyLetter.due_by)
            .join(ApologyLetter, ApologyLetter.dossier_id == Dossier.id)
        )
    }
    commit()
    result = scan(TODAY, ReminderSettings())
    commit()
    assert result.extra["nhắc gửi phiếu xin lỗi"] == 2
    return Late(manager.id, manager.username, manager.email, letters)


def test_the_scan_links_each_reminder_to_its_own_letter_once(late):
    rows = db.session.execute(
        sa.select(Notification.apology_letter_id, Notification.deadline, Notification.kind)
        .where(Notification.recipient_id == late.manager_id)
    ).all()
    assert sorted((letter_id, deadline.strftime("%d/%m/%Y")) for letter_id, deadline, _kind in rows) == sorted(
        (letter_id, due) for letter_id, _procedure, due in late.letters.values())
    assert {kind for *_rest, kind in rows} == {APOLOGY_DUE}
    assert len(late.letters) == 2  # the dossier not yet due has no obligation
    scan(TODAY, ReminderSettings())  # a second run creates nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 2


OPEN_LINK = re.compile(r'href="/notifications/(\d+)/open">([^<]+)</a>')


def _shown_letters(client, html: str) -> dict[str, int]:
    """Dossier code → the letter its line opens (through the bell's open link)."""
    shown = {}
    for notification_id, code in OPEN_LINK.findall(html):
        target = client.get(f"/notifications/{notification_id}/open").headers["Location"]
        shown[code] = int(target.rsplit("/", 1)[1])
    return shown


def test_the_centre_groups_a_units_letters_and_names_each_dossier_procedure_and_due_date(late, client):
    login(client, late.username)
    page = client.get("/notifications/").get_data(as_text=True)
    # One line for the unit's letters: "Phòng Tư pháp: 2 phiếu xin lỗi đến hạn", opening onto each of them.
    assert page.count("data-notification-id=") == 1
    group_link = re.search(r'href="(/notifications/\?group=\d+)">Phòng Tư pháp: 2 phiếu xin lỗi đến hạn</a>', page)
    assert group_link is not None
    opened = client.get(group_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    fragment = client.get(group_link.group(1), headers={"HX-Request": "true", "HX-Target": "notification-list"})
    fragment_html = fragment.get_data(as_text=True)
    assert "<html" not in fragment_html
    for html in (opened, fragment_html):
        for code, (_letter_id, procedure, due) in late.letters.items():
            line = re.search(rf">{code}</a> trễ hạn: phải gửi phiếu xin lỗi \(hạn ([0-9/]+)\)(.*?)</div>", html, re.S)
            assert line is not None, code
            assert line.group(1) == due
            assert f"Thủ tục: {procedure}" in line.group(2)
            assert "Đơn vị giải quyết: Phòng Tư pháp" in line.group(2)
    assert "có phiếu xin lỗi phải gửi" not in page  # the old anonymous line is gone
    # Each line leads to its own letter's page (opening them read the group).
    assert _shown_letters(client, opened) == {code: letter_id for code, (letter_id, _p, _d) in late.letters.items()}
    assert db.session.scalar(sa.select(sa.func.count()).where(Notification.read_at.is_(None))) == 0
    letter_page = client.get(f"/dossiers/apology-letters/{late.letters['TP-2603-002'][0]}")
    assert letter_page.status_code == 200
    assert "TP-2603-002" in letter_page.get_data(as_text=True)


def test_marking_a_line_read_answers_with_the_line_still_naming_its_dossier(late, client):
    login(client, late.username)
    notification_id = db.session.scalar(
        sa.select(Notification.id).where(Notification.apology_letter_id == late.letters["TP-2603-002"][0]))
    marked = client.post(f"/notifications/{notification_id}/read", data={"csrf_token": csrf_token(client, "/")},
                         headers={"HX-Request": "true", "HX-Target": f"notification-{notification_id}"})
    assert marked.status_code == 200
    body = marked.get_data(as_text=True)
    assert ">TP-2603-002</a> trễ hạn" in body
    assert 'data-read="1"' in body
    # The line stood for the unit's two letters: both are read.
    assert db.session.scalar(sa.select(sa.func.count()).where(Notification.read_at.is_(None))) == 0


def test_the_digest_lists_each_letter_with_its_dossier_in_plain_text_and_html(late, smtp):
    smtp.start()
    send_reminders(at(TODAY, 7))
    [(recipients, message)] = smtp.messages
    assert recipients == [late.email]
    assert message["Subject"] == "Nhắc việc ngày 16/03/2026: 2 phiếu xin lỗi phải gửi"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "PHIẾU XIN LỖI PHẢI GỬI (2)" in plain
    # 10/03 → 16/03 is four working days (11, 12, 13, 16); 12/03 → 16/03 two.
    late_by = {"TP-2603-001": 4, "TP-2603-002": 2}
    for code, (letter_id, procedure, due) in late.letters.items():
        assert (f"- Hồ sơ {code}: {procedure}\n"
                f"  Đơn vị giải quyết: Phòng Tư pháp\n"
                f"  Hạn gửi phiếu xin lỗi: {due} (đã quá hạn {late_by[code]} ngày làm việc)\n"
                f"  Xem phiếu: {BASE_URL}/dossiers/apology-letters/{letter_id}") in plain
        assert f'<a href="{BASE_URL}/dossiers/apology-letters/{letter_id}">Hồ sơ {code}: {procedure}</a>' in html
        assert f"{due}<br><small>quá hạn {late_by[code]} ngày làm việc</small>" in html
    assert "VIỆC KHÁC" not in plain


def test_an_immediate_e_mail_names_its_dossier_in_the_subject(late, smtp):
    db.session.get(User, late.manager_id).email_mode = "immediate"
    commit()
    smtp.start()
    send_reminders(at(TODAY, 7))
    subjects = sorted(message["Subject"] for _recipients, message in smtp.messages)
    assert subjects == sorted(f"[Phải gửi phiếu xin lỗi] Hồ sơ {code}: {procedure} (hạn {due})"
                              for code, (_id, procedure, due) in late.letters.items())
    for _recipients, message in smtp.messages:
        plain = message.get_body(preferencelist=("plain",)).get_content()
        assert "PHIẾU XIN LỖI PHẢI GỬI (1)" in plain


def test_the_api_gives_each_reminder_its_letter_and_dossier_code(late, client):
    manager = db.session.get(User, late.manager_id)
    listed = client.get("/api/v1/notifications", headers=api_headers(manager)).json
    assert listed["total"] == 2
    assert {(item["kind"], item["task_id"], item["dossier_code"], item["apology_letter_id"])
            for item in listed["items"]} == {
        (APOLOGY_DUE, None, code, letter_id) for code, (letter_id, _p, _d) in late.letters.items()}
    assert {"id", "kind", "task_id", "created_at", "read"} <= set(listed["items"][0])  # API.md's fields stay


def test_a_corrected_dossier_that_is_not_late_takes_its_reminders_with_its_obligation(late):
    letter_id = late.letters["TP-2603-001"][0]
    dossier = db.session.scalar(sa.select(Dossier).where(Dossier.code == "TP-2603-001"))
    dossier.resolved_on = D(2026, 3, 9)  # the import corrected it: resolved before its due day
    db.session.flush()
    refresh_pending_obligations(TODAY)
    commit()
    assert db.session.get(ApologyLetter, letter_id) is None
    remaining = db.session.scalars(sa.select(Notification.apology_letter_id)).all()
    assert remaining == [late.letters["TP-2603-002"][0]]


def test_an_apology_e_mail_given_up_on_names_its_dossier_on_the_admins_jobs_page(late, smtp, app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    # No SMTP server listens: the one attempt allowed fails and the e-mails are given up on.
    assert send_reminders(at(TODAY, 7)).marked_failed == 2
    commit()
    admin = make_user("admin", None)
    commit()
    login(client, admin.username)
    page = client.get("/admin/jobs/").get_data(as_text=True)
    failed_table = page.split('id="failed-mail"', 1)[1].split("</table>", 1)[0]
    for code in late.letters:
        assert f"hồ sơ {code} (Phòng Tư pháp)" in failed_table
