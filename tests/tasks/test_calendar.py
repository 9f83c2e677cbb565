"""Lịch hạn xử lý: the month grid, following a task, and Must show 4: each user's iCalendar feed, read back with
the `icalendar` package, lists that user's deadlines and no one else's."""

from __future__ import annotations

import datetime as dt

import icalendar
import sqlalchemy as sa
from flask import g

from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.tasks.services import give_direction
from tests.factories import api_headers, commit, login, make_directive, make_task, make_unit, make_user


def _world():
    commune = make_unit("UBND xã Châu Ổ", kind="commune", code="CHAUO")
    other = make_unit("Phòng Tư pháp", code="TP")
    users = {
        "manager": make_user("unit_manager", commune, "binhson.chutich"),
        "leader": make_user("leader", None, "phochutich"),
        "chair": make_user("leader", None, "chutich"),
        "office": make_user("office", None, "vanphong"),
    }
    tasks = {
        "poor": make_task(commune, deadline=dt.date(2026, 3, 20), title="Rà soát hộ nghèo; cận nghèo, năm 2026",
                          leader_id=users["leader"].id),
        "weekly": make_task(commune, title="Báo cáo tuần về chuyển đổi số", deadline=None,
                            directive=make_directive(issued_on=dt.date(2026, 3, 16)),
                            recurrence="weekly:fri;until=2026-03-27"),
        "other": make_task(other, deadline=dt.date(2026, 3, 25), title="Chuẩn hóa dữ liệu hộ tịch"),
    }
    commit()
    return users, tasks


def _feed(client, user) -> icalendar.Calendar:
    created = client.post("/api/v1/calendar-feed", headers=api_headers(user))
    assert created.status_code == 201
    url = created.json["url"]
    assert url.startswith("http")
    answer = client.get(url[url.index("/feeds/"):])  # no session, no token header: the address is the key
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(answer.data)


def _events(calendar: icalendar.Calendar) -> list[tuple[str, dt.date]]:
    return sorted((str(event["SUMMARY"]), event.decoded("DTSTART")) for event in calendar.walk("VEVENT"))


def test_the_feed_parses_and_lists_the_users_deadlines(app_ctx, client):
    users, _tasks = _world()
    unit = _feed(client, users["manager"])
    # The commune's task and each period of its weekly report (Fridays 20/03 and 27/03); not the other unit's.
    assert _events(unit) == [
        ("Hạn: Báo cáo tuần về chuyển đổi số", dt.date(2026, 3, 20)),
        ("Hạn: Báo cáo tuần về chuyển đổi số", dt.date(2026, 3, 27)),
        ("Hạn: Rà soát hộ nghèo; cận nghèo, năm 2026", dt.date(2026, 3, 20)),
    ]
    event = next(e for e in unit.walk("VEVENT") if "hộ nghèo" in str(e["SUMMARY"]))
    assert event.decoded("DTEND") == dt.date(2026, 3, 21)  # an all-day event
    assert "Đơn vị chủ trì: UBND xã Châu Ổ" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/tasks/{_tasks['poor'].id}")
    # A leader: the tasks in their charge, and the ones they follow.
    assert _events(_feed(client, users["leader"])) == [("Hạn: Rà soát hộ nghèo; cận nghèo, năm 2026",
                                                        dt.date(2026, 3, 20))]
    assert _events(_feed(client, users["chair"])) == []
    assert client.post(f"/api/v1/tasks/{_tasks['other'].id}/watch", headers=api_headers(users["chair"])).json == {
        "task_id": _tasks["other"].id, "watching": True}
    assert _events(_feed(client, users["chair"])) == [("Hạn: Chuẩn hóa dữ liệu hộ tịch", dt.date(2026, 3, 25))]


def test_a_new_address_revokes_the_old_one_and_revoking_closes_the_feed(app_ctx, client):
    users, _tasks = _world()
    headers = api_headers(users["manager"])
    first = client.post("/api/v1/calendar-feed", headers=headers).json["url"]
    second = client.post("/api/v1/calendar-feed", headers=headers).json["url"]
    assert client.get(first[first.index("/feeds/"):]).status_code == 404
    assert client.get(second[second.index("/feeds/"):]).status_code == 200
    assert client.delete("/api/v1/calendar-feed", headers=headers).json == {"revoked": True}
    assert client.get(second[second.index("/feeds/"):]).status_code == 404
    assert client.get("/feeds/not-a-token.ics").status_code == 404


def test_followers_hear_of_the_tasks_events(app_ctx, client):
    users, tasks = _world()
    task = tasks["other"]
    client.post(f"/api/v1/tasks/{task.id}/watch", headers=api_headers(users["chair"]))
    give_direction(task, users["leader"], text="Hoàn thành trước ngày 25/3.")
    commit()
    told = set(db.session.scalars(sa.select(Notification.recipient_id).where(Notification.kind == "direction")))
    assert users["chair"].id in told
    client.delete(f"/api/v1/tasks/{task.id}/watch", headers=api_headers(users["chair"]))
    give_direction(task, users["leader"], text="Báo cáo kết quả.")
    commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Notification.kind == "direction", Notification.recipient_id == users["chair"].id)) == 1


def test_the_month_grid_shows_the_deadlines_by_day_with_their_status(app_ctx, client):
    users, tasks = _world()
    login(client, users["office"].username)
    page = client.get("/tasks/calendar?month=2026-03").get_data(as_text=True)
    assert "Lịch hạn xử lý tháng 3/2026" in page
    for task in (tasks["poor"], tasks["other"]):
        assert f'data-deadline="{task.id}"' in page
    only_commune = client.get(f"/tasks/calendar?month=2026-03&unit_id={tasks['poor'].lead_unit_id}")
    assert f'data-deadline="{tasks["other"].id}"' not in only_commune.get_data(as_text=True)
    vars(g).clear()  # the requests share the test's app context: forget the office's cached login
    leader = app_ctx.test_client()
    login(leader, users["leader"].username)  # a leader opens on what is in their charge
    page = leader.get("/tasks/calendar?month=2026-03").get_data(as_text=True)
    assert f'data-deadline="{tasks["poor"].id}"' in page
    assert f'data-deadline="{tasks["other"].id}"' not in page


def test_a_leaders_home_and_lists_filter_the_tasks_in_their_charge(app_ctx, client):
    users, tasks = _world()
    client.post(f"/api/v1/tasks/{tasks['other'].id}/watch", headers=api_headers(users["leader"]))
    listed = client.get("/api/v1/tasks?mine=1", headers=api_headers(users["leader"])).json
    assert sorted(item["id"] for item in listed["items"]) == sorted([tasks["poor"].id, tasks["other"].id])
    assert client.get("/api/v1/tasks?mine=1", headers=api_headers(users["chair"])).json["total"] == 0
    login(client, users["leader"].username)
    home = client.get("/").get_data(as_text=True)
    assert "Việc tôi phụ trách, theo dõi" in home.split('id="my-tasks"')[1][:100]
    mine = home.split('id="my-tasks"')[1].split("Nhiệm vụ quá hạn")[0]
    assert "Rà soát hộ nghèo" in mine
    assert "Chuẩn hóa dữ liệu hộ tịch" in mine
    assert "Báo cáo tuần về chuyển đổi số" not in mine
