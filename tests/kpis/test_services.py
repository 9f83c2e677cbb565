"""KPI services and queries, called directly: targets and overrides, measurements, totals, scoring share."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.audit.models import AuditEvent
from kpi_tasks.errors import PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import DIRECTIONS, ENTERED, SOURCE_RANK, Kpi, KpiMeasurement, KpiTarget
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import (
    counted_clause,
    kpi_summaries,
    progress,
    targets_met_share,
    targets_met_share_by_unit,
    task_targets,
    unit_overview,
)
from kpi_tasks.kpis.services import create_kpi, link_targets, record_measurement, set_target
from kpi_tasks.kpis.values import actual_fraction, is_met, ratio_is_met, ratios_met, target_fraction
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit
from tests.factories import make_office, make_task, make_unit, make_user
from tests.kpis.helpers import make_kpi

Q1 = dt.date(2026, 3, 31)


def _units():
    departments = [make_unit(f"Phòng {name}", "department", code=code)
                   for code, name in (("TP", "Tư pháp"), ("VHTT", "Văn hóa và Thông tin"), ("NV", "Nội vụ"))]
    communes = [make_unit(f"UBND xã {name}", "commune", code=code)
                for code, name in (("BH", "Bình Hải"), ("BT", "Bình Trị"), ("BD", "Bình Dương"))]
    return departments, communes


def test_kind_targets_with_one_commune_overridden_give_each_unit_its_target_and_flag(app_ctx):
    office = make_office()
    kpi = make_kpi(office, code="KYSO", name="Tỷ lệ văn bản ký số", numerator_label="Số văn bản ký số",
                   denominator_label="Tổng số văn bản")
    (tp, vhtt, nv), (bh, bt, bd) = _units()
    set_target(kpi, office, period="2026", unit_kind="department", target_value=90)
    set_target(kpi, office, period="2026", unit_kind="commune", target_value=70)
    set_target(kpi, office, period="2026", unit_id=bd.id, target_value=80)
    figures = {tp: (95, 100), vhtt: (89, 100), nv: (90, 100), bh: (72, 100), bt: (69, 100), bd: (75, 100)}
    for unit, (numerator, denominator) in figures.items():
        record_measurement(kpi, unit, Q1, numerator=numerator, denominator=denominator, source="entered",
                           actor=office)

    rows = {row.unit_name: row for row in progress(kpi.id, "2026-Q1")}

    expected = {  # unit: (target, met) — the year's rate target holds for its first quarter
        tp.name: (90, True), vhtt.name: (90, False), nv.name: (90, True),
        bh.name: (70, True), bt.name: (70, False), bd.name: (80, False),
    }
    assert {name: (row.target_value, row.met) for name, row in rows.items()} == expected
    # Without the override, Bình Dương's 75% would meet the communes' 70%.
    assert rows[bd.name].actual_value == 75.0



def test_a_communes_own_departments_are_not_listed_under_the_provinces_kind_targets(app_ctx):
    office = make_office()
    kpi = make_kpi(office, code="KYSO", name="Tỷ lệ văn bản ký số")
    (tp, _vhtt, _nv), (bh, _bt, _bd) = _units()
    bh.is_committee = True
    commune_department = create_unit("BH-KT", "Phòng Kinh tế xã Bình Hải", "department", bh.id)
    set_target(kpi, office, period="2026", unit_kind="department", target_value=90)

    listed = {row.unit_name for row in progress(kpi.id, "2026-Q1").rows}
    assert tp.name in listed
    assert commune_department.name not in listed
    # Figures it reports are still shown, with the target of its kind.
    record_measurement(kpi, commune_department, Q1, numerator=9, denominator=10, source="entered", actor=office)
    rows = {row.unit_name: row for row in progress(kpi.id, "2026-Q1").rows}
    assert (rows[commune_department.name].target_value, rows[commune_department.name].met) == (90, True)

def test_exact_period_target_beats_the_enclosing_years(app_ctx):
    office = make_office()
    kpi = make_kpi(office)
    unit = make_unit(kind="commune")
    set_target(kpi, office, period="2026", unit_kind="commune", target_value=70)
    set_target(kpi, office, period="2026-Q1", unit_kind="commune", target_value=60)
    record_measurement(kpi, unit, Q1, numerator=65, denominator=100, actor=SYSTEM)
    assert [(row.target_value, row.met) for row in progress(kpi, "2026-Q1")] == [(60, True)]
    assert [(row.target_value, row.met) for row in progress(kpi, "2026")] == [(70, False)]


def test_setting_the_same_target_again_replaces_its_value(app_ctx):
    office = make_office()
    kpi = make_kpi(office)
    first = set_target(kpi, office, period="2026-Q1", unit_kind="commune", target_value=70)
    again = set_target(kpi, office, period="2026-q1", unit_kind="commune", target_value=75)
    assert again.id == first.id
    assert again.target_value == 75


@pytest.mark.parametrize(("values", "field"), [
    ({"unit_kind": "commune", "unit_id": None, "period": "2026-Q5", "target_value": 70}, "period"),
    ({"unit_kind": None, "unit_id": None, "period": "2026", "target_value": 70}, "unit_id"),
    ({"unit_kind": "hamlet", "unit_id": None, "period": "2026", "target_value": 70}, "unit_kind"),
    ({"unit_kind": "commune", "unit_id": None, "period": "2026", "target_value": 120}, "target_value"),
    ({"unit_kind": "commune", "unit_id": None, "period": "2026", "target_value": -1}, "target_value"),
])
def test_invalid_targets_are_refused_in_vietnamese(app_ctx, values, field):
    office = make_office()
    kpi = make_kpi(office)
    with pytest.raises(ValidationError) as raised:
        set_target(kpi, office, **values)
    assert field in raised.value.fields


def test_only_the_office_sets_targets_and_creates_kpis(app_ctx):
    unit = make_unit()
    manager = make_user("unit_manager", unit)
    kpi = make_kpi()
    with pytest.raises(PermissionDenied):
        set_target(kpi, manager, period="2026", unit_id=unit.id, target_value=90)
    with pytest.raises(PermissionDenied):
        create_kpi(manager, code="X", name="X", measure="%", formula="ratio", direction="at_least")


def test_kpi_accepts_the_issues_measure_words_and_a_ratio_is_a_percentage(app_ctx):
    office = make_office()
    kpi = create_kpi(office, code="DVC", name="Dịch vụ công trực tuyến", measure="%", formula="ratio",
                     direction="above")
    assert (kpi.measure, kpi.numerator_label, kpi.denominator_label) == ("percent", "Tử số", "Mẫu số")
    assert create_kpi(office, code="TIEN", name="Số tiền thanh toán", measure="VND", formula="value",
                      direction="at_least").measure == "vnd"
    with pytest.raises(ValidationError) as raised:
        create_kpi(office, code="BAD", name="Tỷ lệ đếm", measure="count", formula="ratio", direction="at_least")
    assert "measure" in raised.value.fields
    with pytest.raises(ValidationError) as raised:
        create_kpi(office, code="DVC", name="Trùng mã", measure="%", formula="ratio", direction="at_least")
    assert "code" in raised.value.fields


def test_recording_the_same_key_again_replaces_the_figures_and_logs_both(app_ctx):
    office = make_office()
    kpi = make_kpi(office)
    unit = make_unit()
    first = record_measurement(kpi, unit, Q1, numerator=5, denominator=10, source="entered", actor=office)
    second = record_measurement(kpi, unit, Q1, numerator=6, denominator=10, source="entered", actor=office)
    assert second.id == first.id
    assert (second.numerator, second.denominator) == (6, 10)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_type == "kpi_measurement")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["create", "update"]


def test_a_units_own_figure_beats_the_computed_one_for_the_same_day(app_ctx):
    kpi = make_kpi()
    unit = make_unit()
    record_measurement(kpi, unit, Q1, numerator=40, denominator=100, source="computed", actor=SYSTEM)
    assert progress(kpi, "2026-Q1").rows[0].actual_value == 40
    record_measurement(kpi, unit, Q1, numerator=55, denominator=100, source="entered",
                       actor=make_user("unit_manager", unit))
    assert progress(kpi, "2026-Q1").rows[0].actual_value == 55
    # Recomputing does not overwrite the unit's figure: both rows are kept.
    record_measurement(kpi, unit, Q1, numerator=41, denominator=100, source="computed", actor=SYSTEM)
    assert progress(kpi, "2026-Q1").rows[0].actual_value == 55
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiMeasurement)) == 2


def test_latest_kpis_take_the_last_figure_sum_kpis_add_the_periods_figures(app_ctx):
    office = make_office()
    cumulative = make_kpi(office, code="LUYKE")
    monthly = make_kpi(office, code="THANG", aggregation="sum")
    unit = make_unit()
    for kpi in (cumulative, monthly):
        record_measurement(kpi, unit, dt.date(2026, 1, 31), numerator=10, denominator=20, actor=SYSTEM)
        record_measurement(kpi, unit, dt.date(2026, 2, 28), numerator=30, denominator=40, actor=SYSTEM)
        record_measurement(kpi, unit, dt.date(2026, 4, 30), numerator=1, denominator=1, actor=SYSTEM)  # next quarter
    latest = progress(cumulative, "2026-Q1").rows[0]
    summed = progress(monthly, "2026-Q1").rows[0]
    assert (latest.numerator, latest.denominator, latest.as_of) == (30, 40, dt.date(2026, 2, 28))
    assert (summed.numerator, summed.denominator, summed.as_of) == (40, 60, dt.date(2026, 2, 28))


def test_totals_are_recomputed_from_the_sums_not_averaged(app_ctx):
    kpi = make_kpi()
    big, small = make_unit(), make_unit()
    record_measurement(kpi, big, Q1, numerator=900, denominator=1000, actor=SYSTEM)  # 90%
    record_measurement(kpi, small, Q1, numerator=1, denominator=10, actor=SYSTEM)  # 10%
    total = progress(kpi, "2026-Q1").total
    assert (total.numerator, total.denominator) == (901, 1010)
    assert total.actual_value == round(901 * 100 / 1010, 2)  # 89.21, where an average of rates says 50


def test_change_since_the_previous_period_and_ranking_direction(app_ctx):
    office = make_office()
    late = make_kpi(office, code="TREHAN", name="Tỷ lệ hồ sơ trễ hạn", direction="at_most")
    a, b = make_unit("Phòng A"), make_unit("Phòng B")
    record_measurement(late, a, dt.date(2025, 12, 31), numerator=10, denominator=100, actor=SYSTEM)
    record_measurement(late, a, Q1, numerator=4, denominator=100, actor=SYSTEM)
    record_measurement(late, b, Q1, numerator=2, denominator=100, actor=SYSTEM)
    table = progress(late, "2026-Q1")
    assert [row.unit_name for row in table.rows] == ["Phòng B", "Phòng A"]  # at most: the lowest rate ranks first
    assert table.rows[1].previous_actual_value == 10
    assert table.rows[1].change == -6
    assert table.previous == Period.parse("2025-Q4")


def test_value_kpis_in_money_add_up(app_ctx):
    office = make_office()
    kpi = create_kpi(office, code="TTTT", name="Tổng số tiền thanh toán trực tuyến", measure="VND",
                     formula="value", direction="at_least")
    a, b = make_unit(), make_unit()
    record_measurement(kpi, a, Q1, value=79_462_342, actor=SYSTEM)
    record_measurement(kpi, b, Q1, value=112_351_063, actor=SYSTEM)
    table = progress(kpi, "2026-Q1")
    assert table.total.actual_value == 191_813_405
    assert table.rows[0].actual_value == 112_351_063
    with pytest.raises(ValidationError):
        record_measurement(kpi, a, Q1, numerator=1, denominator=2, actor=SYSTEM)


@pytest.mark.parametrize(("numerator", "denominator", "field"), [
    (3, 0, "denominator"), (None, 10, "numerator"), (2.5, 10, "numerator"), (-1, 10, "numerator"),
])
def test_invalid_figures_are_refused(app_ctx, numerator, denominator, field):
    kpi = make_kpi()
    with pytest.raises(ValidationError) as raised:
        record_measurement(kpi, make_unit(), Q1, numerator=numerator, denominator=denominator, actor=SYSTEM)
    assert field in raised.value.fields


def test_no_dossier_at_all_is_recorded_without_a_rate(app_ctx):
    kpi = make_kpi()
    unit = make_unit()
    record_measurement(kpi, unit, Q1, numerator=0, denominator=0, actor=SYSTEM)
    row = progress(kpi, "2026-Q1").rows[0]
    assert (row.actual_value, row.met, row.has_data) == (None, None, True)


def test_a_unit_enters_figures_for_itself_only(app_ctx):
    kpi = make_kpi()
    own, other = make_unit(), make_unit()
    staff = make_user("unit_staff", own)
    record_measurement(kpi, own, Q1, numerator=1, denominator=2, source="entered", actor=staff)
    with pytest.raises(PermissionDenied):
        record_measurement(kpi, other, Q1, numerator=1, denominator=2, source="entered", actor=staff)


def test_targets_met_share_counts_each_applicable_target_once(app_ctx):
    office = make_office()
    signing = make_kpi(office, code="KYSO")
    online = make_kpi(office, code="DVCTT", direction="above")
    commune, other_commune = make_unit(kind="commune"), make_unit(kind="commune")
    set_target(signing, office, period="2026", unit_kind="commune", target_value=70)
    set_target(signing, office, period="2026", unit_id=commune.id, target_value=80)  # replaces the 70 for it
    set_target(online, office, period="2026-Q1", unit_kind="commune", target_value=50)
    set_target(online, office, period="2026-Q2", unit_kind="commune", target_value=50)
    set_target(online, office, period="2027", unit_kind="commune", target_value=50)  # outside the year
    record_measurement(signing, commune, Q1, numerator=85, denominator=100, actor=SYSTEM)  # 85 ≥ 80: met
    record_measurement(online, commune, Q1, numerator=50, denominator=100, actor=SYSTEM)  # 50 is not above 50
    # Q2 has no figure: not met.
    assert targets_met_share(commune.id, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == (1, 3)
    record_measurement(online, commune, dt.date(2026, 6, 30), numerator=51, denominator=100, actor=SYSTEM)
    assert targets_met_share(commune.id, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == (2, 3)
    assert targets_met_share(other_commune.id, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == (0, 3)
    assert targets_met_share(999_999, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == (0, 0)


def _share_one_query_per_unit(unit_id: int, period_start: dt.date, period_end: dt.date) -> tuple[int, int]:
    """The former per-unit query of `targets_met_share`, kept as the reference for the all-units one."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        return 0, 0
    t, k, m, own = aliased(KpiTarget), aliased(Kpi), aliased(KpiMeasurement), aliased(KpiTarget)
    has_own = sa.exists().where(own.kpi_id == t.kpi_id, own.unit_id == unit.id, own.period_kind == t.period_kind,
                                own.period_start == t.period_start)
    applies = sa.or_(t.unit_id == unit.id, sa.and_(t.unit_id.is_(None), t.unit_kind == unit.kind, ~has_own))
    query = (
        sa.select(t.id, t.target_value, k.formula, k.direction, sa.func.sum(m.numerator).label("numerator"),
                  sa.func.sum(m.denominator).label("denominator"), sa.func.sum(m.value).label("value"))
        .select_from(t)
        .join(k, k.id == t.kpi_id)
        .outerjoin(m, sa.and_(m.kpi_id == t.kpi_id, m.unit_id == unit.id,
                              counted_clause(m, k.aggregation, t.period_start, t.period_end)))
        .where(k.active.is_(True), t.period_start >= period_start, t.period_end <= period_end, applies)
        .group_by(t.id, t.target_value, k.formula, k.direction)
    )
    met = total = 0
    for row in db.session.execute(query).mappings():
        total += 1
        numerator = None if row["numerator"] is None else int(row["numerator"])
        denominator = None if row["denominator"] is None else int(row["denominator"])
        exact = actual_fraction(row["formula"], numerator, denominator, row["value"])
        met += bool(is_met(row["direction"], exact, row["target_value"]))
    return met, total


