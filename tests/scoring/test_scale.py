"""Must show 4: scoring runs in SQL aggregates — the number of queries does not grow with the tasks."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.extensions import db
from kpi_tasks.scoring.services import compute_draft, publish_scoring
from kpi_tasks.tasks.models import STATE_DONE, STATE_OPEN, Task, TaskOccurrence, task_coordinating_units
from kpi_tasks.units.models import Unit
from tests.factories import make_directive, make_unit, make_user, sent_statements

UNITS = 20


TODAY = dt.date(2026, 3, 16)


def _outcome(state: str, deadline: dt.date, completed_on: dt.date | None) -> str:
    """The expected outcome of an item, by the rule written out: only items due by TODAY count."""
    if deadline > TODAY:
        return "not_due"
    if state == STATE_DONE:
        return "done_on_time" if completed_on <= deadline else "done_late"
    return "overdue" if deadline < TODAY else "not_due"


def _done(kind: int, deadline: dt.date) -> tuple[str, dt.date | None]:
    if kind == 0:
        return STATE_DONE, min(deadline, TODAY)
    if kind == 1:
        return STATE_DONE, min(deadline + dt.timedelta(days=3), TODAY)
    return STATE_OPEN, None


def add_tasks(directive_id: int, unit_ids: list[int], start: int, count: int) -> dict[str, int]:
    """Bulk-insert `count` tasks spread over the units with four kinds of outcome; one in ten recurs weekly,
    with 4 to 13 occurrences from 02/01/2026 (up to 27/03: some not due on 16/03) of three kinds of outcome.
    Returns the expected number of scored (item, unit) pairs per outcome, computed from the same recipe."""
    rows, occurrence_plan = [], {}
    for n in range(start, start + count):
        lead_unit_id = unit_ids[n % len(unit_ids)]
        if n % 10 == 9:
            occurrence_plan[n] = [dt.date(2026, 1, 2) + dt.timedelta(weeks=week) for week in range(4 + n // 10 % 10)]
            rows.append({
                "directive_id": directive_id, "title": f"Báo cáo tuần {n}", "lead_unit_id": lead_unit_id,
                "recurrence": "weekly:fri", "deadline": None, "effective_deadline": None, "state": STATE_OPEN,
                "completed_on": None,
            })
            continue
        deadline = dt.date(2026, 1, 5) + dt.timedelta(days=n % 100)  # up to 14/04: some not due on 16/03
        state, completed_on = _done(n % 4, deadline)
        rows.append({
            "directive_id": directive_id, "title": f"Nhiệm vụ {n}", "lead_unit_id": lead_unit_id,
            "recurrence": None, "deadline": deadline, "effective_deadline": deadline, "state": state,
            "completed_on": completed_on,
        })
    ids = db.session.scalars(sa.insert(Task).returning(Task.id), rows).all()
    task_of = dict(zip(range(start, start + count), ids, strict=True))
    occurrences = []
    for n, due_dates in occurrence_plan.items():
        for week, due_on in enumerate(due_dates):
            state, completed_on = _done((n + week) % 3, due_on)
            occurrences.append({
                "task_id": task_of[n], "period_start": due_on - dt.timedelta(days=6), "due_on": due_on,
                "effective_deadline": due_on, "state": state, "completed_on": completed_on,
            })
    if occurrences:
        db.session.execute(sa.insert(TaskOccurrence), occurrences)
    links = [{"task_id": task_of[n], "unit_id": unit_ids[(n + 1) % len(unit_ids)]}
             for n in range(start, start + count) if n % 3 == 0]
    if links:
        db.session.execute(sa.insert(task_coordinating_units), links)
    coordinated = {row["task_id"] for row in links}
    expected = {"done_on_time": 0, "done_late": 0, "overdue": 0, "not_due": 0}
    for task_id, row in zip(ids, rows, strict=True):
        if row["recurrence"]:
            continue  # counted through its occurrences
        expected[_outcome(row["state"], row["effective_deadline"], row["completed_on"])] += (
            2 if task_id in coordinated else 1)
    for occurrence in occurrences:
        expected[_outcome(occurrence["state"], occurrence["effective_deadline"], occurrence["completed_on"])] += (
            2 if occurrence["task_id"] in coordinated else 1)
    return expected


def scored_counts(result) -> dict[str, int]:
    totals: dict[str, int] = {}
    for unit in result.units:
        for line in unit.breakdown["tasks"]["lines"]:
            key = "done_on_time" if line["outcome"] == "extended_on_time" else line["outcome"]
            totals[key] = totals.get(key, 0) + line["count"]
    return totals


def test_query_count_does_not_grow_with_the_number_of_tasks(app_ctx):
    unit_ids = [make_unit(f"Đơn vị {n:02d}", code=f"S{n:02d}").id for n in range(UNITS)]
    directive = make_directive(make_user("office"))
    small = add_tasks(directive.id, unit_ids, 0, 50)
    db.session.commit()
    with sent_statements() as few:
        result_small = compute_draft(2026)
    large = add_tasks(directive.id, unit_ids, 50, 1950)
    db.session.commit()
    with sent_statements() as many:
        result_large = compute_draft(2026)
    assert len(many) == len(few), (few, many)
    # The figures are right, not only cheap: every scored pair is counted once, not-due ones not at all.
    assert scored_counts(result_small) == {k: v for k, v in small.items() if k != "not_due" and v}
    assert scored_counts(result_large) == {k: small[k] + large[k] for k in ("done_on_time", "done_late", "overdue")}
    # Publishing stores all units' rows in one statement, whatever the number of tasks.
    with sent_statements() as publishing:
        publish_scoring(2026, make_user("interior"), unfinished_confirmed=True)
    inserts = [s for s in publishing if s.lstrip().upper().startswith("INSERT INTO UNIT_SCORES")]
    assert len(inserts) == 1


@pytest.mark.parametrize("size", [50, 2000])
def test_the_computation_is_one_aggregate_over_tasks(app_ctx, size):
    unit_ids = [make_unit(f"Đơn vị {n:02d}", code=f"S{n:02d}").id for n in range(UNITS)]
    add_tasks(make_directive(make_user("office")).id, unit_ids, 0, size)
    db.session.commit()
    with sent_statements() as statements:
        compute_draft(2026)
    over_tasks = [s for s in statements if "FROM (SELECT tasks.id" in s or "JOIN tasks" in s]
    assert len(over_tasks) == 1
    assert "GROUP BY" in over_tasks[0]


def test_query_count_does_not_grow_with_the_number_of_units(app_ctx):
    """The KPI component and the penalties are one statement each for all units, not one per unit."""
    kpi_services = pytest.importorskip("kpi_tasks.kpis.services")
    office = make_user("office")
    directive = make_directive(office)
    online = kpi_services.create_kpi(office, code="DVC", name="Tỷ lệ hồ sơ trực tuyến", measure="percent",
                                     formula="ratio", direction="at_least")
    kpi_services.set_target(online, SYSTEM, period="2026", unit_kind="department", target_value=50)

    def draft_with(units: int) -> tuple[list[str], object]:
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(Unit))
        unit_ids = [make_unit(f"Đơn vị {n:02d}", code=f"S{n:02d}").id for n in range(existing, units)]
        for unit_id in unit_ids:
            kpi_services.set_target(online, SYSTEM, period="2026-Q1", unit_id=unit_id, target_value=60)
            kpi_services.record_measurement(online, unit_id, dt.date(2026, 3, 15), numerator=55, denominator=100,
                                            actor=SYSTEM)
        add_tasks(directive.id, unit_ids, existing * 10, 10 * len(unit_ids))
        db.session.commit()
        with sent_statements() as statements:
            result = compute_draft(2026)
        return statements, result

    few, result_few = draft_with(5)
    many, result_many = draft_with(40)
    assert len(result_few.units) == 5
    assert len(result_many.units) == 40
    assert len(many) == len(few), (few, many)
    # The figures are there: each unit has the kind's year target (55 ≥ 50, met) and its own Q1 target (not met).
    assert {(unit.breakdown["kpi"]["met"], unit.breakdown["kpi"]["total"]) for unit in result_many.units} == {(1, 2)}
