"""The dashboards in Debian chromium: screenshots under test-artifacts/ showing the charts, drawn without a
single request leaving the server (the `page` fixture fails the test on any)."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.factories import commit, sign_in
from tests.reports.scenario import build_district

pytestmark = pytest.mark.browser


def test_leader_dashboard_shows_its_charts(app, page):
    with app.app_context():
        district = build_district()
        leader = district.leader.username
        justice = district.justice.id
        commit()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, leader)
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    page.wait_for_url("**/reports/")
    page.get_by_role("link", name="Tháng này").click()
    page.wait_for_url("**/reports/?from=2026-03-01&to=2026-03-31")
    ranking = page.locator("svg#ranking-chart")
    assert ranking.is_visible()
    assert ranking.locator("rect.bar").count() == 3
    assert ranking.locator("rect.bar").first.bounding_box()["width"] > 100  # 66,67% of the plot
    assert page.locator("svg#trend-chart polyline.line").count() == 2
    assert page.locator("svg#trend-chart circle.point").count() == 12
    assert page.locator("[data-total='overdue']").inner_text() == "3"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-leader-dashboard.png"), full_page=True)
    # A bar opens the unit's own page, with the figures behind its rate.
    page.locator("svg#ranking-chart rect.bar").first.click()
    page.wait_for_url(f"**/reports/units/{justice}?from=2026-03-01&to=2026-03-31")
    assert page.locator("[data-total='done_on_time']").inner_text() == "2"


def test_unit_dashboard_shows_its_charts_and_rank(app, page):
    with app.app_context():
        district = build_district()
        manager = district.manager(district.commune).username
        commit()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, manager)
    page.goto("/reports/?from=2026-03-01&to=2026-03-31")
    assert page.locator("#unit-rank").inner_text() == "Hạng 2/3"
    assert page.locator("svg#status-chart rect.bar").count() == 6
    assert page.locator("svg#unit-trend-chart polyline.line").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-unit-dashboard.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("form.d-print-none").first.is_hidden()
    assert page.locator("svg#status-chart").is_visible()
