"""Repeat offenders (late in consecutive months), the scoring sources, and the computed KPI rates."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.dossiers.models import ApologyLetter, Dossier
from kpi_tasks.dossiers.queries import (
    index_of,
    late_apology_letter_counts,
    repeat_late_month_counts,
    repeat_late_months,
    repeat_offenders,
)
from kpi_tasks.dossiers.services import import_dossiers, record_apology_letter
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import COMPUTED, KpiMeasurement
from kpi_tasks.kpis.services import get_kpi_by_code
from tests.dossiers.helpers import TODAY, D, make_dossier, make_units, row, write_xlsx
from tests.factories import make_unit, make_user


def test_unit_late_in_january_and_february_but_not_march_is_a_repeat_offender_for_jan_feb(app_ctx):
    tp, bt = make_units()
    other = make_unit("UBND xã Cát Tiến", kind="commune", code="CT")
    # TP: late dossiers due in January (two) and February (one); in March only an on-time one.
    make_dossier(tp, "TP-1", D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 14))
    make_dossier(tp, "TP-2", D(2026, 1, 5), D(2026, 1, 20))  # still unresolved
    make_dossier(tp, "TP-3", D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 10))
    make_dossier(tp, "TP-4", D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 9))
    # BT: late in January and March, not in February — no two months in a row.
    make_dossier(bt, "BT-1", D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 13))
    make_dossier(bt, "BT-2", D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 9))
    make_dossier(bt, "BT-3", D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 11))
    # CT: late in December 2025 and January 2026: a run across the new year.
    make_dossier(other, "CT-1", D(2025, 12, 1), D(2025, 12, 8), D(2025, 12, 9))
    make_dossier(other, "CT-2", D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 13))

    offenders = {offender.unit_code: offender for offender in repeat_offenders(TODAY, 2026)}

    assert set(offenders) == {"TP", "CT"}
    assert [run.months for run in offenders["TP"].runs] == [[(D(2026, 1, 1), 2), (D(2026, 2, 1), 1)]]
    assert (offenders["TP"].months, offenders["TP"].dossiers) == (2, 3)
    assert [run.months for run in offenders["CT"].runs] == [[(D(2025, 12, 1), 1), (D(2026, 1, 1), 1)]]
    assert repeat_late_months(tp.id, 2026, TODAY) == 2
    assert repeat_late_months(bt.id, 2026, TODAY) == 0
    assert repeat_late_months(other.id, 2026, TODAY) == 1
    assert repeat_late_months(other.id, 2025, TODAY) == 1
    assert repeat_late_month_counts(D(2026, 1, 1), D(2026, 12, 31)) == {tp.id: 2, other.id: 1}
    assert repeat_late_month_counts(D(2026, 2, 1), D(2026, 3, 31)) == {tp.id: 1}


def _late_months_history(units: list) -> dict[int, set[int]]:
    """Dossiers over 2024–2026 in a repeatable pattern (runs of every length, across the new years, single
    months, on-time and not-yet-due ones); returns each unit's late months (month indexes) as of TODAY."""
    pattern = random.Random(8)  # noqa: S311 - repeatable test data, not secrets
    late_months: dict[int, set[int]] = {unit.id: set() for unit in units}
    for unit in units:
        for index in range(2024 * 12, 2027 * 12):
            month = dt.date(index // 12, index % 12 + 1, 1)
            due = month + dt.timedelta(days=pattern.choice((0, 9, 27)))
            kind = pattern.random()
            if kind < 0.45:  # resolved late, or still open
                resolved = due + dt.timedelta(days=2) if due < TODAY and kind < 0.3 else None
            else:  # resolved on time, or not due yet
                resolved = due - dt.timedelta(days=1) if due < TODAY and kind < 0.9 else None
            db.session.add(Dossier(code=f"{unit.code}-{index}", unit_id=unit.id, received_on=due - dt.timedelta(days=5),
                                   due_on=due, effective_due_on=due, resolved_on=resolved))
            if (resolved is not None and resolved > due) or (resolved is None and due < TODAY):
                late_months[unit.id].add(index)
    db.session.flush()
    return late_months


def test_repeat_late_month_counts_read_one_month_either_side_and_count_as_over_all_time(app_ctx):
    units = [make_unit(f"UBND xã {n}", kind="commune", code=f"X{n}") for n in range(6)]
    late_months = _late_months_history(units)

    def expected(start: dt.date, end: dt.date) -> dict[int, int]:
        # A month counts when it is late and so is the month before or after it (a run of 2+), wherever
        # the run begins or ends.
        counts = {unit_id: sum(1 for index in range(start.year * 12 + start.month - 1, end.year * 12 + end.month)
                               if index in months and (index - 1 in months or index + 1 in months))
                  for unit_id, months in late_months.items()}
        return {unit_id: count for unit_id, count in counts.items() if count}

    periods = [(D(year, 1, 1), D(year, 12, 31)) for year in (2023, 2024, 2025, 2026, 2027)]
    periods += [(D(year, month, 1), D(year, month + 2, 28)) for year in (2024, 2025, 2026) for month in (1, 4, 7, 10)]
    periods += [(D(2025, month, 1), D(2025, month, 28)) for month in range(1, 13)]
    periods += [(D(2025, 12, 1), D(2026, 1, 31)), (D(2024, 6, 15), D(2026, 2, 10)), (D(2024, 1, 1), D(2026, 12, 31))]
    assert any(expected(start, end) for start, end in periods)
    for start, end in periods:
        assert repeat_late_month_counts(start, end) == expected(start, end), (start, end)
    for unit in units:
        for year in (2024, 2025, 2026):
            assert repeat_late_months(unit.id, year, TODAY) == expected(D(year, 1, 1), D(year, 12, 31)).get(unit.id, 0)
    # Repeat offenders still show whole runs, from their first month to their last.
    for offender in repeat_offenders(TODAY):
        months = late_months[offender.unit_id]
        for run in offender.runs:
            first, last = index_of(run.first), index_of(run.last)
            assert set(range(first, last + 1)) <= months
            assert first - 1 not in months
            assert last + 1 not in months


def test_repeat_late_month_counts_reads_only_the_months_around_the_period(app_ctx):
    tp, _bt = make_units()
    # Late every month of 2025: a run of twelve; the scan for March 2025 reads February to April only.
    for month in range(1, 13):
        make_dossier(tp, f"TP-{month}", D(2025, month, 1), D(2025, month, 10), D(2025, month, 12))
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert repeat_late_month_counts(D(2025, 3, 1), D(2025, 3, 31)) == {tp.id: 1}
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    (_statement, parameters), = statements
    bounds = {str(value)[:10] for value in (parameters.values() if isinstance(parameters, dict) else parameters)}
    assert {"2025-02-01", "2025-05-01"} <= bounds  # due from 1 February, before 1 May
    assert repeat_late_month_counts(D(2025, 1, 1), D(2025, 1, 31)) == {tp.id: 1}
    assert repeat_late_month_counts(D(2024, 12, 1), D(2024, 12, 31)) == {}


def test_late_apology_letters_for_scoring(app_ctx):
    tp, bt = make_units()
    manager = make_user("unit_manager", tp)
    on_time = make_dossier(tp, "A", D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 14))
    sent_late = make_dossier(tp, "B", D(2026, 1, 5), D(2026, 1, 13), D(2026, 1, 20))
    make_dossier(tp, "C", D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 12))  # never sent
    make_dossier(bt, "D", D(2026, 3, 2), D(2026, 3, 13))  # not sent, due 13/03
    letters = {letter.dossier.code: letter for letter in db.session.scalars(sa.select(ApologyLetter))}
    values = {"new_appointment_on": D(2026, 1, 30), "reason": "Chậm xác minh", "today": TODAY}
    record_apology_letter(letters[on_time.code], manager, issued_on=D(2026, 1, 12), **values)
    record_apology_letter(letters[sent_late.code], manager, issued_on=D(2026, 1, 15), **values)

    assert late_apology_letter_counts(D(2026, 1, 1), D(2026, 12, 31), TODAY) == {tp.id: 2, bt.id: 1}
    assert late_apology_letter_counts(D(2026, 1, 1), D(2026, 12, 31), D(2026, 3, 13)) == {tp.id: 2}
    assert late_apology_letter_counts(D(2026, 1, 1), D(2026, 1, 31), TODAY) == {tp.id: 1}


