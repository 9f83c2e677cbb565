"""The kept counts (tasks/counts.py), the statistics' and the scoring's: after any sequence of writes they equal a
count made from scratch, and the per-unit figures read from them equal the figures counted from every task, on any
day and period (the scoring's figures: tests/scoring/test_summary.py)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
import sqlalchemy as sa

from kpi_tasks.clock import today
from kpi_tasks.extensions import db
from kpi_tasks.tasks.commands import recount_tasks_command
from kpi_tasks.tasks.corrections import delete_task, reassign_lead_unit
from kpi_tasks.tasks.counts import (
    COMPLETED_BUCKETS,
    COMPLETION_KEY,
    INVOLVEMENT_KEY,
    KEY,
    ROOT_COMMITTEE_KEY,
    SCORED_BUCKETS,
    counted_items,
    involved_items,
)
from kpi_tasks.tasks.lifecycle import decide_extension, request_extension
from kpi_tasks.tasks.models import (
    STATE_AWAITING_REVIEW,
    STATE_DONE,
    STATE_OPEN,
    CompletionCount,
    InvolvementCount,
    Task,
    TaskCount,
    TaskOccurrence,
)
from kpi_tasks.tasks.queries import (
    ALL_LEVELS,
    TaskFilters,
    completions_by_month,
    db_rows,
    listed_total,
    scanned_counts_query,
    task_rows_query,
    unit_stats_query,
)
from kpi_tasks.tasks.services import withdraw_task
from kpi_tasks.tasks.status import DONE_LATE, DONE_ON_TIME, STATUSES
from kpi_tasks.units.models import Unit
from tests.factories import make_directive, make_task, make_unit, make_user, root_office

D = dt.date


def _kept(grain: str = "month") -> Counter:
    counts: Counter = Counter()
    for row in db.session.execute(sa.select(*[TaskCount.__table__.c[name] for name in KEY], TaskCount.items)
                                  .where(TaskCount.grain == grain)):
        counts[tuple(row[:-1])] += row[-1]
    return +counts


def _kept_involvements(grain: str = "month") -> Counter:
    table = InvolvementCount.__table__.c
    counts: Counter = Counter()
    for row in db.session.execute(sa.select(*[table[name] for name in INVOLVEMENT_KEY], table["items"])
                                  .where(table.grain == grain)):
        counts[tuple(row[:-1])] += row[-1]
    return +counts


def _fresh_involvements() -> Counter:
    items = involved_items().subquery()
    key = [items.c[name] for name in INVOLVEMENT_KEY]
    rows = db.session.execute(sa.select(*key, sa.func.count()).where(items.c.bucket.in_(SCORED_BUCKETS))
                              .group_by(*key))
    return +Counter({tuple(row[:-1]): row[-1] for row in rows})


def _by_year(month_rows: Counter) -> Counter:
    """The month rows' counts with each date at the first day of its year: what the year rows must hold."""
    years: Counter = Counter()
    for key, items in month_rows.items():
        years[tuple(value.replace(month=1) if isinstance(value, dt.date) else value for value in key)] += items
    return years


def _fresh() -> Counter:
    items = counted_items().subquery()
    key = [items.c[name] for name in KEY]
    return +Counter({tuple(row[:-1]): row[-1]
                     for row in db.session.execute(sa.select(*key, sa.func.count()).group_by(*key))})


def _kept_completions() -> Counter:
    table = CompletionCount.__table__.c
    rows = db.session.execute(sa.select(*[table[name] for name in COMPLETION_KEY], table["items"]))
    return +Counter({tuple(row[:-1]): row[-1] for row in rows})


def _completions_of(month_rows: Counter) -> Counter:
    """The month rows' items done summed by CompletionCount's key: what completion_counts must hold."""
    position = {name: KEY.index(name) for name in ("committee_id", "completed_month", "bucket", "listed")}
    summed: Counter = Counter()
    for key, items in month_rows.items():
        if key[position["bucket"]] in COMPLETED_BUCKETS and not key[position["listed"]] \
                and key[position["completed_month"]] is not None:
            committee = key[position["committee_id"]]
            summed[(ROOT_COMMITTEE_KEY if committee is None else committee, key[position["completed_month"]],
                    key[position["bucket"]])] += items
    return +summed


