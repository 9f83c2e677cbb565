"""The progress chart in Debian chromium: drawn by the server, nothing fetched from outside."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.kpis.services import record_measurement, set_target
from tests.conftest import ARTIFACTS
from tests.factories import commit, make_office, make_unit, sign_in
from tests.kpis.helpers import APPENDIX_1, make_kpi

pytestmark = pytest.mark.browser


def test_progress_chart_renders_with_no_request_leaving_the_server(app, page, live_server):
    with app.app_context():
        office = make_office()
        kpi = make_kpi(office)
        units = [make_unit(name, "commune") for name, *_ in APPENDIX_1]
        set_target(kpi, office, period="2021", unit_kind="commune", target_value=85)
        set_target(kpi, office, period="2021", unit_id=units[0].id, target_value=92)  # Hoài Ân overridden
        for unit, (_name, done, total, *_dec) in zip(units, APPENDIX_1, strict=True):
            record_measurement(kpi, unit, dt.date(2021, 3, 19), numerator=done, denominator=total, actor=SYSTEM)
        kpi_id, username = kpi.id, office.username
        commit()

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, username)
    page.get_by_role("link", name="Chỉ tiêu", exact=True).click()
    page.get_by_role("link", name="Tỷ lệ bản sao chứng thực điện tử hoàn thành").click()
    page.get_by_label("Kỳ (2026, 2026-Q1, 2026-03)").fill("2021-Q1")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(f"**/kpis/{kpi_id}?period=2021-Q1")

    chart = page.locator("#progress-chart")
    chart.wait_for()
    assert chart.locator("g.bar").count() == len(APPENDIX_1)
    assert chart.locator("line.target-line").count() >= 2  # 92% for Hoài Ân, 85% for the others
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] > 600
    assert box["height"] > 300
    assert page.locator("#progress-total").inner_text().count("6.341") == 1
    ARTIFACTS.mkdir(exist_ok=True)
    chart.screenshot(path=str(ARTIFACTS / "kpi-progress-chart.png"))
    page.screenshot(path=str(ARTIFACTS / "kpi-progress-page.png"), full_page=True)

    assert requested, "the page made no request at all"
    outside = [url for url in requested if not url.startswith(live_server)]
    assert outside == [], f"requests left the server: {outside}"
