"""Scoring's dossier sources: the per-unit counts are the counts of the items, computed without them, and a unit's
own items are its entry of the all-units answer."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from kpi_tasks.clock import today
from kpi_tasks.dossiers.models import ISSUED, LATE, ApologyLetter, Dossier
from kpi_tasks.dossiers.queries import (
    late_apology_letter_counts,
    late_apology_letter_items,
    repeat_late_month_counts,
    repeat_late_month_items,
)
from kpi_tasks.dossiers.services import create_apology_obligations
from kpi_tasks.extensions import db
from tests.factories import make_unit

D = dt.date


def _random_dossiers(pattern: random.Random, first_year: int, last_year: int) -> list:
    """Units late in some months, in runs of every length and alone, with on-time, open and not yet due
    dossiers, from `first_year` to `last_year`, and their apology-letter obligations, some of them sent."""
    units = [make_unit(f"UBND xã {n}", kind="commune", code=f"X{n}") for n in range(7)]
    now = today()
    for unit in units:
        lateness = pattern.choice((0.1, 0.4, 0.7))
        for index in range(first_year * 12, (last_year + 1) * 12):
            for n in range(pattern.choice((0, 1, 1, 2, 3))):
                due = D(index // 12, index % 12 + 1, 1) + dt.timedelta(days=pattern.randint(0, 27))
                if pattern.random() < lateness:
                    resolved = pattern.choice((None, due + dt.timedelta(days=pattern.randint(1, 40))))
                else:
                    resolved = pattern.choice((None, due, due - dt.timedelta(days=pattern.randint(0, 5))))
                if resolved is not None and resolved > now:
                    resolved = None
                db.session.add(Dossier(code=f"{unit.code}-{index}-{n}", unit_id=unit.id,
                                       received_on=due - dt.timedelta(days=10), due_on=due, effective_due_on=due,
                                       resolved_on=resolved))
    db.session.flush()
    create_apology_obligations(now)
    for letter in db.session.scalars(sa.select(ApologyLetter)):
        sent = pattern.choice((None, -3, 0, 2, 30))
        if sent is not None:
            letter.issued_on = letter.due_by + dt.timedelta(days=sent)
            letter.status = ISSUED if sent <= 0 else LATE
    db.session.flush()
    return units


def test_repeat_late_month_counts_are_the_counts_of_the_items_and_a_unit_answers_as_in_the_whole(app_ctx):
    units = _random_dossiers(random.Random(22), 2019, 2027)  # noqa: S311 - repeatable test data
    periods = [(D(year, 1, 1), D(year, 12, 31)) for year in range(2019, 2028)]
    periods += [(D(2025, 1, 1), D(2025, 3, 31)), (D(2025, 12, 1), D(2026, 1, 31)), (D(2024, 6, 15), D(2026, 2, 10)),
                # longer than a mask's 62 months: counted in parts
                (D(2019, 1, 1), D(2027, 12, 31)), (D(2020, 3, 1), D(2025, 5, 31))]
    for start, end in periods:
        items = repeat_late_month_items(start, end)
        assert repeat_late_month_counts(start, end) == {unit: len(months) for unit, months in items.items()}, (
            start, end)
        for unit in units:
            assert repeat_late_month_items(start, end, unit_id=unit.id) == (
                {unit.id: items[unit.id]} if unit.id in items else {}), (start, end)
    whole = repeat_late_month_items(D(2019, 1, 1), D(2027, 12, 31))
    assert len(whole) == len(units)
    assert sum(map(len, whole.values())) > 100
    # Today decides which open dossiers are late: on an earlier day, fewer are, the same for both.
    earlier = D(2022, 6, 1)
    items = repeat_late_month_items(D(2019, 1, 1), D(2027, 12, 31), today=earlier)
    counts = repeat_late_month_counts(D(2019, 1, 1), D(2027, 12, 31), today=earlier)
    assert counts == {unit: len(months) for unit, months in items.items()}
    assert sum(counts.values()) < sum(map(len, whole.values()))


def test_late_apology_letter_counts_are_the_counts_of_the_items_and_a_unit_answers_as_in_the_whole(app_ctx):
    units = _random_dossiers(random.Random(23), 2024, 2026)  # noqa: S311 - repeatable test data
    listed = 0
    for start, end in [(D(2025, 1, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 12, 31)),
                       (D(2024, 1, 1), D(2026, 12, 31)), (D(2025, 6, 1), D(2025, 6, 30))]:
        for as_of in (today(), D(2025, 7, 1), end):
            items = late_apology_letter_items(start, end, as_of)
            listed += sum(map(len, items.values()))
            assert late_apology_letter_counts(start, end, as_of) == {
                unit: len(letters) for unit, letters in items.items()}, (start, end, as_of)
            for unit in units:
                assert late_apology_letter_items(start, end, as_of, unit_id=unit.id) == (
                    {unit.id: items[unit.id]} if unit.id in items else {}), (start, end, as_of)
    assert listed > 100
