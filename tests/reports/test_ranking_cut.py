"""The leader's dashboard lists the best DASHBOARD_UNIT_ROWS units (a province ranks 2,000) and links to the whole
ranking, its own page; the totals count every unit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient

from kpi_tasks.reports.views import DASHBOARD_UNIT_ROWS
from kpi_tasks.tasks.models import STATE_DONE, Task
from tests.factories import commit, login, make_directive, make_office, make_task, make_unit

PERIOD = "from=2026-01-01&to=2026-12-31"


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPI_TASKS_TODAY", "2026-06-15")


def _done_on_time(task: Task) -> None:
    task.state, task.completed_on = STATE_DONE, dt.date(2026, 3, 20)


def _ranking(page: str) -> list[str]:
    table = page.split('id="unit-ranking"')[1].split("</table>")[0]
    return re.findall(r'<tr data-unit-id="(\d+)"', table)


def _total_assigned(page: str) -> str:
    footer = page.split('id="unit-ranking"')[1].split("<tfoot")[1].split("</tfoot>")[0]
    return re.search(r"<td>Tổng cộng</td><td class=\"text-end\">([\d.]+)<", footer)[1]


def test_dashboard_lists_the_best_units_and_links_to_the_whole_ranking(app_ctx: object, client: FlaskClient) -> None:
    office = make_office()
    directive = make_directive(office)
    best = make_unit("Đơn vị đúng hạn")
    _done_on_time(make_task(best, deadline=dt.date(2026, 3, 31), directive=directive))
    _done_on_time(make_task(best, deadline=dt.date(2026, 4, 30), directive=directive))
    worst = make_unit("Đơn vị quá hạn")
    make_task(worst, deadline=dt.date(2026, 3, 31), directive=directive)  # overdue: 0%, ranked last
    others = [make_unit(f"Đơn vị {n:02d}") for n in range(DASHBOARD_UNIT_ROWS)]
    for unit in others:
        _done_on_time(make_task(unit, deadline=dt.date(2026, 3, 31), directive=directive))
    commit()
    login(client, office.username)
    units_with_tasks = len(others) + 2

    page = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)

    shown = _ranking(page)
    assert len(shown) == DASHBOARD_UNIT_ROWS
    assert shown[0] == str(best.id)
    assert str(worst.id) not in shown  # ranked, but below the rows shown
    assert _total_assigned(page) == str(units_with_tasks + 1)  # every unit's tasks, the ones not listed too
    more = page.split('id="more-units"')[1].split("</p>")[0]
    href = re.search(r'href="([^"]+)"', more)[1].replace("&amp;", "&")
    assert href.startswith("/reports/units?")
    assert "from=2026-01-01" in href
    assert "to=2026-12-31" in href
    assert f"{units_with_tasks} đơn vị" in more

    whole = client.get(href)
    assert whole.status_code == 200
    listed = _ranking(whole.get_data(as_text=True))
    assert len(listed) == units_with_tasks
    assert listed[:DASHBOARD_UNIT_ROWS] == shown
    assert listed[-1] == str(worst.id)
    assert _total_assigned(whole.get_data(as_text=True)) == str(units_with_tasks + 1)


def test_dashboard_with_few_units_lists_them_all_without_the_link(app_ctx: object, client: FlaskClient) -> None:
    office = make_office()
    directive = make_directive(office)
    units = [make_unit(f"Đơn vị {n}") for n in range(3)]
    for unit in units:
        make_task(unit, deadline=dt.date(2026, 12, 31), directive=directive)
    commit()
    login(client, office.username)

    page = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)

    assert sorted(_ranking(page)) == sorted(str(unit.id) for unit in units)
    assert 'id="more-units"' not in page
