"""Must show 1: each event on a task, made through the API, gives exactly one notice to each person it concerns
(`GET /api/v1/notifications`), and the local SMTP server receives one e-mail per person who chose immediate
delivery for that kind and one digest line for each of the others, also when the delivery job runs twice."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.extensions import db
from kpi_tasks.notifications.channels import CHANNELS
from kpi_tasks.notifications.delivery import send_reminders
from kpi_tasks.notifications.models import KIND_LABELS, Notification
from kpi_tasks.notifications.services import update_preferences
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import assign_staff
from tests.factories import api_headers, commit, make_directive, make_task, make_unit, make_user
from tests.notifications.helpers import MONDAY, at

DEADLINE = dt.date(2026, 3, 31)


@dataclass
class Office:
    """A small committee: the lead unit (manager, the officer handed the task, an idle officer), a coordinating
    unit, a unit the task may move to, two office users, the leader in charge and another leader."""

    users: dict[str, object]
    units: dict[str, object]
    task: Task
    directive_id: int

    def id(self, key: str) -> int:
        return self.users[key].id  # type: ignore[attr-defined]


def _office() -> Office:
    units = {"lead": make_unit("Phòng Văn hóa và Thông tin", code="VHTT"),
             "coord": make_unit("Phòng Tư pháp", code="TP"),
             "other": make_unit("UBND xã Châu Ổ", kind="commune", code="CHAUO")}
    users = {
        "lead_manager": make_user("unit_manager", units["lead"], "vhtt.giamdoc"),
        "lead_staff": make_user("unit_staff", units["lead"], "vhtt.chuyenvien"),
        "idle_staff": make_user("unit_staff", units["lead"], "vhtt.chuyenvien2"),
        "coord_manager": make_user("unit_manager", units["coord"], "tp.truongphong"),
        "other_manager": make_user("unit_manager", units["other"], "binhson.chutich"),
        "office1": make_user("office", None, "vanphong"),
        "office2": make_user("office", None, "vanphong2"),
        "leader": make_user("leader", None, "phochutich"),
        "other_leader": make_user("leader", None, "chutich"),
    }
    for user in users.values():
        user.email = f"{user.username}@ubnd.example.vn"
    directive = make_directive(users["office1"], issued_on=dt.date(2026, 3, 2))
    task = make_task(units["lead"], deadline=DEADLINE, directive=directive, coordinating=[units["coord"]],
                     title="Số hóa hồ sơ thủ tục hành chính", leader_id=users["leader"].id)
    assign_staff(task, users["lead_manager"], [users["lead_staff"].id])
    db.session.execute(sa.delete(Notification))  # the set-up's own notices are not under test here
    commit()
    return Office(users, units, task, directive.id)


def _post(client, office: Office, who: str, path: str, body: dict, status: int = 200) -> dict:
    response = client.post(path, json=body, headers=api_headers(office.users[who]))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def _assigned(client, office: Office) -> str:
    created = _post(client, office, "office1", f"/api/v1/directives/{office.directive_id}/tasks", {
        "title": "Tuyên truyền chuyển đổi số", "lead_unit_id": office.units["lead"].id,
        "coordinating_unit_ids": [office.units["coord"].id], "deadline": "2026-04-15",
        "leader_id": office.id("leader")}, 201)
    return created["title"]


def _awaiting_review(client, office: Office) -> str:
    _post(client, office, "lead_manager", f"/api/v1/tasks/{office.task.id}/updates",
          {"progress_percent": 100, "note": "Đã hoàn thành số hóa", "report_completed": True}, 201)
    return office.task.title


def _returned(client, office: Office) -> str:
    _awaiting_review(client, office)
    db.session.execute(sa.delete(Notification))
    commit()
    _post(client, office, "office1", f"/api/v1/tasks/{office.task.id}/review",
          {"decision": "return", "note": "Thiếu danh sách hồ sơ đã số hóa"})
    return office.task.title


def _extension_decided(client, office: Office) -> str:
    request = _post(client, office, "lead_staff", f"/api/v1/tasks/{office.task.id}/extension-requests",
                    {"new_deadline": "2026-04-30", "reason": "Chờ kinh phí"}, 201)
    db.session.execute(sa.delete(Notification))
    commit()
    _post(client, office, "other_leader", f"/api/v1/extension-requests/{request['id']}/decision",
          {"decision": "approve"})
    return office.task.title


def _direction(client, office: Office) -> str:
    _post(client, office, "other_leader", f"/api/v1/tasks/{office.task.id}/directions",
          {"text": "Khẩn trương hoàn thành trong tháng 3."}, 201)
    return office.task.title


def _reassigned(client, office: Office) -> str:
    task = office.task
    _post_patch = client.patch(f"/api/v1/tasks/{task.id}", json={
        "title": task.title, "lead_unit_id": office.units["other"].id, "coordinating_unit_ids": [],
        "deadline": DEADLINE.isoformat(), "leader_id": office.id("leader"), "version": task.version},
        headers=api_headers(office.users["office1"]))
    assert _post_patch.status_code == 200, _post_patch.get_data(as_text=True)
    return task.title


def _withdrawn(client, office: Office) -> str:
    _post(client, office, "office1", f"/api/v1/tasks/{office.task.id}/withdraw", {"note": "Không còn phù hợp"})
    return office.task.title


def _handed_over(client, office: Office) -> str:
    _post(client, office, "office1", f"/api/v1/tasks/{office.task.id}/reassign",
          {"lead_unit_id": office.units["other"].id, "note": "Đúng chức năng của đơn vị"})
    return office.task.title


CONCERNED = ("lead_manager", "lead_staff", "coord_manager", "leader")
# kind → (the event, made by…, who must hear of it)
CASES: dict[str, tuple[Callable, set[str]]] = {
    # A new task: every unit on it, and its leader in charge.
    "assigned": (_assigned, {"lead_manager", "coord_manager", "leader"}),
    "awaiting_review": (_awaiting_review, {"office1", "office2", "leader"}),
    # office1 returns it: not told of its own act.
    "returned": (_returned, {"lead_manager", "lead_staff", "leader"}),
    # The officer asked, another leader decided: the asker, the lead unit's head, the leader in charge.
    "extension_decided": (_extension_decided, {"lead_staff", "lead_manager", "leader"}),
    "direction": (_direction, {"lead_manager", "lead_staff", "leader"}),
    # The unit that takes it over and the one that leaves it; the officer stays listed on the task.
    "reassigned": (_reassigned, {"other_manager", "lead_manager", "leader"}),
    "withdrawn": (_withdrawn, {"lead_manager", "lead_staff", "coord_manager", "leader"}),
    # Handed over by the corrections' API rather than by editing the task: the same people hear of it.
    "reassigned_by_handover": (_handed_over, {"other_manager", "lead_manager", "leader"}),
}


# A case that makes an event of another case's kind another way.
KIND_OF = {"reassigned_by_handover": "reassigned"}


@pytest.mark.parametrize("case", list(CASES))
def test_each_event_tells_each_person_it_concerns_once_in_app_and_by_mail(app_ctx, client, smtp, case):
    office = _office()
    happen, concerned = CASES[case]
    kind = KIND_OF.get(case, case)
    # Half of those concerned want this kind at once; the others keep their daily digest.
    immediate = set(sorted(concerned)[: len(concerned) // 2 + 1])
    for key in immediate:
        user = office.users[key]
        update_preferences(user, "digest", user.email, {kind: "immediate"})  # type: ignore[arg-type]
    commit()

    title = happen(client, office)

    for key, user in office.users.items():
        listed = client.get("/api/v1/notifications", headers=api_headers(user)).json
        of_kind = [item for item in listed["items"] if item["kind"] == kind]
        assert len(of_kind) == (1 if key in concerned else 0), (key, listed["items"])
        assert listed["total"] == len(of_kind), (key, listed["items"])  # nothing else was said
    smtp.start()
    first = send_reminders(at(MONDAY, 9))
    second = send_reminders(at(MONDAY, 9, 5))
    assert second.messages_sent == 0
    assert first.messages_sent == len(concerned)
    label = KIND_LABELS[kind]
    by_address = {rcpts[0]: message for rcpts, message in smtp.messages}
    assert len(smtp.messages) == len(by_address) == len(concerned)  # one e-mail each, nobody twice
    for key in concerned:
        message = by_address[office.users[key].email]  # type: ignore[attr-defined]
        plain = message.get_body(preferencelist=("plain",)).get_content()
        if key in immediate:
            assert message["Subject"] == f"[{label}] {title}"
        else:
            assert message["Subject"].startswith("Nhắc việc ngày 16/03/2026: 1 việc mới")
        assert plain.count(f"- [{label}] {title}") == 1


def test_an_event_and_its_notices_are_one_transaction(app_ctx):
    office = _office()
    make_task(office.units["lead"], directive=db.session.get(type(office.task.directive), office.directive_id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1  # the lead unit's head
    db.session.rollback()  # the task is not given after all: nobody was told
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_the_bell_groups_by_task_and_kind_and_opening_a_line_reads_it(app_ctx, client):
    from kpi_tasks.tasks.services import give_direction
    from tests.factories import login

    office = _office()
    leader = office.users["other_leader"]
    for text in ("Báo cáo trước ngày 20/3.", "Phối hợp với Phòng Tư pháp."):
        give_direction(office.task, leader, text=text)  # type: ignore[arg-type]
    commit()
    login(client, "vhtt.giamdoc")
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count("data-notification-id=") == 1
    assert "Số hóa hồ sơ thủ tục hành chính: 2 ý kiến chỉ đạo" in page
    assert "Phối hợp với Phòng Tư pháp." in page  # the latest one's words
    latest = db.session.scalar(sa.select(sa.func.max(Notification.id)).where(
        Notification.recipient_id == office.id("lead_manager")))
    opened = client.get(f"/notifications/{latest}/open")
    assert opened.headers["Location"] == f"/tasks/{office.task.id}"
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Notification.recipient_id == office.id("lead_manager"), Notification.read_at.is_(None))) == 0
    assert 'data-unread="' not in client.get("/notifications/badge").get_data(as_text=True)


class _Noticeboard:
    """A second channel, as an SMS or Zalo one would be plugged: it keeps the letters it is given."""

    name = "noticeboard"
    unconfigured = "chưa có bảng tin"
    letters: list[tuple[str, str]] = []  # noqa: RUF012 - shared by the instances of one test

    configured = True

    def address(self):
        return User.username

    @contextlib.contextmanager
    def connect(self):
        yield self

    def send(self, user, letter) -> None:
        self.letters.append((user.username, letter.subject))


def test_another_channel_is_one_class_plugged_in(app_ctx, client, smtp, monkeypatch):
    office = _office()
    monkeypatch.setitem(CHANNELS, "noticeboard", _Noticeboard)
    monkeypatch.setitem(app_ctx.config, "NOTIFY_CHANNEL", "noticeboard")
    monkeypatch.setattr(_Noticeboard, "letters", [])
    update_preferences(office.users["lead_manager"], "immediate", "x@ubnd.example.vn")  # type: ignore[arg-type]
    commit()
    _direction(client, office)
    smtp.start()
    result = send_reminders(at(MONDAY, 9))
    assert result.messages_sent == 3
    assert sorted(_Noticeboard.letters) == [
        ("phochutich", "Nhắc việc ngày 16/03/2026: 1 việc mới"),
        ("vhtt.chuyenvien", "Nhắc việc ngày 16/03/2026: 1 việc mới"),
        ("vhtt.giamdoc", "[Ý kiến chỉ đạo] Số hóa hồ sơ thủ tục hành chính"),
    ]
    assert smtp.messages == []  # nothing went by e-mail


def test_the_settings_page_keeps_a_choice_per_kind(app_ctx, client):
    from kpi_tasks.notifications.services import kind_preferences
    from tests.factories import csrf_token, login

    office = _office()
    user = office.users["lead_staff"]
    login(client, user.username)  # type: ignore[attr-defined]
    token = csrf_token(client, "/notifications/settings")
    saved = client.post("/notifications/settings", data={
        "csrf_token": token, "email_mode": "digest", "email": "cv@ubnd.example.vn", "kind_assigned": "immediate",
        "kind_due_soon": "off", "kind_returned": ""})
    assert saved.status_code == 303
    assert kind_preferences(user) == {"assigned": "immediate", "due_soon": "off"}  # type: ignore[arg-type]
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert '<option selected value="immediate">' in page.split('id="kind_assigned"')[1][:400]
