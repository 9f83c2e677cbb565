"""Scoring's KPI source: the per-unit counts (`target_counts_by_unit`) are the counts of the items
(`target_items_by_unit`), and a unit's own answer is its entry of the all-units one."""

from __future__ import annotations

import datetime as dt
import random

from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import COMPUTED, ENTERED, IMPORTED, KpiMeasurement, KpiTarget
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import target_counts_by_unit, target_items_by_unit
from tests.factories import make_office, make_unit
from tests.kpis.helpers import make_kpi

D = dt.date
PERIODS = ("2025", "2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-01", "2026-02", "2026-05", "2026-11")
# Targets as people write them: 90.1 is not a float's exact value, so only an exact comparison meets it with
# 901/1000; 33.3 and 0.5 likewise.
TARGET_VALUES = (0, 0.5, 1, 3, 33.3, 50, 66.7, 70, 90, 90.1, 95.5, 100)


def _counts_of(items: dict[int, list[dict]]) -> dict[int, tuple[int, int]]:
    return {unit: (sum(1 for item in of_unit if item["met"]), len(of_unit)) for unit, of_unit in items.items()}


def _random_kpis_and_figures(pattern: random.Random) -> list:
    office = make_office()
    kpis = []
    for n, (formula, aggregation) in enumerate([("ratio", "sum"), ("ratio", "latest"), ("value", "sum"),
                                                ("value", "latest"), ("ratio", "sum"), ("value", "sum")]):
        measure = "percent" if formula == "ratio" else pattern.choice(("count", "percent"))
        kpis.append(make_kpi(office, code=f"K{n}", name=f"Chỉ tiêu {n}", formula=formula, measure=measure,
                             direction=("at_least", "above", "at_most", "below")[n % 4], aggregation=aggregation))
    units = [make_unit(kind=("department", "commune", "village", "other")[n % 4]) for n in range(14)]
    kpis[-1].active = False  # a retired KPI's targets count for nothing
    for kpi in kpis:
        for period in PERIODS:
            parsed = Period.parse(period)
            for kind in ("department", "commune", "village"):
                if pattern.random() < 0.6:
                    db.session.add(KpiTarget(kpi_id=kpi.id, unit_kind=kind, period_kind=parsed.kind,
                                             period_start=parsed.start, period_end=parsed.end,
                                             target_value=pattern.choice(TARGET_VALUES)))
            for unit in pattern.sample(units, 3):  # own targets, over a kind's or alone
                db.session.add(KpiTarget(kpi_id=kpi.id, unit_id=unit.id, period_kind=parsed.kind,
                                         period_start=parsed.start, period_end=parsed.end,
                                         target_value=pattern.choice(TARGET_VALUES)))
        for unit in units:
            for index in range(2025 * 12, 2027 * 12):
                if pattern.random() < 0.35:
                    continue
                day = (dt.date(index // 12, index % 12 + 1, 1) + dt.timedelta(days=31)).replace(day=1) \
                    - dt.timedelta(days=1)
                # The product's count, sometimes also the unit's entry or an import for the same day (they
                # outrank it), sometimes without a figure.
                for source in pattern.sample((COMPUTED, ENTERED, IMPORTED), pattern.choice((1, 1, 1, 2, 3))):
                    if kpi.formula == "ratio":
                        denominator = pattern.choice((0, 10, 100, 1000, None))
                        numerator = None if denominator is None else pattern.randint(0, denominator or 5)
                        db.session.add(KpiMeasurement(kpi_id=kpi.id, unit_id=unit.id, period_end=day, source=source,
                                                      numerator=numerator, denominator=denominator))
                    else:
                        value = pattern.choice((None, 0.1, 0.5, 1.0, 3.0, 33.3, 90.1, pattern.random() * 100))
                        db.session.add(KpiMeasurement(kpi_id=kpi.id, unit_id=unit.id, period_end=day, source=source,
                                                      value=value))
    db.session.flush()
    return units


def test_target_counts_are_the_counts_of_the_items_and_a_unit_answers_as_in_the_whole(app_ctx):
    units = _random_kpis_and_figures(random.Random(22))  # noqa: S311 - repeatable test data
    periods = [(D(2026, 1, 1), D(2026, 12, 31)), (D(2025, 1, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 3, 31)),
               (D(2026, 2, 1), D(2026, 2, 28)), (D(2025, 1, 1), D(2026, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31))]
    judged = set()
    for start, end in periods:
        items = target_items_by_unit(start, end)
        counts = target_counts_by_unit(start, end)
        assert counts == _counts_of(items), (start, end)
        assert set(counts) >= {unit.id for unit in units}
        for unit in units:
            assert target_items_by_unit(start, end, unit_id=unit.id) == {unit.id: items[unit.id]}, (start, end)
            assert target_counts_by_unit(start, end, unit_id=unit.id) == {unit.id: counts[unit.id]}, (start, end)
        judged |= {(item["met"], item["actual_value"] is None) for of_unit in items.values() for item in of_unit}
    # The data judged every kind of item: met, not met with a figure, and without one.
    assert judged == {(True, False), (False, False), (False, True)}
    assert target_counts_by_unit(D(2024, 1, 1), D(2024, 12, 31), unit_id=units[0].id) == {units[0].id: (0, 0)}
    assert target_counts_by_unit(D(2026, 1, 1), D(2026, 12, 31), unit_id=999_999) == {}
    assert target_items_by_unit(D(2026, 1, 1), D(2026, 12, 31), unit_id=999_999) == {}


def test_a_target_written_with_decimals_is_met_exactly(app_ctx):
    office = make_office()
    kpis = {direction: make_kpi(office, code=direction.upper(), direction=direction)
            for direction in ("at_least", "above", "at_most", "below")}
    unit = make_unit(kind="commune")
    for kpi in kpis.values():
        db.session.add(KpiTarget(kpi_id=kpi.id, unit_id=unit.id, period_kind="year", period_start=D(2026, 1, 1),
                                 period_end=D(2026, 12, 31), target_value=90.1))
        # 901 of 1000 is 90.1% exactly, while 901 × 100 / 1000 is 90.10000000000001 in floating point.
        db.session.add(KpiMeasurement(kpi_id=kpi.id, unit_id=unit.id, period_end=D(2026, 6, 30), source=COMPUTED,
                                      numerator=901, denominator=1000))
    db.session.flush()
    items = target_items_by_unit(D(2026, 1, 1), D(2026, 12, 31), unit_id=unit.id)[unit.id]
    assert {item["kpi_code"]: item["met"] for item in items} == {
        "AT_LEAST": True, "ABOVE": False, "AT_MOST": True, "BELOW": False}
    assert target_counts_by_unit(D(2026, 1, 1), D(2026, 12, 31))[unit.id] == (2, 4)