def _completions_agree(first: dt.date, last: dt.date, levels: list, unit_ids: list[int]) -> None:
    """The trend's figures from the kept counts equal those counted from the items, of active lead units."""
    items = counted_items().subquery()
    for level in levels:
        for unit_id in (None, *unit_ids):
            query = (sa.select(items.c.completed_month, items.c.bucket, sa.func.count())
                     .join(Unit, Unit.id == items.c.lead_unit_id)
                     .where(Unit.active.is_(True), items.c.listed.is_(False),
                            items.c.completed_month.between(first, last))
                     .group_by(items.c.completed_month, items.c.bucket))
            if level is not ALL_LEVELS:
                query = query.where(items.c.committee_id.is_(None) if level is None
                                    else items.c.committee_id == level)
            if unit_id is not None:
                query = query.where(items.c.lead_unit_id == unit_id)
            expected: dict = {}
            for month, bucket, number in db.session.execute(query):
                on_time, late = expected.get(month, (0, 0))
                expected[month] = (on_time + number * (bucket == DONE_ON_TIME), late + number * (bucket == DONE_LATE))
            found = {month: pair for month, pair in completions_by_month(first, last, unit_id, level).items()
                     if pair != (0, 0)}
            assert found == {month: pair for month, pair in expected.items() if pair != (0, 0)}, (level, unit_id)


PERIODS = [(None, None), (D(2026, 1, 1), D(2026, 12, 31)), (D(2026, 3, 1), D(2026, 3, 31)),
           (D(2026, 2, 10), D(2026, 4, 20)), (D(2026, 3, 16), None), (None, D(2026, 2, 27)),
           (D(2025, 1, 1), D(2025, 12, 31)), (D(2027, 1, 1), None), (None, D(2025, 12, 31))]
DAYS = [D(2026, 3, 16), D(2026, 3, 1), D(2026, 4, 30), D(2026, 2, 28)]


def _figures_agree(levels: list) -> None:
    for day in DAYS:
        for date_from, date_to in PERIODS:
            for level in levels:
                kept = db_rows(unit_stats_query(day, date_from, date_to, level=level))
                scanned = db_rows(scanned_counts_query(day, date_from, date_to, level=level))
                assert sorted(kept, key=lambda r: r["id"]) == sorted(scanned, key=lambda r: r["id"]), \
                    (day, date_from, date_to, level)


