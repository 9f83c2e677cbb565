"""The office's home ranks the units with the most overdue tasks first and shows the first 30 of them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient

from kpi_tasks.home.views import HOME_UNIT_ROWS
from tests.factories import commit, login, make_directive, make_office, make_task, make_unit


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPI_TASKS_TODAY", "2026-06-15")


def test_home_shows_the_units_with_most_overdue_first_and_links_to_the_whole_ranking(app_ctx: object,
                                                                                   client: FlaskClient) -> None:
    office = make_office()
    directive = make_directive(office)
    late_unit = make_unit("Phòng nhiều việc quá hạn")
    make_task(late_unit, deadline=dt.date(2026, 3, 31), directive=directive)
    make_task(late_unit, deadline=dt.date(2026, 4, 30), directive=directive)
    others = [make_unit(f"Đơn vị {n:02d}") for n in range(HOME_UNIT_ROWS + 2)]
    for unit in others:
        make_task(unit, deadline=dt.date(2026, 12, 31), directive=directive)
    commit()
    login(client, office.username)

    page = client.get("/").get_data(as_text=True)

    table = page.split('id="unit-stats"')[1].split("</table>")[0]
    rows = re.findall(r'<tr data-unit-id="(\d+)"', table)
    assert len(rows) == HOME_UNIT_ROWS
    assert rows[0] == str(late_unit.id)
    units_with_tasks = len(others) + 1
    assert f"{HOME_UNIT_ROWS} trong {units_with_tasks} đơn vị có nhiệm vụ" in page
    assert 'href="/reports/units?' in page.split('id="more-units"')[1].split("</p>")[0]
    # The total row still counts every unit's tasks, the ones not listed too.
    assert re.search(r"<td>Tổng cộng</td><td class=\"text-end\">" + str(units_with_tasks + 1) + "<", table)
