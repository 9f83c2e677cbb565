"""Days the admin records in the calendar page change how deadlines in working days are counted."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.calendar.models import CalendarDay
from kpi_tasks.calendar.services import current_calendar, list_calendar_days
from kpi_tasks.extensions import db
from tests.factories import api_headers, commit, csrf_token, login, make_directive, make_unit, make_user

D = dt.date


@pytest.fixture
def world(app):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        office = make_user("office", username="vanphong")
        make_user("admin", username="quantri")
        directive = make_directive(office, issued_on=D(2026, 3, 16))  # a Monday
        ids = {"unit": unit.id, "directive": directive.id, "office": api_headers(office)}
        commit()
    return ids


def _task_deadline(client, world, working_days: int) -> str:
    answer = client.post(f"/api/v1/directives/{world['directive']}/tasks", headers=world["office"], json={
        "title": "Báo cáo kết quả rà soát", "lead_unit_id": world["unit"], "deadline_working_days": working_days})
    assert answer.status_code == 201, answer.json
    return answer.json["deadline"]


def _record(client, day: str, kind: str) -> None:
    answer = client.post("/admin/calendar/", data={"day": day, "kind": kind, "note": "Quyết định của UBND tỉnh",
                                                   "csrf_token": csrf_token(client, "/admin/calendar/")})
    assert answer.status_code == 303


def test_a_make_up_saturday_recorded_in_the_page_counts_as_a_working_day(app, client, world):
    # Five working days after Monday 16/03/2026: Tuesday to Friday, then Monday 23/03.
    assert _task_deadline(client, world, 5) == "2026-03-23"

    login(client, "quantri")
    _record(client, "21/03/2026", "working_day")
    page = client.get("/admin/calendar/?year=2026").get_data(as_text=True)
    assert "21/03/2026" in page
    with app.app_context():
        assert current_calendar().is_working_day(D(2026, 3, 21))

    assert _task_deadline(client, world, 5) == "2026-03-21"  # the Saturday is the fifth working day


def test_a_compensatory_day_off_recorded_in_the_page_is_skipped_and_deleting_it_restores_the_day(
        app, client, world):
    login(client, "quantri")
    _record(client, "20/03/2026", "day_off")
    assert _task_deadline(client, world, 4) == "2026-03-23"  # Tue, Wed, Thu, then Monday: Friday is off

    with app.app_context():
        day_id = db.session.scalar(sa.select(CalendarDay.id).where(CalendarDay.day == D(2026, 3, 20)))
    token = csrf_token(client, "/admin/calendar/")
    answer = client.post(f"/admin/calendar/{day_id}/delete", data={"csrf_token": token})
    assert answer.status_code == 303
    assert _task_deadline(client, world, 4) == "2026-03-20"


def test_a_wednesday_is_refused_as_a_make_up_working_day_and_the_form_keeps_it(app, client, world):
    login(client, "quantri")
    answer = client.post("/admin/calendar/", data={"day": "18/03/2026", "kind": "working_day", "note": "Nhầm",
                                                   "csrf_token": csrf_token(client, "/admin/calendar/")})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "phải là thứ Bảy hoặc Chủ nhật" in page
    assert 'value="18/03/2026"' in page
    with app.app_context():
        assert not list_calendar_days(2026)