def _generated_file_rows() -> list[dict]:
    """February for TP and BT: a mix of on-time, late and unresolved dossiers in a repeatable pattern."""
    rows = []
    for n in range(60):
        received = D(2026, 2, 2) + dt.timedelta(days=n % 10)
        due = received + dt.timedelta(days=3)
        resolved = None if n % 6 == 0 else due + dt.timedelta(days=(n % 4) - 2)
        rows.append(row(f"R-{n:03d}", "TP" if n % 3 else "BT", received, due, resolved,
                        channel=("Trực tuyến", "Trực tiếp", "Bưu chính")[n % 3],
                        paid=("Có", "Không", "")[n % 3 if n % 5 else 2], digitised="Có" if n % 4 else "Không"))
    return rows


def test_computed_on_time_rate_equals_resolved_on_time_over_resolved_from_the_file(app_ctx, tmp_path):
    tp, bt = make_units()
    rows = _generated_file_rows()
    import_dossiers(write_xlsx(tmp_path / "feb.xlsx", rows), SYSTEM, file_name="feb.xlsx")

    kpi = get_kpi_by_code("TTHC_DUNG_HAN")
    assert (kpi.formula, kpi.aggregation) == ("ratio", "sum")
    measured = {m.unit_id: (m.numerator, m.denominator, m.period_end) for m in db.session.scalars(
        sa.select(KpiMeasurement).where(KpiMeasurement.kpi_id == kpi.id, KpiMeasurement.source == COMPUTED))}

    calendar = current_calendar()
    for unit in (tp, bt):
        mine = [r for r in rows if r["Đơn vị xử lý"] == unit.code and r["Ngày trả kết quả"] is not None
                and r["Ngày trả kết quả"].month == 2]
        # A due date on a day off (weekend, Tết) runs to the next working day.
        on_time = [r for r in mine if r["Ngày trả kết quả"] <= calendar.next_working_day(r["Ngày hẹn trả"])]
        assert measured[unit.id] == (len(on_time), len(mine), D(2026, 2, 28))
        assert 0 < len(on_time) < len(mine)