def _random_writes(rng: random.Random, units: list, directives: list, steps: int) -> None:
    office, admin = root_office(), make_user("admin")
    managers = {unit.id: make_user("unit_manager", unit) for unit in units}

    def some_task(**where: object) -> Task | None:
        query = sa.select(Task).filter_by(**where).order_by(Task.id)
        tasks = list(db.session.scalars(query))
        return rng.choice(tasks) if tasks else None

    def day() -> dt.date:
        return D(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 150))

    def some_coordinating(lead: object) -> list:
        return rng.sample([unit for unit in units if unit is not lead], rng.randrange(0, 3))

    for _step in range(steps):
        action = rng.randrange(12)
        open_directives = [directive for directive in directives if not directive.confidential]
        if action <= 2 and open_directives:
            lead = rng.choice(units)
            make_task(lead, deadline=None if rng.random() < 0.15 else day(), directive=rng.choice(open_directives),
                      coordinating=some_coordinating(lead))
        elif action == 3 and open_directives:
            lead = rng.choice(units)
            make_task(lead, deadline=None, directive=rng.choice(open_directives), coordinating=some_coordinating(lead),
                      recurrence=rng.choice(["weekly:fri;until=2026-04-30", "monthly:day20;until=2026-06-30"]))
        elif action == 4 and (task := some_task(state=STATE_OPEN)):
            task.state, task.completed_on = STATE_DONE, day()
        elif action == 5 and (task := some_task(state=STATE_OPEN)):
            task.state = STATE_AWAITING_REVIEW
        elif action == 6 and (task := some_task(state=STATE_OPEN)):
            if rng.random() < 0.5:
                withdraw_task(task, office, note="Không còn phù hợp")
            else:
                other = rng.choice([unit for unit in units if unit.id != task.lead_unit_id])
                reassign_lead_unit(task, office, lead_unit_id=other.id, note="Đúng chức năng hơn")
        elif action == 7:
            occurrences = list(db.session.scalars(sa.select(TaskOccurrence).order_by(TaskOccurrence.id)))
            if occurrences:
                occurrence = rng.choice(occurrences)
                occurrence.state, occurrence.completed_on = STATE_DONE, day()
        elif action == 8:
            directive = rng.choice(directives)
            directive.confidential = not directive.confidential
        elif action == 9 and (task := some_task(state=STATE_OPEN, recurrence=None)) and task.effective_deadline:
            later = max(task.effective_deadline, today()) + dt.timedelta(days=rng.randrange(5, 60))
            asked = request_extension(task, managers[task.lead_unit_id], new_deadline=later, reason="Chờ số liệu")
            decide_extension(asked, office, decision="approve")
        elif action == 10 and (task := some_task(recurrence=None)):
            if rng.random() < 0.5:
                try:
                    delete_task(task, admin, note="Nhập thử")
                except Exception:
                    db.session.rollback()
            else:  # a bulk statement around the ORM: the whole table is recounted at commit
                db.session.execute(sa.update(Task).where(Task.id == task.id).values(effective_deadline=day()),
                                   execution_options={"synchronize_session": False})
        elif action == 11 and (task := some_task()):  # the coordinating units change (through the ORM)
            task.coordinating_units = some_coordinating(task.lead_unit)
        db.session.commit()


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_the_kept_counts_equal_a_fresh_count_after_any_writes(app_ctx, seed):
    rng = random.Random(seed)  # noqa: S311 - a reproducible sequence, not a secret
    units = [make_unit() for _ in range(4)]
    directives = [make_directive(issued_on=D(2025, 12, 1)) for _ in range(3)]
    counted, coordinating, completed = [], [], []
    for chunk in range(4):
        _random_writes(rng, units, directives, 30)
        assert _kept() == _fresh(), chunk
        assert _kept("year") == _by_year(_fresh()), chunk
        assert _kept_involvements() == _fresh_involvements(), chunk
        assert _kept_involvements("year") == _by_year(_fresh_involvements()), chunk
        assert _kept_completions() == _completions_of(_fresh()), chunk
        completed.append(sum(_kept_completions().values()))
        counted.append(sum(_kept().values()))
        coordinating.append(sum(items for key, items in _kept_involvements().items() if key[1] == "coordinating"))
    assert max(counted) > 10, counted  # the sequence did leave items to count
    assert max(coordinating) > 5, coordinating
    assert max(completed) > 1, completed
    _figures_agree([ALL_LEVELS, None])
    _completions_agree(D(2025, 12, 1), D(2026, 12, 1), [ALL_LEVELS, None], [unit.id for unit in units])
    units[0].active = False  # an inactive unit's completions leave the trend, its rows are kept
    db.session.commit()
    _completions_agree(D(2025, 12, 1), D(2026, 12, 1), [ALL_LEVELS, None], [unit.id for unit in units])


def test_recount_command_rebuilds_what_was_lost(app_ctx):
    unit, other = make_unit(), make_unit()
    for deadline in (D(2026, 2, 1), D(2026, 3, 20), None):
        make_task(unit, deadline=deadline, coordinating=[other])
    db.session.commit()
    expected, involvements = _kept(), _kept_involvements()
    assert expected == _fresh()
    assert expected
    assert involvements == _fresh_involvements()
    assert involvements
    db.session.execute(sa.delete(TaskCount.__table__))
    db.session.execute(sa.delete(InvolvementCount.__table__))
    db.session.execute(sa.delete(CompletionCount.__table__))
    db.session.commit()
    assert _kept() == Counter()

    result = app_ctx.test_cli_runner().invoke(recount_tasks_command)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _kept() == expected
    assert _kept("year") == _by_year(expected)
    assert _kept_involvements() == involvements
    assert _kept_involvements("year") == _by_year(involvements)
    assert _kept_completions() == _completions_of(expected)


