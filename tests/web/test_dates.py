"""Dates are typed and shown dd/mm/yyyy on every page: the forms' date field, and the date filters of the lists
and dashboards (whose links built by the application keep ISO dates in the URL)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from kpi_tasks.text import DATE_INPUT_ERROR, parse_user_date
from tests.factories import commit, form_post, login, make_directive, make_task, make_unit, make_user

D = dt.date


@pytest.mark.parametrize(("text", "day"), [
    ("30/03/2026", D(2026, 3, 30)),
    ("1/3/2026", D(2026, 3, 1)),
    ("30-03-2026", D(2026, 3, 30)),
    ("30.03.2026", D(2026, 3, 30)),
    (" 30/03/2026 ", D(2026, 3, 30)),
    ("2026-03-30", D(2026, 3, 30)),
    ("29/02/2028", D(2028, 2, 29)),
])
def test_user_dates_are_read_day_first_or_iso(text, day):
    assert parse_user_date(text) == day


@pytest.mark.parametrize("text", [
    "31/02/2026", "29/02/2026", "30/13/2026", "00/03/2026", "30/03/26", "30/03-2026", "2026/03/30", "03/30/2026",
    "30/03/0226", "", "hôm nay", "2026-3-30",
])
def test_unreadable_dates_are_refused(text):
    with pytest.raises(ValueError, match=f"^{re.escape(text)}$"):
        parse_user_date(text)


def _date_input(html: str, name: str) -> str:
    match = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    return match.group(0)


@pytest.fixture
def office(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")


def _directive_form(issued_on: str) -> dict[str, str]:
    return {"number": "35/UBND-TTHC", "kind": "cong_van", "issued_on": issued_on, "issuer": "UBND huyện Bình Sơn",
            "subject": "V/v cải cách hành chính", "parent_id": "0"}


def _directives(app) -> list[tuple[str, dt.date]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(sa.select(Directive.number, Directive.issued_on))]


def test_the_date_field_is_a_text_box_typed_day_first(client, office):
    html = client.get("/directives/new").get_data(as_text=True)
    assert 'type="date"' not in html
    box = _date_input(html, "issued_on")
    for attribute in ('type="text"', 'inputmode="numeric"', 'placeholder="dd/mm/yyyy"', 'autocomplete="off"'):
        assert attribute in box


def test_a_form_takes_a_day_typed_dd_mm_yyyy(app, client, office):
    response = form_post(client, "/directives/new", _directive_form("13/03/2026"), "/directives/new")
    assert response.status_code == 303
    assert _directives(app) == [("35/UBND-TTHC", D(2026, 3, 13))]


def test_a_day_that_does_not_exist_is_refused_in_vietnamese_and_kept_as_typed(app, client, office):
    response = form_post(client, "/directives/new", _directive_form("31/02/2026"), "/directives/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert DATE_INPUT_ERROR in html  # not "Chưa nhập ngày ban hành": something was typed
    assert "Chưa nhập ngày ban hành" not in html
    box = _date_input(html, "issued_on")
    assert 'value="31/02/2026"' in box
    assert "is-invalid" in box
    assert _directives(app) == []


def test_an_empty_required_day_says_it_is_missing(app, client, office):
    html = form_post(client, "/directives/new", _directive_form(""), "/directives/new").get_data(as_text=True)
    assert "Chưa nhập ngày ban hành (dd/mm/yyyy)." in html
    assert DATE_INPUT_ERROR not in html
    assert _directives(app) == []


def test_a_task_deadline_typed_wrong_is_refused_then_typed_right(app, client, office):
    with app.app_context():
        unit = make_unit("Phòng Tư pháp", code="TP")
        directive = make_directive()
        unit_id, directive_id = unit.id, directive.id
        commit()
    page = f"/tasks/new/{directive_id}"
    task = {"title": "Rà soát thủ tục", "lead_unit_id": str(unit_id), "deadline_kind": "date"}
    bad = form_post(client, page, {**task, "deadline": "31/02/2026"}, page)
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert DATE_INPUT_ERROR in html
    assert 'value="31/02/2026"' in _date_input(html, "deadline")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0

    created = form_post(client, page, {**task, "deadline": "30/03/2026"}, page)
    assert created.status_code == 303
    with app.app_context():
        task_id, deadline = db.session.execute(sa.select(Task.id, Task.deadline)).one()
    assert deadline == D(2026, 3, 30)
    edit = client.get(f"/tasks/{task_id}/edit").get_data(as_text=True)
    assert 'value="30/03/2026"' in _date_input(edit, "deadline")  # shown back day first


def test_the_task_list_filters_on_days_typed_dd_mm_yyyy(app, client, office):
    with app.app_context():
        unit = make_unit("Phòng Tư pháp", code="TP")
        make_task(unit, deadline=D(2026, 3, 10), title="Hạn mười")
        make_task(unit, deadline=D(2026, 3, 30), title="Hạn ba mươi")
        commit()
    html = client.get("/tasks/?deadline_from=20/03/2026&deadline_to=31/03/2026").get_data(as_text=True)
    assert "Hạn ba mươi" in html
    assert "Hạn mười" not in html
    assert 'type="date"' not in html
    assert 'value="20/03/2026"' in _date_input(html, "deadline_from")
    assert 'value="31/03/2026"' in _date_input(html, "deadline_to")
    # ISO, as links and older bookmarks carry it, reads the same; the box shows it day first
    iso = client.get("/tasks/?deadline_from=2026-03-20").get_data(as_text=True)
    assert "Hạn ba mươi" in iso
    assert "Hạn mười" not in iso
    assert 'value="20/03/2026"' in _date_input(iso, "deadline_from")


def test_a_bad_filter_day_is_reported_and_kept_as_typed(app, client, office):
    with app.app_context():
        make_task(make_unit("Phòng Tư pháp", code="TP"), deadline=D(2026, 3, 10), title="Hạn mười")
        commit()
    response = client.get("/tasks/?deadline_from=31/02/2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ngày “31/02/2026” không đúng dạng dd/mm/yyyy" in html
    box = _date_input(html, "deadline_from")
    assert 'value="31/02/2026"' in box
    assert "is-invalid" in box
    assert "Hạn mười" in html  # the filter is left out, the list still shows
    # the list as htmx reloads it when a filter changes: the message comes with the rows
    rows = client.get("/tasks/?deadline_to=30/02/2026", headers={"HX-Request": "true", "HX-Target": "task-rows"})
    assert "Ngày “30/02/2026” không đúng dạng dd/mm/yyyy" in rows.get_data(as_text=True)
    # and is not shown a second time on the next page
    assert "không đúng dạng" not in client.get("/tasks/").get_data(as_text=True)


def test_dashboard_and_scoring_periods_take_days_typed_dd_mm_yyyy(app, client):
    with app.app_context():
        make_user("leader", username="chutich")
        commit()
    login(client, "chutich")
    typed = client.get("/reports/?from=01/03/2026&to=31/03/2026").get_data(as_text=True)
    iso = client.get("/reports/?from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    assert "tháng 3/2026" in typed
    assert "tháng 3/2026" in iso
    assert 'type="date"' not in typed
    assert 'value="01/03/2026"' in _date_input(typed, "from")
    assert 'value="31/03/2026"' in _date_input(iso, "to")
    assert 'href="?from=2026-03-01&amp;to=2026-03-31"' in typed  # "Tháng này" keeps ISO in its link

    bad = client.get("/reports/?from=31/02/2026&to=31/03/2026").get_data(as_text=True)
    assert "Ngày “31/02/2026” không đúng dạng dd/mm/yyyy" in bad
    assert 'value="31/02/2026"' in _date_input(bad, "from")

    draft = client.get("/scoring/2026/draft?from=01/01/2026&to=31/03/2026").get_data(as_text=True)
    assert "Kỳ đánh giá 01/01/2026–31/03/2026" in draft
    assert 'value="01/01/2026"' in _date_input(draft, "from")
    assert 'type="date"' not in draft
