"""The results table read from the kept counts (compute_scoring without items) is the full computation less the items
behind each line, for any data, period and computation date, and has the same digest: what the draft page shows is
what publication (which lists the items) freezes."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.scoring.models import OBJECTION_ACCEPTED, SUBJECT_KPI, SUBJECT_TASK, ScoreObjection
from kpi_tasks.scoring.queries import Period, compute_scoring
from kpi_tasks.scoring.rules import EXCLUDED, LATE_APOLOGY_LETTERS, SCORED_OUTCOMES, default_settings
from kpi_tasks.tasks.models import Task
from tests.factories import make_directive, make_task, make_unit, root_office
from tests.tasks.test_counts import _random_writes

D = dt.date
ITEM_KEYS = frozenset({"task_ids", "occurrences", "items"})


def summary_of(value: object) -> object:
    """A breakdown (or any part of one) less the lists of items behind its figures."""
    if isinstance(value, dict):
        return {key: summary_of(item) for key, item in value.items() if key not in ITEM_KEYS}
    if isinstance(value, list):
        return [summary_of(item) for item in value]
    return value
PERIODS = [(D(2026, 1, 1), D(2026, 12, 31)), (D(2026, 2, 10), D(2026, 4, 20)), (D(2026, 3, 1), D(2026, 3, 31)),
           (D(2025, 12, 15), D(2026, 5, 31)), (D(2026, 1, 1), D(2026, 2, 28)), (D(2026, 3, 16), D(2026, 3, 16))]
AS_OF = [D(2026, 3, 16), D(2026, 3, 1), D(2026, 4, 30), D(2026, 7, 1), D(2026, 1, 5)]


def _objections(rng: random.Random) -> None:
    """Accepted objections: some units' tasks removed from the year's scoring, and one unit's whole penalty and KPI
    lines."""
    office = root_office()
    tasks = list(db.session.scalars(sa.select(Task).order_by(Task.id)))
    for task in rng.sample(tasks, min(6, len(tasks))):
        unit_id = rng.choice([task.lead_unit_id, *task.coordinating_unit_ids])
        db.session.add(ScoreObjection(year=2026, unit_id=unit_id, subject=SUBJECT_TASK, task_id=task.id,
                                      reason="Không thuộc chức năng", status=OBJECTION_ACCEPTED, exclude=True,
                                      created_by_id=office.id))
    for subject in (LATE_APOLOGY_LETTERS, SUBJECT_KPI):
        db.session.add(ScoreObjection(year=2026, unit_id=tasks[0].lead_unit_id, subject=subject, reason="Lý do",
                                      status=OBJECTION_ACCEPTED, exclude=True, created_by_id=office.id))
    db.session.commit()


@pytest.mark.parametrize("seed", [1, 3])
def test_the_results_table_is_the_full_breakdown_less_its_items(app_ctx, seed):
    rng = random.Random(seed)  # noqa: S311 - a reproducible sequence, not a secret
    units = [make_unit() for _ in range(4)]
    directives = [make_directive(issued_on=D(2025, 12, 1)) for _ in range(3)]
    _random_writes(rng, units, directives, 90)
    directives[0].confidential = directives[1].confidential = False  # the writes may have hidden them all
    directives[2].confidential = True
    db.session.commit()
    _objections(rng)
    settings = default_settings()
    scored = excluded = 0
    for as_of in AS_OF:
        for start, end in PERIODS:
            period = Period(2026, start, end, as_of)
            full = compute_scoring(period, settings)
            table = compute_scoring(period, settings, with_items=False)
            assert [(unit.unit_id, unit.score, unit.grade, summary_of(unit.breakdown)) for unit in full.units] == \
                [(unit.unit_id, unit.score, unit.grade, unit.breakdown) for unit in table.units], (as_of, start, end)
            assert full.digest == table.digest
            assert full.sources == table.sources
            scored += sum(sum(unit.scored_counts[outcome] for outcome in SCORED_OUTCOMES) for unit in table.units)
            excluded += sum(unit.breakdown[EXCLUDED]["count"] for unit in table.units)
    assert scored > 50, scored  # the data did give items to score,
    assert excluded > 0  # and objections to apply


def test_the_digest_ignores_the_items_but_not_the_figures(app_ctx):
    unit = make_unit()
    directive = make_directive(issued_on=D(2025, 12, 1))
    make_task(unit, deadline=D(2026, 2, 2), directive=directive)
    db.session.commit()
    period = Period(2026, D(2026, 1, 1), D(2026, 12, 31), D(2026, 3, 16))
    before = compute_scoring(period, default_settings())
    swapped = compute_scoring(period, default_settings())
    line = swapped.units[0].breakdown["tasks"]["lines"][0]
    line["task_ids"] = [line["task_ids"][0] + 1000]  # another task of the same outcome
    assert swapped.digest == before.digest
    make_task(unit, deadline=D(2026, 2, 3), directive=directive)
    db.session.commit()
    assert compute_scoring(period, default_settings(), with_items=False).digest != before.digest
