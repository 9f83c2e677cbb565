"""What a user meets on the pages: a message instead of a server error, a way to every page, tables that scroll."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import MultiDict

from kpi_tasks import clock
from kpi_tasks.extensions import db
from kpi_tasks.tasks.forms import OccurrenceReportForm
from kpi_tasks.tasks.models import ProgressUpdate, Task
from tests.factories import commit, csrf_token, login, make_directive, make_task, make_unit, make_user


@pytest.fixture
def world(app):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        make_user("office", username="vanphong")
        make_user("unit_manager", unit, username="vhtt")
        directive = make_directive(issued_on=dt.date(2026, 2, 2))
        task = make_task(unit, directive=directive)
        ids = {"directive": directive.id, "task": task.id, "version": task.version}
        commit()
    return ids


@pytest.mark.parametrize("percent", ["150", "-5"])
def test_a_progress_outside_0_to_100_is_refused_with_its_message_not_a_server_error(app, client, world, percent):
    """The message ends in "100%": WTForms formats a custom NumberRange message with %, so a bare % was a 500."""
    login(client, "vhtt")
    path = f"/tasks/{world['task']}"
    response = client.post(f"{path}/updates", data={
        "progress_percent": percent, "note": "Đang rà soát", "version": str(world["version"]),
        "csrf_token": csrf_token(client, path)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tiến độ phải từ 0 đến 100%." in page
    assert 'value="Đang rà soát"' in page or "Đang rà soát</textarea>" in page  # what was typed stays
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 0
        assert db.session.get(Task, world["task"]).progress_percent == 0


def test_the_report_form_of_an_occurrence_refuses_150_percent_with_its_message(app):
    with app.test_request_context(method="POST"):
        form = OccurrenceReportForm(MultiDict({"progress_percent": "150", "note": "x"}), meta={"csrf": False})
        assert not form.validate()
        assert form.progress_percent.errors == ["Tiến độ phải từ 0 đến 100%."]


def test_a_directive_page_leads_to_its_files_and_back_to_the_list(app, client, world):
    login(client, "vanphong")
    page = client.get(f"/directives/{world['directive']}").get_data(as_text=True)
    assert f'href="/directives/{world["directive"]}/attachments"' in page
    assert 'href="/directives/"' in page
    assert client.get(f"/directives/{world['directive']}/attachments").status_code == 200


@pytest.mark.parametrize("path", ["/kpis/", "/directives/", "/admin/users", "/admin/units"])
def test_list_tables_scroll_inside_their_box_on_a_narrow_screen(app, client, world, path):
    """A table wider than a 390 px phone scrolls in its own box instead of widening the whole page."""
    with app.app_context():
        make_user("admin", username="quantri")
        commit()
    login(client, "quantri")
    page = client.get(path).get_data(as_text=True)
    start = page.index("<main")
    table = page.index("<table", start)
    assert page.rfind('<div class="table-responsive">', start, table) != -1


def test_a_database_error_while_signed_in_gives_the_vietnamese_503_page(app, client, world, monkeypatch):
    """The handler drops the session, so the page must not read the signed-in user's unit or notifications."""
    login(client, "vhtt")

    def failing_view():
        assert current_user.username == "vhtt"  # the user is loaded in the request's session, as every view does
        db.session.execute(sa.text("SELECT 1"))
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setitem(app.view_functions, "directives.index", failing_view)
    response = client.get("/directives/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "không kết nối được cơ sở dữ liệu" in page
    assert "Internal Server Error" not in page


@pytest.mark.parametrize(("role", "name"), [("unit_staff", "Việc được giao"), ("unit_manager", "Việc của đơn vị"),
                                            ("office", "Danh sách nhiệm vụ")])
def test_the_task_list_is_named_for_what_the_user_sees(app, client, role, name):
    with app.app_context():
        unit = make_unit("Phòng Tư pháp", code="TP")
        make_user(role, unit if role.startswith("unit") else None, username="nguoidung")
        commit()
    login(client, "nguoidung")
    page = client.get("/tasks/").get_data(as_text=True)
    assert f"<title>{name} · Theo dõi nhiệm vụ</title>" in page
    assert f'<h1 class="h4 d-print-none">{name}</h1>' in page  # on paper the title block names it


def test_opening_a_form_only_address_explains_what_to_do(app, client, world):
    """A GET leads to the form's page (tests/web/test_form_addresses.py); another method gets the 405 page."""
    login(client, "vhtt")
    response = client.put(f"/tasks/{world['task']}/updates")
    assert response.status_code == 405
    assert "Vui lòng quay lại trang trước rồi thực hiện lại." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/reports/monthly?month={year}-03", "/dossiers/?month={year}-03"])
def test_a_month_is_chosen_from_a_vietnamese_list_not_a_browser_month_box(app, client, world, path):
    """A month box is missing in some browsers and names the month in the browser's language in others."""
    with app.app_context():
        year = clock.today().year
    login(client, "vanphong")
    page = client.get(path.format(year=year)).get_data(as_text=True)
    assert 'type="month"' not in page
    assert f'<option value="{year}-03" selected>Tháng 3/{year}</option>' in page
    assert f'<option value="{year - 3}-01">Tháng 1/{year - 3}</option>' in page


def test_an_empty_filtered_task_list_says_the_filter_found_nothing(app, client, world):
    login(client, "vanphong")
    filtered = client.get("/tasks/?q=khong+co+viec+nay&status=").get_data(as_text=True)
    assert "Không có nhiệm vụ nào phù hợp với bộ lọc." in filtered
    assert ">Bỏ lọc</a>" in filtered
    unfiltered = client.get("/tasks/?q=&status=").get_data(as_text=True)
    assert ">Bỏ lọc</a>" not in unfiltered
    assert "phù hợp với bộ lọc" not in unfiltered