def test_targets_met_share_by_unit_gives_every_unit_the_figures_of_targets_met_share(app_ctx):
    office = make_office()
    signing = make_kpi(office, code="KYSO")
    online = make_kpi(office, code="DVCTT", direction="above")
    reports = make_kpi(office, code="BC", name="Số báo cáo chậm", measure="count", formula="value",
                       direction="at_most", aggregation="sum")
    retired = make_kpi(office, code="CU")
    (tp, vhtt, nv), (bh, bt, bd) = _units()
    closed = make_unit("UBND xã đã sáp nhập", "commune", code="SN")
    closed.active = False
    bare = make_unit("Trung tâm không có chỉ tiêu", "other", code="TT")
    # Kind targets, overridden for one unit for the year and for another unit for one quarter.
    set_target(signing, office, period="2026", unit_kind="department", target_value=90)
    set_target(signing, office, period="2026", unit_kind="commune", target_value=70)
    set_target(signing, office, period="2026", unit_id=bd.id, target_value=80)
    set_target(online, office, period="2026-Q1", unit_kind="commune", target_value=50)
    set_target(online, office, period="2026-Q2", unit_kind="commune", target_value=50)
    set_target(online, office, period="2026-Q2", unit_id=bh.id, target_value=40)
    set_target(online, office, period="2026-Q1", unit_id=tp.id, target_value=60)  # a department's own only
    set_target(online, office, period="2027", unit_kind="commune", target_value=50)  # outside the year
    set_target(online, office, period="2025-Q4", unit_kind="commune", target_value=50)  # before it
    # A summed count: at most 3 late reports in the first half, per quarter.
    set_target(reports, office, period="2026-Q1", unit_kind="department", target_value=3)
    set_target(reports, office, period="2026-Q2", unit_kind="department", target_value=3)
    set_target(retired, office, period="2026", unit_kind="commune", target_value=10)
    figures = {tp: (95, 100), vhtt: (89, 100), nv: (90, 100), bh: (72, 100), bt: (69, 100), bd: (85, 100),
               closed: (99, 100)}
    for unit, (numerator, denominator) in figures.items():
        record_measurement(signing, unit, Q1, numerator=numerator, denominator=denominator, actor=SYSTEM)
    # A unit's own entry beats the computed figure of the same day; a later figure beats an earlier one.
    record_measurement(signing, bt, Q1, numerator=75, denominator=100, source="entered", actor=office)
    record_measurement(signing, vhtt, dt.date(2026, 9, 30), numerator=91, denominator=100, actor=SYSTEM)
    record_measurement(online, tp, dt.date(2026, 2, 28), numerator=61, denominator=100, actor=SYSTEM)
    record_measurement(online, bh, Q1, numerator=51, denominator=100, actor=SYSTEM)
    record_measurement(online, bh, dt.date(2026, 6, 30), numerator=45, denominator=100, actor=SYSTEM)  # 45 > 40 (own)
    record_measurement(online, bt, dt.date(2026, 6, 30), numerator=45, denominator=100, actor=SYSTEM)  # 45 ≤ 50 (kind)
    record_measurement(online, bd, dt.date(2025, 12, 31), numerator=60, denominator=100, actor=SYSTEM)
    for unit, counts in ((tp, (1, 1)), (vhtt, (2, 2)), (nv, (0, 4))):  # sums of 2, 4 and 4 in the first quarter
        for day, count in zip((dt.date(2026, 1, 31), dt.date(2026, 2, 28)), counts, strict=True):
            record_measurement(reports, unit, day, value=count, actor=SYSTEM)
    record_measurement(reports, nv, dt.date(2026, 5, 31), value=3, actor=SYSTEM)
    retired.active = False
    db.session.flush()

    units = (tp, vhtt, nv, bh, bt, bd, closed, bare)
    for start, end in ((dt.date(2026, 1, 1), dt.date(2026, 12, 31)), (dt.date(2026, 1, 1), Q1),
                       (dt.date(2025, 1, 1), dt.date(2025, 12, 31)), (dt.date(2025, 10, 1), dt.date(2026, 6, 30))):
        shares = targets_met_share_by_unit(start, end)
        assert {unit.id: shares[unit.id] for unit in units} == {
            unit.id: targets_met_share(unit.id, start, end) for unit in units}, (start, end)
        assert {unit.id: shares[unit.id] for unit in units} == {
            unit.id: _share_one_query_per_unit(unit.id, start, end) for unit in units}, (start, end)
        assert set(shares) >= {unit.id for unit in units}
    year = targets_met_share_by_unit(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert {unit.code: year[unit.id] for unit in units} == {
        # signing (VHTT's September 91 counts), TP's own online Q1, reports Q1 (summed) and Q2 (none: not met)
        "TP": (3, 4), "VHTT": (1, 3), "NV": (2, 3),
        # signing (BT's own entry 75 beats the computed 69), online Q1 and Q2 (BH's own 40 for Q2); BD is
        # judged against its own 80
        "BH": (3, 3), "BT": (1, 3), "BD": (1, 3),
        "SN": (1, 3), "TT": (0, 0),
    }
    assert targets_met_share_by_unit(dt.date(2026, 1, 1), dt.date(2026, 12, 31), unit_id=bh.id) == {bh.id: (3, 3)}
    assert targets_met_share_by_unit(dt.date(2026, 1, 1), dt.date(2026, 12, 31), unit_id=999_999) == {}


def test_link_targets_sets_exactly_the_given_targets_and_refuses_another_tasks(app_ctx):
    office = make_office()
    kpi = make_kpi(office)
    unit = make_unit(kind="commune")
    task, other_task = make_task(unit), make_task(unit)
    kind_target = set_target(kpi, office, period="2026", unit_kind="commune", target_value=70)
    unit_target = set_target(kpi, office, period="2026", unit_id=unit.id, target_value=80)
    assert [t.id for t in link_targets(task, [kind_target.id, unit_target.id], actor=office)] == [
        kind_target.id, unit_target.id]
    assert kind_target.directive_id == task.directive_id
    link_targets(task, [unit_target.id], actor=office)
    assert (kind_target.task_id, unit_target.task_id) == (None, task.id)
    with pytest.raises(ValidationError) as raised:
        link_targets(other_task, [unit_target.id], actor=office)
    assert task.title in raised.value.fields["kpi_target_ids"]
    with pytest.raises(ValidationError):
        link_targets(task, [987654], actor=office)


def test_task_targets_show_the_latest_actual_of_unit_and_kind(app_ctx):
    office = make_office()
    kpi = make_kpi(office)
    a, b = make_unit(kind="commune"), make_unit(kind="commune")
    task = make_task(a)
    kind_target = set_target(kpi, office, period="2026", unit_kind="commune", target_value=70)
    unit_target = set_target(kpi, office, period="2026", unit_id=a.id, target_value=80)
    link_targets(task, [kind_target.id, unit_target.id], actor=SYSTEM)
    record_measurement(kpi, a, dt.date(2026, 1, 31), numerator=10, denominator=100, actor=SYSTEM)
    record_measurement(kpi, a, Q1, numerator=60, denominator=100, actor=SYSTEM)
    record_measurement(kpi, b, Q1, numerator=90, denominator=100, actor=SYSTEM)
    rows = {row.target.id: row for row in task_targets(task.id)}
    assert (rows[unit_target.id].actual_value, rows[unit_target.id].met) == (60, False)
    assert (rows[kind_target.id].numerator, rows[kind_target.id].denominator) == (150, 200)
    # The communes' total is 75% ≥ 70%, yet only b meets its target (a is held to its own 80%): not met.
    kind_row = rows[kind_target.id]
    assert (kind_row.actual_value, kind_row.units_reporting, kind_row.units_met, kind_row.units_judged) == (75, 2, 1, 2)
    assert kind_row.met is False


def test_unit_overview_lists_each_kpi_with_target_and_trend(app_ctx):
    office = make_office()
    kpi = make_kpi(office)
    unit = make_unit(kind="department")
    set_target(kpi, office, period="2026", unit_kind="department", target_value=90)
    for month, numerator in ((1, 80), (2, 85), (3, 92)):
        record_measurement(kpi, unit, dt.date(2026, month, 28), numerator=numerator, denominator=100, actor=SYSTEM)
    (row,) = unit_overview(unit, Period.parse("2026-Q1"))
    assert (row.actual_value, row.target_value, row.met) == (92, 90, True)
    assert [point.actual_value for point in row.trend] == [80, 85, 92]


def test_summaries_of_all_kpis_at_once_say_what_each_progress_table_counts(app_ctx):
    """kpi_summaries (the leader's dashboard, the monthly report) against `progress`, KPI by KPI: ratio and value
    KPIs, higher and lower is better, sum and latest, reported percentages, own and kind targets, a better source
    on the same day, a unit without a figure, one that reported only in the previous period, an inactive one."""
    office = make_office()
    departments, communes = _units()
    ratio = make_kpi(office, code="A_RATIO")
    late = make_kpi(office, code="B_LATE", name="Tỷ lệ trễ hạn", direction="at_most", aggregation="latest")
    money = create_kpi(office, code="C_MONEY", name="Số tiền", measure="VND", formula="value", direction="at_least")
    reported = create_kpi(office, code="D_REPORTED", name="Tỷ lệ tự báo cáo", measure="percent", formula="value",
                          direction="above", aggregation="latest")
    set_target(ratio, office, period="2026", target_value=90, unit_kind="department")
    set_target(ratio, office, period="2026", target_value=70, unit_kind="commune")
    set_target(ratio, office, period="2026", target_value=50, unit_id=communes[0].id)
    set_target(late, office, period="2026-Q1", target_value=5, unit_kind="department")
    set_target(money, office, period="2026-Q1", target_value=1_000_000, unit_kind="commune")
    set_target(reported, office, period="2026", target_value=80, unit_kind="department")
    for number, unit in enumerate([*departments, *communes], start=1):
        if unit is departments[2]:
            continue  # no figure this quarter: "no data", not "not met"
        record_measurement(ratio, unit, dt.date(2026, 1, 31), numerator=40 + 5 * number, denominator=60,
                           actor=SYSTEM)
        record_measurement(ratio, unit, Q1, numerator=30, denominator=40, actor=SYSTEM)
        record_measurement(late, unit, dt.date(2026, 2, 28), numerator=number, denominator=100, actor=SYSTEM)
        record_measurement(late, unit, Q1, numerator=2 * number, denominator=100, actor=SYSTEM)
        record_measurement(money, unit, Q1, value=300_000 * number, actor=SYSTEM)
        record_measurement(reported, unit, Q1, value=70 + 3.5 * number, actor=SYSTEM)
    record_measurement(late, departments[0], Q1, numerator=1, denominator=100, source=ENTERED, actor=SYSTEM)
    record_measurement(late, departments[2], dt.date(2025, 12, 31), numerator=9, denominator=100, actor=SYSTEM)
    gone = make_unit("Phòng đã giải thể")
    record_measurement(ratio, gone, Q1, numerator=1, denominator=2, actor=SYSTEM)
    gone.active = False
    db.session.flush()
    kpis = [ratio, late, money, reported]
    for code in ("2026-Q1", "2026-03", "2026", "2025-Q4", "2025"):
        period = Period.parse(code)
        summaries = kpi_summaries(kpis, period)
        for kpi in kpis:
            table = progress(kpi, period)
            total = table.total
            summary = summaries[kpi.id]
            assert (summary.units_reporting, summary.units_with_target, summary.units_met, summary.units_judged,
                    summary.actual_value) == (total.units_reporting, total.units_with_target, total.units_met,
                                              total.units_judged, total.actual_value), (code, kpi.code)
            in_force = {(row.target_value, row.unit_kind) for row in table.rows if row.target_value is not None}
            assert {(value, kind) for value, kinds in summary.targets for kind in kinds} == in_force
    year = kpi_summaries(kpis, Period.parse("2026"))
    # Six active units and the closed one that still reported; one active unit without a figure.
    assert year[ratio.id].units_with_target == 7
    assert year[ratio.id].units_judged == 6
    assert 0 < year[ratio.id].units_met < 6
    assert kpi_summaries([], Period.parse("2026")) == {}


@pytest.mark.parametrize("direction", ["at_least", "above", "at_most", "below"])
def test_a_ratio_judged_in_whole_numbers_agrees_with_the_exact_rule(direction):
    for target in (90.0, 90.1, 33.33, 66.67, 0.0, 100.0):
        goal = target_fraction(target)
        for denominator in range(1, 41):
            for numerator in range(denominator + 1):
                expected = is_met(direction, actual_fraction("ratio", numerator, denominator, None), target)
                assert ratio_is_met(direction, numerator, denominator, goal) == expected, (target, numerator,
                                                                                            denominator)
    assert ratio_is_met(direction, None, 10, target_fraction(90)) is None
    assert ratio_is_met(direction, 3, 0, target_fraction(90)) is None


@pytest.mark.parametrize("direction", ["at_least", "above", "at_most", "below"])
def test_ratios_judged_together_count_what_each_judged_alone_says(direction):
    """`ratios_met` (the dashboard's loop) against `ratio_is_met` figure by figure, on random figures with empty
    denominators and missing numerators among them."""
    rng = random.Random(f"ratios-{direction}")  # noqa: S311 - a reproducible sequence, not a secret
    for target in (90.0, 90.1, 33.33, 66.67, 0.0, 100.0):
        goal = target_fraction(target)
        figures = [(rng.choice((None, *range(0, 12))), rng.choice((None, 0, *range(1, 12)))) for _ in range(400)]
        verdicts = [ratio_is_met(direction, numerator, denominator, goal) for numerator, denominator in figures]
        expected = (sum(verdict is not None for verdict in verdicts), sum(verdict is True for verdict in verdicts))
        assert ratios_met(direction, goal, figures) == expected, target
        assert 0 < expected[0] < len(figures)


@pytest.mark.parametrize("aggregation", ["latest", "sum"])
@pytest.mark.parametrize("sources", [[*SOURCE_RANK, "legacy", "other"], ["computed"]])
def test_counted_figures_take_each_days_best_source_as_a_plain_reading_of_the_rule_does(app_ctx, aggregation,
                                                                                        sources):
    """Random days reported by random sets of sources (one the ranking does not know, written directly), or by one
    source only (kpi_summaries then leaves the check out), against the rule read in Python: per day the best-ranked
    source counts (an unknown source is beaten by any known one, ties all count); a latest KPI takes the period's
    last day, a sum KPI every day."""
    rng = random.Random(f"counted-{aggregation}-{len(sources)}")  # noqa: S311 - a reproducible sequence, not a secret
    kpi = make_kpi(aggregation=aggregation)
    units = [make_unit(f"Đơn vị {index}", "department", code=f"DV{index}") for index in range(8)]
    days = [dt.date(2026, month, 28) for month in (1, 2, 3, 4)]  # the last one lies outside Q1
    rows = []
    for unit in units:
        for day in rng.sample(days, rng.randint(0, len(days))):
            for source in rng.sample(sources, rng.randint(1, min(3, len(sources)))):
                numerator = rng.randint(0, 50)
                rows.append((unit.id, day, source, numerator, numerator + rng.randint(0, 50)))
    db.session.add_all(KpiMeasurement(kpi_id=kpi.id, unit_id=unit_id, period_end=day, source=source,
                                      numerator=numerator, denominator=denominator)
                       for unit_id, day, source, numerator, denominator in rows)
    db.session.commit()

    period = Period.parse("2026-Q1")
    expected = {}
    for unit in units:
        mine = [row for row in rows if row[0] == unit.id and period.start <= row[1] <= period.end]
        if not mine:
            continue
        counted_days = {max(row[1] for row in mine)} if aggregation == "latest" else {row[1] for row in mine}
        counted = []
        for day in counted_days:
            of_day = [row for row in mine if row[1] == day]
            best = min(SOURCE_RANK.get(row[2], len(SOURCE_RANK) + 1) for row in of_day)
            counted += [row for row in of_day if SOURCE_RANK.get(row[2], len(SOURCE_RANK) + 1) == best]
        expected[unit.id] = (sum(row[3] for row in counted), sum(row[4] for row in counted), max(counted_days))

    table = progress(kpi, period)
    assert {row.unit_id: (row.numerator, row.denominator, row.as_of) for row in table if row.has_data} == expected
    assert len(expected) >= 4  # the draw reports for most units
    summary = kpi_summaries([kpi], period)[kpi.id]
    numerator, denominator = (sum(figures[position] for figures in expected.values()) for position in (0, 1))
    assert summary.units_reporting == len(expected)
    assert summary.actual_value == round(float(actual_fraction("ratio", numerator, denominator, None)), 2)


@pytest.mark.parametrize("seed", range(4))
def test_summaries_on_random_figures_and_targets_say_what_each_progress_table_counts(app_ctx, seed):
    """kpi_summaries (the dashboard's loop over the 8,000 (KPI, unit) rows of a province) against `progress` on
    random data: ratio KPIs of every direction and both aggregations, a value KPI, kind and own targets of
    awkward values for the year and the quarter, units without a figure, one that reported in the previous period
    only, an inactive one and a commune's own department. (A figure of 0 of 0 is left out: the progress table's
    total counts it judged and not met, the summary "no data"; the two disagree on it as they did before.)"""
    rng = random.Random(f"summaries-{seed}")  # noqa: S311 - a reproducible sequence, not a secret
    office = make_office()
    kinds = ("department", "commune", "village", "other")
    units = [make_unit(f"Đơn vị {index}", rng.choice(kinds), code=f"DV{index}") for index in range(14)]
    commune = units[0]
    commune.is_committee = True
    units.append(create_unit("DV-XA", "Phòng của xã", "department", commune.id))
    units[1].active = False
    db.session.flush()
    kpis = [make_kpi(office, code=f"TL{index}", name=f"Tỷ lệ {index}", direction=rng.choice(DIRECTIONS),
                     aggregation=rng.choice(("latest", "sum"))) for index in range(4)]
    kpis.append(create_kpi(office, code="GT", name="Giá trị", measure="VND", formula="value",
                           direction=rng.choice(DIRECTIONS), aggregation=rng.choice(("latest", "sum"))))
    goals = (0, 33.33, 50, 66.67, 75, 90.1, 100)
    for kpi in kpis:
        for kind in rng.sample(kinds, rng.randint(1, len(kinds))):
            set_target(kpi, office, period=rng.choice(("2026", "2026-Q1")), unit_kind=kind,
                       target_value=rng.choice(goals) if kpi.is_ratio else rng.randint(0, 100))
        for unit in rng.sample(units, 3):
            set_target(kpi, office, period=rng.choice(("2026", "2026-Q1")), unit_id=unit.id,
                       target_value=rng.choice(goals) if kpi.is_ratio else rng.randint(0, 100))
    days = [dt.date(2025, 11, 30), dt.date(2025, 12, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28), Q1,
            dt.date(2026, 4, 30)]
    for kpi in kpis:
        for unit in rng.sample(units, rng.randint(len(units) // 2, len(units))):
            for day in rng.sample(days, rng.randint(1, 3)):
                denominator = rng.choice((1, 3, 7, 40, 100))
                db.session.add(KpiMeasurement(
                    kpi_id=kpi.id, unit_id=unit.id, period_end=day, source="computed",
                    numerator=rng.randint(0, denominator) if kpi.is_ratio else None,
                    denominator=denominator if kpi.is_ratio else None,
                    value=None if kpi.is_ratio else rng.randint(0, 100) / rng.choice((1, 3, 7))))
    db.session.commit()

    for code in ("2026-Q1", "2026-03", "2026"):
        period = Period.parse(code)
        summaries = kpi_summaries(kpis, period)
        for kpi in kpis:
            table = progress(kpi, period)
            total, summary = table.total, summaries[kpi.id]
            assert (summary.units_reporting, summary.units_with_target, summary.units_met, summary.units_judged,
                    summary.actual_value) == (total.units_reporting, total.units_with_target, total.units_met,
                                              total.units_judged, total.actual_value), (code, kpi.code)
            in_force = {(row.target_value, row.unit_kind) for row in table.rows if row.target_value is not None}
            assert {(value, kind) for value, kinds_of in summary.targets for kind in kinds_of} == in_force
    quarter = kpi_summaries(kpis, Period.parse("2026-Q1"))
    assert sum(summary.units_judged for summary in quarter.values()) > 10  # the draw judges units
