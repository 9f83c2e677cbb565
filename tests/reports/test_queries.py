"""Report queries: periods, ranking, the monthly trend, the lists behind the figures, the monthly report."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.reports.queries import (
    ReportFilters,
    ReportPeriod,
    completion_trend,
    kpi_statuses,
    make_period,
    monthly_report,
    parse_month,
    rank_units,
    report_rows_query,
    trend_months,
    unit_rank,
)
from kpi_tasks.tasks.queries import TaskFilters, status_totals, unit_stats
from kpi_tasks.tasks.status import STATUSES, WITHDRAWN
from tests.reports.scenario import MARCH, YEAR, build_district, d

TODAY = dt.date(2026, 3, 16)
FIGURES = ["assigned", *[code for code in STATUSES if code != WITHDRAWN]]


def count_rows(user, filters: ReportFilters) -> int:
    query = report_rows_query(user, filters, TODAY, 3).order_by(None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def test_parse_month_and_period_names():
    march = parse_month("2026-03")
    assert (march.start, march.end, march.label) == (d(3, 1), d(3, 31), "tháng 3/2026")
    assert parse_month("2024-02").end == dt.date(2024, 2, 29)
    for bad in ("2026-13", "03/2026", "2026-3", "", None):
        with pytest.raises(ValidationError) as error:
            parse_month(bad)
        assert "YYYY-MM" in error.value.message
    assert make_period(None, None, TODAY) == ReportPeriod(*YEAR, "year")
    assert make_period(*MARCH, TODAY).kind == "month"
    assert make_period(d(3, 2), d(3, 20), TODAY).label == "từ ngày 02/03/2026 đến ngày 20/03/2026"
    with pytest.raises(ValidationError):
        make_period(d(3, 20), d(3, 2), TODAY)


def test_ranking_shares_ranks_on_equal_rates_and_leaves_units_without_due_tasks_unranked():
    def item(name, rate, on_time=1):
        return {"unit_id": name, "unit_name": name, "on_time_rate": rate, "done_on_time": on_time}

    ranked = rank_units([item("B", 50.0), item("A", 100.0), item("C", 50.0), item("D", None), item("E", 20.0)])
    assert [(row["unit_name"], row["rank"]) for row in ranked] == [
        ("A", 1), ("B", 2), ("C", 2), ("E", 4), ("D", None)]
    assert unit_rank(ranked, "E").rank == 4
    assert unit_rank(ranked, "E").ranked_units == 4
    assert unit_rank(ranked, "D").rank is None


@pytest.mark.parametrize("period", [MARCH, YEAR, (None, None)], ids=["march", "year", "all"])
def test_every_figure_equals_the_number_of_rows_behind_it(app_ctx, period):
    """The list behind a figure (report_rows_query with the figure's filters) has exactly that many rows,
    per unit and in total — with recurring reports, withdrawn tasks, inactive units and confidential
    directives in the data."""
    district = build_district()
    date_from, date_to = period
    stats = unit_stats(TODAY, date_from, date_to)
    statistics_mode = date_from is not None
    for item in stats:
        for figure in FIGURES:
            status = None if figure == "assigned" else figure
            filters = ReportFilters(TaskFilters(status=status, unit_id=item["unit_id"], role="lead"),
                                    date_from, date_to)
            if not statistics_mode:  # without a period the list is GET /tasks's; check against a wide one
                filters = ReportFilters(filters.tasks, d(1, 1), dt.date(2099, 12, 31))
                if figure == "ongoing":
                    continue  # a standing task has no date, so a period never counts it
            assert count_rows(district.office, filters) == item[figure], (item["unit_name"], figure)
    if statistics_mode:
        totals = status_totals(stats)
        for figure in FIGURES:
            status = None if figure == "assigned" else figure
            assert count_rows(district.office, ReportFilters(TaskFilters(status=status), date_from, date_to)) == \
                totals[figure], figure


def test_march_figures_are_the_scenarios(app_ctx):
    district = build_district()
    stats = {item["unit_id"]: item for item in unit_stats(TODAY, *MARCH)}
    culture, justice, commune = (stats[unit.id] for unit in (district.culture, district.justice, district.commune))
    assert {key: culture[key] for key in FIGURES} == {
        "assigned": 6, "in_progress": 2, "overdue": 1, "awaiting_review": 1, "done_on_time": 1, "done_late": 1,
        "ongoing": 0}
    # The task due in April but done on 03/03 counts in March; the withdrawn one does not.
    assert (justice["assigned"], justice["done_on_time"], justice["overdue"]) == (3, 2, 1)
    # The weekly report counts by occurrence: 06/03 done, 13/03 overdue, 20/03 begun and in progress.
    assert (commune["assigned"], commune["done_on_time"], commune["overdue"], commune["in_progress"]) == (3, 1, 1, 1)
    assert district.closed.id not in stats


def test_rows_of_a_period_include_occurrences_and_leave_out_withdrawn_tasks(app_ctx):
    district = build_district()
    rows = db.session.execute(report_rows_query(
        district.office, ReportFilters(TaskFilters(unit_id=district.commune.id, role="lead"), *MARCH), TODAY, 3)).all()
    assert [(row.deadline, row.status) for row in rows] == [
        (d(3, 6), "done_on_time"), (d(3, 13), "overdue"), (d(3, 20), "in_progress")]
    assert all(row.occurrence_id for row in rows)
    justice = db.session.execute(report_rows_query(
        district.office, ReportFilters(TaskFilters(unit_id=district.justice.id, role="lead"), *MARCH), TODAY, 3)).all()
    assert "Nhiệm vụ giao nhầm" not in [row.title for row in justice]
    # Without a period the list is GET /tasks's: the weekly task as one task, the withdrawn one listed.
    plain = db.session.execute(report_rows_query(
        district.office, ReportFilters(TaskFilters(unit_id=district.justice.id, role="lead")), TODAY, 3)).all()
    assert "Nhiệm vụ giao nhầm" in [row.title for row in plain]


def test_unit_users_rows_stay_within_their_visibility(app_ctx):
    district = build_district()
    manager = district.manager(district.justice)
    rows = db.session.execute(report_rows_query(manager, ReportFilters(period_from=MARCH[0], period_to=MARCH[1]),
                                                TODAY, 3)).all()
    lead_units = {row.lead_unit_id for row in rows}
    # Its own tasks, and the culture task it coordinates.
    assert lead_units == {district.justice.id, district.culture.id}
    assert [row.title for row in rows if row.lead_unit_id == district.culture.id] == [
        "Rà soát thủ tục hành chính lĩnh vực văn hóa"]


def test_completion_trend_counts_completions_by_month(app_ctx):
    district = build_district()
    # Up to this month (the future has nothing to draw), and at least six months.
    first, last = trend_months(ReportPeriod(*YEAR, "year"), TODAY)
    assert (first, last) == (dt.date(2025, 10, 1), d(3, 1))
    points = completion_trend(TODAY, first, last)
    assert [(p.label, p.done_on_time, p.done_late) for p in points] == [
        ("10/2025", 0, 0), ("11/2025", 0, 0), ("12/2025", 0, 0), ("1/2026", 0, 0), ("2/2026", 0, 1),
        ("3/2026", 4, 1)]
    assert points[-1].on_time_rate == 80.0
    culture = completion_trend(TODAY, first, last, unit_id=district.culture.id)
    assert [(p.done_on_time, p.done_late) for p in culture[-2:]] == [(0, 0), (1, 1)]
    assert trend_months(ReportPeriod(dt.date(2024, 1, 1), dt.date(2026, 12, 31)), TODAY) == (
        dt.date(2024, 1, 1), d(3, 1))
    # A one-month period still draws six months, ending with it.
    assert trend_months(parse_month("2026-01"), TODAY) == (dt.date(2025, 8, 1), d(1, 1))


def test_monthly_report_sections(app_ctx):
    build_district()
    report = monthly_report("2026-03", TODAY, "UBND huyện Tây Sơn", 3)
    assert report.totals == status_totals(unit_stats(TODAY, *MARCH))
    assert [item["unit_name"] for item in report.ranked] == [
        "Phòng Tư pháp", "UBND xã Cát Tân", "Phòng Văn hóa và Thông tin"]  # 66,67%, 50%, 33,33%
    assert [row.title for row in report.newly_overdue] == [
        "Báo cáo công tác hộ tịch", "Rà soát thủ tục hành chính lĩnh vực văn hóa",
        "Thống kê tỷ lệ số hóa hồ sơ hàng tuần"]
    assert [row.title for row in report.completed_late] == ["Báo cáo kết quả số hóa hồ sơ quý I"]
    assert [(row.title, row.new_deadline, row.status) for row in report.extension_requests] == [
        ("Tổ chức hội nghị tập huấn chữ ký số", d(4, 15), "pending")]
    assert report.on_time_rate == round(4 * 100 / 8, 2)
    assert [item["unit_name"] for item in report.units_with_overdue] == [
        "Phòng Tư pháp", "Phòng Văn hóa và Thông tin", "UBND xã Cát Tân"]
    february = monthly_report("2026-02", TODAY, "UBND huyện Tây Sơn", 3)
    assert [row.title for row in february.completed_late] == ["Báo cáo tháng 1"]
    assert february.extension_requests == report.extension_requests  # still pending, so still reported


def test_kpi_status_counts_units_meeting_their_targets(app_ctx):
    build_district()
    [status] = kpi_statuses(ReportPeriod(*YEAR, "year"), TODAY)
    # The active departments (culture, justice and the one without tasks) have the target; culture meets it.
    assert (status.code, status.units_with_target, status.units_met, status.units_not_met) == ("KYSO", 3, 1, 1)
    assert status.units_without_data == 1  # a unit with a target and no figure is not counted "not met"
    assert status.actual_value == 72.5  # (95 + 50) / (100 + 100)
    assert status.period_label == "Năm 2026"
