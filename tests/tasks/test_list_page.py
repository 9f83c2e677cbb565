"""The task list page of the office (a province's 2,000 units in its unit filter): the unit filter's options are
kept between pages while the units are unchanged, and show any change to them on the next page; the page reads
what it shows in a bounded number of statements, whatever the number of units or tasks."""

from __future__ import annotations

import re

import pytest

from kpi_tasks.extensions import db
from kpi_tasks.tasks import views
from kpi_tasks.tasks.views import unit_filter_options
from kpi_tasks.units.queries import active_unit_names, active_unit_names_digested, active_units_digest
from tests.factories import commit, login, make_task, make_unit, make_user, root_office, sent_statements

# The page's statements for the office (the signed-in user and the calendar are read before, in the test's
# context): the total (the kept counts and this month's open tasks), the page's rows with their directive and
# lead unit, the units' digest (or rows, on SQLite), the unread notifications, the document identity. Not the
# rows' coordinating units or assignees, which the table does not show.
LIST_PAGE_STATEMENTS = 6


def _unit_select(page: str) -> str:
    return page.split('<select class="form-select" id="unit_id" name="unit_id"><option value="">Tất cả</option>')[1] \
        .split("</select>")[0].strip()


@pytest.fixture
def office_client(client):
    root_office()
    make_user("office", username="vanphong.list")
    commit()
    login(client, "vanphong.list")
    return client


def test_the_units_digest_changes_with_what_the_filter_shows(app_ctx):
    justice = make_unit("Sở Tư pháp")
    commune = make_unit('Xã "Tịnh" Khê & <Nghĩa>', kind="commune")
    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        assert active_units_digest() is None  # SQLite has no such hash: the options are written on every page
        assert active_unit_names_digested() == (active_unit_names(), None)
        return
    seen = [active_units_digest()]
    rows, digest = active_unit_names_digested()
    assert [(row.id, row.name, row.kind) for row in rows] == [tuple(row) for row in active_unit_names()]
    assert digest == seen[0]  # the rows' own digest

    def changed() -> None:
        db.session.commit()
        digest = active_units_digest()
        assert digest not in seen
        assert active_unit_names_digested()[1] == digest
        seen.append(digest)

    justice.name = "Sở Tư pháp tỉnh"
    changed()
    justice.name, commune.name = commune.name, justice.name  # the same names, on other units
    changed()
    commune.kind = "department"
    changed()
    commune.active = False
    changed()
    make_unit("Sở Nội vụ")
    changed()


def test_the_unit_filter_shows_every_change_to_the_units(app_ctx, office_client):
    justice = make_unit("Sở Tư pháp")
    make_unit("Sở Nội vụ")
    commit()
    views._UNIT_OPTIONS.clear()

    def shown(query: str = "") -> str:
        page = office_client.get(f"/tasks/{query}").get_data(as_text=True)
        select = _unit_select(page)
        selected = int(query.split("unit_id=")[1]) if "unit_id=" in query else None
        assert select == str(unit_filter_options(active_unit_names(), selected))  # as written fresh
        return select

    first = shown()
    assert "Sở Tư pháp" in first
    assert "selected" not in first
    assert shown() == first  # kept (PostgreSQL) or written again (SQLite): the same
    chosen = shown(f"?unit_id={justice.id}")
    assert re.findall(r'<option value="(\d+)" selected>', chosen) == [str(justice.id)]
    assert "selected" not in shown()  # the kept options carry no selection

    justice.name = "Sở Tư pháp tỉnh"
    commit()
    assert "Sở Tư pháp tỉnh" in shown()
    added = make_unit("Xã Tịnh Khê", kind="commune")
    commit()
    assert f'value="{added.id}"' in shown()
    added.active = False
    commit()
    assert f'value="{added.id}"' not in shown()
    if db.engine.dialect.name == "postgresql":
        assert len(views._UNIT_OPTIONS) <= views._UNIT_OPTIONS_KEPT


@pytest.mark.parametrize("units", [2, 12])
def test_the_list_page_reads_in_a_bounded_number_of_statements(app_ctx, office_client, units):
    made = [make_unit(kind="commune" if n % 2 else "department") for n in range(units)]
    for n, unit in enumerate(made):
        make_task(unit, coordinating=[made[n - 1]])
    commit()
    views._UNIT_OPTIONS.clear()
    office_client.get("/tasks/?status=in_progress")  # the options kept, as on a list read before
    with sent_statements() as sent:
        response = office_client.get("/tasks/?status=in_progress&page=1")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('<a href="/tasks/') == units
    assert len(sent) <= LIST_PAGE_STATEMENTS, sent