def test_online_payment_and_digitised_rates_by_month_of_receipt(app_ctx, tmp_path):
    tp, _ = make_units()
    rows = _generated_file_rows()
    import_dossiers(write_xlsx(tmp_path / "feb.xlsx", rows), SYSTEM, file_name="feb.xlsx")
    mine = [r for r in rows if r["Đơn vị xử lý"] == "TP"]

    def figures(code: str) -> tuple[int, int]:
        kpi = get_kpi_by_code(code)
        m = db.session.scalar(sa.select(KpiMeasurement).where(KpiMeasurement.kpi_id == kpi.id,
                                                              KpiMeasurement.unit_id == tp.id))
        return m.numerator, m.denominator

    assert figures("TTHC_TRUC_TUYEN") == (sum(r["Hình thức nộp"] == "Trực tuyến" for r in mine), len(mine))
    assert figures("TTHC_THANH_TOAN_TT") == (sum(r["Thanh toán trực tuyến"] == "Có" for r in mine),
                                             sum(r["Thanh toán trực tuyến"] != "" for r in mine))
    assert figures("TTHC_SO_HOA") == (sum(r["Số hóa"] == "Có" for r in mine), len(mine))


def test_rates_are_recomputed_only_for_what_an_import_changed(app_ctx, tmp_path):
    tp, _ = make_units()
    rows = _generated_file_rows()
    first = import_dossiers(write_xlsx(tmp_path / "a.xlsx", rows), SYSTEM, file_name="a.xlsx")
    again = import_dossiers(write_xlsx(tmp_path / "b.xlsx", rows), SYSTEM, file_name="b.xlsx")
    assert first.measurements > 0
    assert again.measurements == 0

    on_time = next(r for r in rows if r["Đơn vị xử lý"] == "TP" and r["Ngày trả kết quả"]
                   and r["Ngày trả kết quả"] <= r["Ngày hẹn trả"])
    on_time["Ngày trả kết quả"] = D(2026, 3, 2)  # now resolved late, in March
    kpi = get_kpi_by_code("TTHC_DUNG_HAN")

    def figures(period_end):
        m = db.session.scalar(sa.select(KpiMeasurement).where(
            KpiMeasurement.kpi_id == kpi.id, KpiMeasurement.unit_id == tp.id, KpiMeasurement.period_end == period_end))
        return (m.numerator, m.denominator) if m else None

    february = figures(D(2026, 2, 28))
    corrected = import_dossiers(write_xlsx(tmp_path / "c.xlsx", rows), SYSTEM, file_name="c.xlsx")
    assert corrected.updated == 1
    assert figures(D(2026, 2, 28)) == (february[0] - 1, february[1] - 1)
    assert figures(D(2026, 3, 31)) == (0, 1)