def test_a_lists_total_from_the_kept_counts_is_its_number_of_rows(app_ctx):
    rng = random.Random(3)  # noqa: S311 - a reproducible sequence, not a secret
    units = [make_unit() for _ in range(3)]
    directives = [make_directive(issued_on=D(2025, 12, 1)) for _ in range(3)]
    _random_writes(rng, units, directives, 60)
    office = root_office()
    for day in DAYS:
        for status in (None, *STATUSES):
            for extra in ({}, {"own_level": True}):
                filters = TaskFilters(status=status, **extra)
                rows = db.session.scalar(sa.select(sa.func.count()).select_from(
                    task_rows_query(office, filters, day, 3).order_by(None).subquery()))
                assert listed_total(office, filters, day) == rows, (day, status, extra)
    assert listed_total(office, TaskFilters(q="so hoa"), today()) is None  # a filter the counts cannot tell


def test_an_open_lists_total_is_its_number_of_rows_in_every_month(app_ctx):
    """Overdue and in progress read this year's months either way (the months wanted, or the year less the rest),
    by which is fewer rows on the day: every month of the year, its first, middle and last day, gives the count."""
    rng = random.Random(4)  # noqa: S311 - a reproducible sequence, not a secret
    units = [make_unit() for _ in range(3)]
    directive = make_directive(issued_on=D(2024, 12, 1))
    for _ in range(60):
        deadline = None if rng.random() < 0.1 else D(2025, 11, 1) + dt.timedelta(days=rng.randrange(0, 450))
        task = make_task(rng.choice(units), deadline=deadline, directive=directive)
        if rng.random() < 0.25 and deadline:
            task.state, task.completed_on = STATE_DONE, deadline
    db.session.commit()
    office = root_office()
    for month in range(1, 13):
        first = D(2026, month, 1)
        for day in (first, first + dt.timedelta(days=14), (first + dt.timedelta(days=31)).replace(day=1)
                    - dt.timedelta(days=1)):
            for status in (None, "overdue", "in_progress"):
                filters = TaskFilters(status=status)
                rows = db.session.scalar(sa.select(sa.func.count()).select_from(
                    task_rows_query(office, filters, day, 3).order_by(None).subquery()))
                assert listed_total(office, filters, day) == rows, (day, status)


def test_a_years_figures_equal_the_counts_of_every_item_over_years(app_ctx):
    """A year's statistics read the year rows due in the years, completed in them but due in none, and standing,
    apart: items due and completed in every pair of years (and without a deadline) give the figures counted from
    every item, for periods of whole years and days of other years; and so does the trend, by month."""
    rng = random.Random(7)  # noqa: S311 - a reproducible sequence, not a secret
    units = [make_unit() for _ in range(3)]
    directive = make_directive(issued_on=D(2023, 6, 1))
    for _ in range(80):
        deadline = None if rng.random() < 0.15 else D(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 1200))
        task = make_task(rng.choice(units), deadline=deadline, directive=directive)
        draw = rng.random()
        if draw < 0.5:
            done = (deadline or D(2025, 6, 1)) + dt.timedelta(days=rng.randrange(-400, 400))
            task.state, task.completed_on = STATE_DONE, done
        elif draw < 0.6:
            task.state = STATE_AWAITING_REVIEW
    db.session.commit()
    assert _kept_completions() == _completions_of(_fresh())
    years = [(D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 1, 1), D(2025, 12, 31)), (D(2025, 1, 1), None),
             (None, D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 12, 31)), (D(2026, 1, 1), D(2027, 12, 31))]
    for day in (D(2026, 11, 20), D(2025, 6, 15), D(2024, 12, 31)):
        for date_from, date_to in years:
            for level in (ALL_LEVELS, None):
                kept = db_rows(unit_stats_query(day, date_from, date_to, level=level))
                scanned = db_rows(scanned_counts_query(day, date_from, date_to, level=level))
                assert sorted(kept, key=lambda r: r["id"]) == sorted(scanned, key=lambda r: r["id"]), \
                    (day, date_from, date_to, level)
                assert any(row["done_late"] and row["done_on_time"] for row in kept), (day, date_from, date_to)
    _completions_agree(D(2023, 1, 1), D(2027, 12, 1), [ALL_LEVELS, None], [unit.id for unit in units])
