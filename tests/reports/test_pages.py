"""The dashboards and report pages through the test client: their figures equal GET /api/v1/stats/units for
the same period, every figure links to a list of exactly that many tasks, and each page prints on A4."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import g

from kpi_tasks.tasks.status import STATUSES, WITHDRAWN
from tests.factories import api_headers, commit, login
from tests.reports.scenario import build_district

FIGURES = ["assigned", *[code for code in STATUSES if code != WITHDRAWN]]
STATUS_FIGURES = [code for code in FIGURES if code != "assigned"]
PERIODS = ["from=2026-03-01&to=2026-03-31", "from=2026-01-01&to=2026-12-31", "from=2026-03-02&to=2026-03-20"]


class Figures(HTMLParser):
    """Collects the figures a page marks with data-total / data-unit-id + data-figure, and their links."""

    def __init__(self) -> None:
        super().__init__()
        self.totals: dict[str, tuple[str, str | None]] = {}
        self.units: dict[int, dict[str, str]] = {}
        self.links: list[tuple[str, str]] = []  # (href, figure text)
        self._unit: int | None = None
        self._open: list[tuple[str, dict]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-unit-id" in attrs:
            self._unit = int(attrs["data-unit-id"])
            self.units[self._unit] = {}
        if tag == "a":
            self._href = attrs.get("href")
        if "data-figure" in attrs and "data-value" in attrs and self._unit is not None:
            self.units[self._unit][attrs["data-figure"]] = attrs["data-value"]
        self._open.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "tr":
            self._unit = None
        if self._open:
            self._open.pop()
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        if not self._open or not data.strip():
            return
        _tag, attrs = self._open[-1]
        if "data-total" in attrs:
            self.totals[attrs["data-total"]] = (data.strip(), self._href)
            if self._href:
                self.links.append((self._href, data.strip()))
        elif "data-figure" in attrs and self._unit is not None:
            self.units[self._unit][attrs["data-figure"]] = attrs.get("data-value", data.strip())
            if attrs.get("href"):
                self.links.append((attrs["href"], data.strip()))


def figures_of(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser


def number(text: str) -> int:
    return int(text.replace(".", ""))


def rows_behind(client, href: str) -> int:
    page = client.get(href)
    assert page.status_code == 200, href
    return number(figures_of(page.get_data(as_text=True)).totals["rows"][0])


@pytest.mark.parametrize("period", PERIODS)
def test_leader_dashboard_figures_equal_the_stats_api(client, app_ctx, period):
    district = build_district()
    commit()
    api = client.get(f"/api/v1/stats/units?{period}", headers=api_headers(district.leader)).json["items"]
    login(client, district.leader.username)
    page = client.get(f"/reports/?{period}")
    assert page.status_code == 200
    shown = figures_of(page.get_data(as_text=True))
    for figure in FIGURES:
        assert number(shown.totals[figure][0]) == sum(item[figure] for item in api), figure
    with_tasks = {item["unit_id"]: item for item in api if item["assigned"]}
    assert set(shown.units) == set(with_tasks)
    for unit_id, item in with_tasks.items():
        assert {figure: number(shown.units[unit_id][figure]) for figure in FIGURES} == {
            figure: item[figure] for figure in FIGURES}
        rate = shown.units[unit_id]["on_time_rate"]
        assert (float(rate) if rate else None) == item["on_time_rate"]


def test_every_figure_of_the_dashboards_links_to_a_list_of_that_many_tasks(client, app_ctx):
    district = build_district()
    commit()
    login(client, district.office.username)
    html = client.get("/reports/?from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    links = figures_of(html).links
    assert len(links) == len(FIGURES) + len(FIGURES) * 3  # the totals, and each of three units' row
    for href, text in links:
        assert urlsplit(href).path == "/reports/tasks"
        assert parse_qs(urlsplit(href).query)["from"] == ["2026-03-01"]
        assert rows_behind(client, href) == number(text), href
    unit_html = client.get(f"/reports/units/{district.commune.id}?from=2026-03-01&to=2026-03-31")
    unit_links = figures_of(unit_html.get_data(as_text=True)).links
    assert len(unit_links) == len(FIGURES)
    for href, text in unit_links:
        assert rows_behind(client, href) == number(text), href
    # The monthly trend's figures, in the table under the chart and on the chart's points.
    trend = html.split('class="table table-sm table-bordered small w-auto trend-table"')[1].split("</table>")[0]
    cells = re.findall(r'<a href="([^"]+)">(\d+)</a>', trend)
    assert len(cells) == 12
    for href, text in cells:
        assert rows_behind(client, href.replace("&amp;", "&")) == int(text), href
    assert sorted(re.findall(r'circle class="point"[^>]*data-value="(\d+)"', html)) == sorted(
        text for _href, text in cells)


def test_unit_dashboard_figures_equal_the_stats_api_and_show_the_rank(client, app_ctx):
    district = build_district()
    manager = district.manager(district.culture)
    commit()
    api = client.get(f"/api/v1/stats/units?{PERIODS[0]}&unit_id={district.culture.id}",
                     headers=api_headers(manager)).json["items"][0]
    login(client, manager.username)
    page = client.get(f"/reports/?{PERIODS[0]}")  # a unit user's "Báo cáo" is their unit's dashboard
    html = page.get_data(as_text=True)
    assert f'data-unit-id="{district.culture.id}"' in html
    shown = figures_of(html)
    shown_totals = {figure: number(shown.totals[figure][0]) for figure in FIGURES}
    assert shown_totals == {figure: api[figure] for figure in FIGURES}
    assert re.search(r'id="unit-rank" data-rank="3" data-of="3"', html)
    assert "Hạng 3/3" in html
    assert "33,33%" in html
    assert "Gửi danh sách cán bộ dự tập huấn" in html.split('id="due-soon"')[1].split("</section>")[0]
    assert "Tỷ lệ văn bản được ký số" in html
    assert "Đạt" in html
    assert html.count('<rect class="bar"') == 6
    assert html.count('<polyline class="line"') == 2
    # Another unit's dashboard is not theirs to read; the leader's neither.
    assert client.get(f"/reports/units/{district.justice.id}").status_code == 403
    assert client.get("/reports/monthly").status_code == 403


def test_leader_dashboard_draws_its_charts_and_kpis(client, app_ctx):
    district = build_district()
    commit()
    login(client, district.leader.username)
    html = client.get("/reports/").get_data(as_text=True)  # the current year by default
    assert "Tình hình thực hiện nhiệm vụ năm 2026" in html
    assert html.count('<rect class="bar"') == 3  # three units ranked
    assert re.search(r'<svg [^>]*class="chart chart-line"', html)
    assert html.count('<polyline class="line"') == 2
    assert 'id="kpi-status"' in html
    assert "Tỷ lệ văn bản được ký số" in html
    assert re.search(r'data-figure="met">1<', html)
    assert re.search(r'data-figure="not_met">1<', html)  # the commune has no figure: "no data", not "not met"
    assert re.search(r'data-figure="no_data">1<', html)
    assert "<script" not in html.split("<body")[1].split("</nav>")[1]  # charts need no script


def test_report_list_has_the_export_button_with_the_same_filters(client, app_ctx):
    district = build_district()
    commit()
    login(client, district.office.username)
    html = client.get("/reports/tasks?status=overdue&from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    assert "Trạng thái: Đang thực hiện quá hạn" in html
    button = re.search(r'href="(/reports/tasks\.xlsx\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(button).query) == {"status": ["overdue"], "from": ["2026-03-01"], "to": ["2026-03-31"]}
    download = client.get(button)
    assert download.status_code == 200
    assert download.data[:2] == b"PK"
    flashed = client.get("/reports/tasks?deadline_from=31-31-2026", follow_redirects=True).get_data(as_text=True)
    assert "không đúng dạng dd/mm/yyyy" in flashed


def test_monthly_report_page_and_downloads(client, app_ctx):
    district = build_district()
    commit()
    login(client, district.office.username)
    html = client.get("/reports/monthly?month=2026-03").get_data(as_text=True)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Chờ kinh phí tổ chức hội nghị" in html
    shown = figures_of(html)
    assert number(shown.totals["newly_overdue"][0]) == rows_behind(client, shown.totals["newly_overdue"][1]) == 3
    assert number(shown.totals["completed_late"][0]) == rows_behind(client, shown.totals["completed_late"][1]) == 1
    for name, mimetype in (("monthly.xlsx", "spreadsheetml"), ("monthly.docx", "wordprocessingml")):
        response = client.get(f"/reports/{name}?month=2026-03")
        assert response.status_code == 200
        assert mimetype in response.mimetype
        assert response.headers["Content-Disposition"] == f'attachment; filename="bao-cao-thang-2026-03.{name[-4:]}"'
    assert client.get("/reports/monthly.xlsx?month=2026-13").status_code == 422
    assert "không hợp lệ" in client.get("/reports/monthly?month=tháng ba", follow_redirects=True).get_data(as_text=True)


def test_report_pages_print_on_a4():
    css = (Path(__file__).resolve().parents[2] / "static" / "app.css").read_text()
    print_block = css.split("@media print")[1]
    assert "size: A4 landscape" in print_block
    for rule in (".report-page .chart-box", ".report-page thead { display: table-header-group; }",
                 ".report-page tr { break-inside: avoid; }"):
        assert rule in print_block
    assert ".chart-box svg.chart { max-width: 100%; height: auto; }" in css


def test_report_pages_carry_the_print_class_and_hide_their_controls(client, app_ctx):
    district = build_district()
    commit()
    login(client, district.office.username)
    for path in ("/reports/", f"/reports/units/{district.justice.id}", "/reports/tasks", "/reports/monthly"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="report-page"' in html, path
        forms = re.findall(r"<form method=\"get\"[^>]*>", html)
        assert all("d-print-none" in form for form in forms), path


def test_nav_links_to_the_reports(client, app_ctx):
    district = build_district()
    commit()
    login(client, district.leader.username)
    assert 'href="/reports/">Báo cáo</a>' in client.get("/").get_data(as_text=True)


def test_home_reports_a_units_page_and_the_monthly_report_tell_the_stats_apis_numbers(client, app_ctx):
    """One period rule everywhere: for the year (home's period, Báo cáo's default) and for March (the monthly
    report), every figure of every page equals GET /api/v1/stats/units for the same dates."""
    district = build_district()
    district.task("c_standing", district.culture, None, title="Theo dõi dư luận xã hội thường xuyên")
    manager = district.manager(district.culture)
    commit()

    def api(period: str) -> list[dict]:
        return client.get(f"/api/v1/stats/units?{period}", headers=api_headers(district.leader)).json["items"]

    def by_unit(items: list[dict]) -> dict[int, dict[str, int]]:
        return {item["unit_id"]: {figure: item[figure] for figure in FIGURES} for item in items if item["assigned"]}

    year, march = api(PERIODS[1]), api(PERIODS[0])
    assert sum(item["ongoing"] for item in year) == 1  # the standing task is counted in the period
    login(client, district.leader.username)
    pages = {
        "home": ("/", year, STATUS_FIGURES),
        "reports": (f"/reports/?{PERIODS[1]}", year, FIGURES),
        "monthly": ("/reports/monthly?month=2026-03", march, ["assigned", "in_progress", "overdue",
                                                              "awaiting_review", "done_on_time", "done_late"]),
    }
    for name, (path, items, totals) in pages.items():
        html = client.get(path).get_data(as_text=True)
        assert "hạn xử lý (kể cả sau gia hạn) hoặc ngày hoàn thành trong kỳ" in html, name
        shown = figures_of(html)
        assert {f: number(shown.totals[f][0]) for f in totals} == {
            f: sum(item[f] for item in items) for f in totals}, name
        expected = by_unit(items)
        assert set(shown.units) == set(expected), name
        for unit_id, figures in shown.units.items():
            assert {f: number(v) for f, v in figures.items() if f in FIGURES} == {
                f: expected[unit_id][f] for f in figures if f in FIGURES}, (name, unit_id)
    unit_page = figures_of(client.get(f"/reports/units/{district.culture.id}?{PERIODS[1]}").get_data(as_text=True))
    culture = by_unit(year)[district.culture.id]
    assert {f: number(unit_page.totals[f][0]) for f in FIGURES if f in unit_page.totals} == {
        f: culture[f] for f in FIGURES if f in unit_page.totals}
    vars(g).clear()  # the requests share the test's app context: forget the leader's cached login
    unit_client = client.application.test_client()
    login(unit_client, manager.username)
    unit_home = unit_client.get("/").get_data(as_text=True)
    shown = dict(re.findall(r'data-figure="(\w+)">([\d.]+)<', unit_home.split('id="unit-figures"')[1]))
    assert {f: number(v) for f, v in shown.items()} == {f: culture[f] for f in shown}
    assert set(shown) == set(FIGURES)
