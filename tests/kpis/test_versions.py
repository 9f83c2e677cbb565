"""The KPI summaries remembered per KPI data version (kpis/versions.py): whatever writes the data — a flush, a
statement around the ORM, a unit's change — the next read is the fresh figure; a rolled-back write changes nothing;
and the remembered answer is the same as a fresh computation. PostgreSQL only (SQLite remembers nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.kpis import versions
from kpi_tasks.kpis.models import ENTERED, KpiMeasurement, KpiTarget
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import target_counts_by_unit
from kpi_tasks.units.models import Unit
from tests.factories import make_office, make_unit
from tests.kpis.helpers import make_kpi

D = dt.date
YEAR = (D(2026, 1, 1), D(2026, 12, 31))


@pytest.fixture
def remembering(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the KPI data version is PostgreSQL's (SQLite remembers nothing)")
    with db.engine.begin() as connection:
        versions.start(connection)
    target_counts_by_unit.forget()
    yield
    target_counts_by_unit.forget()


def _fresh() -> dict[int, tuple[int, int]]:
    return target_counts_by_unit.__wrapped__(*YEAR)


def test_a_remembered_summary_follows_every_write(remembering):
    office = make_office()
    kpi = make_kpi(office, code="DVC", name="Dịch vụ công", formula="ratio", measure="percent", direction="at_least",
                   aggregation="sum")
    unit, other = make_unit(kind="commune"), make_unit(kind="department")
    db.session.add(KpiTarget(kpi_id=kpi.id, unit_kind="commune", period_kind="year", period_start=YEAR[0],
                             period_end=YEAR[1], target_value=50))
    db.session.add(KpiMeasurement(kpi_id=kpi.id, unit_id=unit.id, period_end=D(2026, 3, 31), source=ENTERED,
                                  numerator=1, denominator=10))
    db.session.commit()
    first = versions.current()
    assert target_counts_by_unit(*YEAR)[unit.id] == (0, 1)
    assert target_counts_by_unit(*YEAR) is target_counts_by_unit(*YEAR)  # remembered

    # A flush: a figure changes.
    measurement = db.session.scalar(sa.select(KpiMeasurement))
    measurement.numerator = 9
    db.session.commit()
    assert versions.current() != first
    assert target_counts_by_unit(*YEAR)[unit.id] == (1, 1) == _fresh()[unit.id]

    # A statement around the ORM: remembered nothing until its commit, then the fresh figure.
    db.session.execute(sa.update(KpiMeasurement).values(numerator=2))
    assert versions.current() is None
    assert target_counts_by_unit(*YEAR)[unit.id] == (0, 1)
    db.session.commit()
    assert target_counts_by_unit(*YEAR)[unit.id] == (0, 1) == _fresh()[unit.id]

    # A unit's kind: the other unit is now given the communes' target.
    db.session.get(Unit, other.id).kind = "commune"
    db.session.commit()
    assert target_counts_by_unit(*YEAR)[other.id] == (0, 1) == _fresh()[other.id]

    # A rolled-back write changes neither the version nor the remembered figures.
    before = versions.current()
    measurement = db.session.scalar(sa.select(KpiMeasurement))
    measurement.numerator = 10
    db.session.flush()
    assert versions.current() != before
    assert target_counts_by_unit(*YEAR)[unit.id] == (1, 1)  # this transaction's own figure
    db.session.rollback()
    assert versions.current() == before
    assert target_counts_by_unit(*YEAR)[unit.id] == (0, 1) == _fresh()[unit.id]


def test_nothing_is_remembered_without_the_version_row(remembering):
    with db.engine.begin() as connection:
        connection.execute(sa.delete(versions.KpiDataVersion))
    assert versions.current() is None
    assert target_counts_by_unit(*YEAR) is not target_counts_by_unit(*YEAR)


def test_period_summaries_are_remembered_by_kpis_and_period(remembering):
    from kpi_tasks.kpis.queries import kpi_summaries

    office = make_office()
    kpi = make_kpi(office, code="SO", name="Số hóa", formula="ratio", measure="percent", direction="at_least",
                   aggregation="sum")
    db.session.commit()
    kpi_summaries.forget()
    period = Period.parse("2026")
    assert kpi_summaries([kpi], period) is kpi_summaries([kpi], period)
    assert kpi_summaries([kpi], Period.parse("2025")) is not kpi_summaries([kpi], period)
    kpi_summaries.forget()
