"""Task lists: ordered by effective deadline, tasks without one last, whichever filter picks the rows; each
list's first page read from an index in that order, its total and the per-unit counts from index entries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.accounts.permissions import placement_committee_id
from kpi_tasks.clock import today
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import STATE_AWAITING_REVIEW, STATE_DONE, STATE_WITHDRAWN, Task
from kpi_tasks.tasks.queries import (
    TaskFilters,
    level_units,
    scanned_counts_query,
    subtask_breakdown,
    subtask_rows,
    subtask_summary,
    task_rows_query,
    unit_stats,
    unit_stats_query,
)
from kpi_tasks.tasks.status import STATUSES, status_expression
from kpi_tasks.units.services import create_unit, list_units
from tests.factories import make_directive, make_office, make_task, make_unit, make_user

D = dt.date


def _titles(filters: TaskFilters) -> list[str]:
    return [row.Task.title for row in db.session.execute(task_rows_query(make_office(), filters, today(), 3))]


def test_lists_are_in_deadline_order_with_undated_tasks_last(app_ctx):
    unit = make_unit()
    # Created out of order so that insertion order cannot pass for deadline order.
    for title, deadline in [("c", D(2026, 3, 10)), ("none", None), ("a", D(2026, 3, 2)), ("e", D(2026, 4, 20)),
                            ("b", D(2026, 3, 5)), ("d", D(2026, 3, 30))]:
        make_task(unit, deadline=deadline, title=title)

    assert _titles(TaskFilters()) == ["a", "b", "c", "d", "e", "none"]
    assert _titles(TaskFilters(status="overdue")) == ["a", "b", "c"]  # today is 16/03/2026
    assert _titles(TaskFilters(status="in_progress")) == ["d", "e"]
    assert _titles(TaskFilters(deadline_from=D(2026, 3, 3))) == ["b", "c", "d", "e"]


def _mixed_tasks() -> tuple[list, list[Task]]:
    """Tasks of two units in every status, with and without deadlines, created out of deadline order."""
    units = [make_unit(), make_unit()]
    specs = [  # (deadline, state, completed_on)
        (D(2026, 3, 20), "open", None), (None, "open", None), (D(2026, 3, 1), "open", None),
        (D(2026, 2, 1), STATE_DONE, D(2026, 1, 30)), (None, STATE_DONE, D(2026, 2, 2)),
        (D(2026, 1, 10), STATE_DONE, D(2026, 1, 20)), (D(2026, 3, 12), STATE_AWAITING_REVIEW, None),
        (None, STATE_AWAITING_REVIEW, None), (D(2026, 2, 20), STATE_AWAITING_REVIEW, None),
        (D(2026, 3, 2), STATE_WITHDRAWN, None), (None, STATE_WITHDRAWN, None), (D(2026, 4, 2), "open", None),
    ]
    tasks = []
    for index, (deadline, state, completed_on) in enumerate(specs * 2):
        task = make_task(units[index % 2], deadline=deadline, title=f"t{index:02d}")
        task.state, task.completed_on = state, completed_on
        tasks.append(task)
    secret = make_task(units[0], deadline=D(2026, 1, 12), title="secret", directive=make_directive())
    secret.directive.confidential = True
    db.session.commit()
    return units, tasks


def test_a_breakdown_counted_from_the_subtask_rows_is_the_aggregate_s(app_ctx):
    units, tasks = _mixed_tasks()
    parent = make_task(units[0], title="parent")
    for task in tasks:  # of every status, withdrawn ones included (the breakdown leaves them out)
        task.parent_task_id = parent.id
    db.session.commit()
    summary = subtask_summary(parent, today())
    assert summary["total"] == len(tasks) - 4  # the 4 withdrawn are not counted
    assert all(summary[code] for code in STATUSES if code != "withdrawn")
    assert subtask_breakdown(subtask_rows(parent, today(), 3)) == summary
    assert subtask_breakdown([]) == subtask_summary(tasks[0], today())


def test_each_committee_s_units_are_those_placement_committee_id_gives(app_ctx):
    so = create_unit("STP", "Sở Tư pháp", "department")
    a = create_unit("21211", "Xã Tịnh Khê", "commune", is_committee=True)
    b = create_unit("21214", "Xã Tịnh Hòa", "commune", is_committee=True)
    a_kt = create_unit("21211-KT", "Phòng Kinh tế xã Tịnh Khê", "department", a.id)
    village = create_unit("21211-T1", "Thôn 1", "village", a_kt.id)
    create_unit("21214-KT", "Phòng Kinh tế xã Tịnh Hòa", "department", b.id)
    closed = create_unit("21211-CU", "Phòng cũ", "department", a.id)
    create_unit("21211-CU-1", "Tổ của phòng cũ", "village", closed.id)
    create_unit("STP-1", "Phòng thuộc Sở", "department", so.id)
    closed.active = False
    db.session.commit()
    expected = {level: sorted(unit.id for unit in list_units() if placement_committee_id(unit) == level)
                for level in (None, a.id, b.id, village.id)}
    assert all(expected[level] for level in (None, a.id, b.id))  # every level has units: the test can fail
    for level, unit_ids in expected.items():
        assert sorted(unit_id for unit_id, _name in level_units(level)) == unit_ids, level
        assert level_units(level) == [(unit.id, unit.name) for unit in list_units() if unit.id in unit_ids]


def test_a_unit_s_own_lists_say_once_which_tasks_it_is_involved_in(app_ctx):
    unit, other = make_unit(), make_unit()
    led, coordinated = make_task(unit, title="led"), make_task(other, title="coordinated", coordinating=[unit])
    make_task(other, title="not ours")
    manager, other_manager, office = make_user("unit_manager", unit), make_user("unit_manager", other), make_office()
    db.session.commit()
    own = task_rows_query(manager, TaskFilters(unit_id=unit.id), today(), 3)
    assert str(own).count("task_coordinating_units.unit_id") == 1
    assert {row.Task.title for row in db.session.execute(own)} == {led.title, coordinated.title}
    # Another unit's manager, or the office, asking for this unit's tasks: both conditions still apply.
    assert {row.Task.title for row in db.session.execute(
        task_rows_query(other_manager, TaskFilters(unit_id=unit.id), today(), 3))} == {coordinated.title}
    assert {row.Task.title for row in db.session.execute(
        task_rows_query(office, TaskFilters(unit_id=unit.id), today(), 3))} == {led.title, coordinated.title}


def test_every_status_list_is_in_deadline_order_with_undated_tasks_last(app_ctx):
    _units, tasks = _mixed_tasks()
    status_of = dict(db.session.execute(sa.select(Task.title, status_expression(today()))).all())
    by_list_order = sorted(tasks, key=lambda t: (t.effective_deadline is None, t.effective_deadline or D.min, t.id))

    for status in STATUSES:
        expected = [task.title for task in by_list_order if status_of[task.title] == status]
        assert _titles(TaskFilters(status=status)) == expected, status
    assert _titles(TaskFilters()) == [task.title for task in by_list_order]  # the confidential task is not listed


def test_one_units_figures_are_that_units_line_of_every_units_figures(app_ctx):
    units, _tasks = _mixed_tasks()
    everyone = {item["unit_id"]: item for item in unit_stats(today())}
    for unit in units:
        assert everyone[unit.id]["assigned"] > 0
        assert unit_stats(today(), unit_id=unit.id) == [everyone[unit.id]]


# --- the plans: first pages in index order, counts from index entries ---------------------------------------

def _plan(statement: sa.Select, settings: tuple[str, ...] = ()) -> str:
    sql = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        return "\n".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    for setting in settings:  # the tables are tiny: say which plans count as too costly, as a large table would
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql))


LIST_FILTERS = [TaskFilters(), *(TaskFilters(status=status) for status in STATUSES), TaskFilters(due_soon=True),
                TaskFilters(deadline_from=D(2026, 1, 1), deadline_to=D(2026, 12, 31))]


@pytest.mark.parametrize("filters", LIST_FILTERS, ids=lambda f: f.status or ("due_soon" if f.due_soon else
                                                                           "deadlines" if f.deadline_from else "all"))
def test_a_lists_first_page_is_read_in_list_order_and_its_total_from_an_index(app_ctx, filters):
    _mixed_tasks()
    query = task_rows_query(make_office(), filters, today(), 3)

    page = _plan(query.limit(30), ("enable_sort",))
    # SQLite sorts with a temporary B-tree; PostgreSQL, told that sorting costs too much, sorts only when no
    # index gives the order.
    assert "TEMP B-TREE FOR ORDER BY" not in page, page
    assert "TEMP B-TREE FOR RIGHT PART" not in page, page
    assert "Sort" not in page.replace("Incremental Sort", ""), page

    total = _plan(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()),
                  ("enable_seqscan", "enable_bitmapscan"))
    assert "COVERING INDEX" in total or "Index Only Scan" in total, total
    assert "directives USING INTEGER PRIMARY KEY" not in total, total
    assert "pk_directives" not in total, total


def test_the_per_unit_counts_read_the_kept_counts_and_index_entries_only(app_ctx):
    _mixed_tasks()
    # The kept counts, and the tasks of the months they do not answer for (this month's open ones, the months a
    # period starts or ends inside) found by their dates: on SQLite no pass over every task. (PostgreSQL may well
    # read every index entry of tables this small; the bench measures it on large ones.)
    for query in (unit_stats_query(today()), unit_stats_query(today(), D(2026, 1, 10), D(2026, 2, 20))):
        plan = _plan(query, ("enable_seqscan",))
        assert "task_counts" in plan, plan
        assert "SCAN tasks USING COVERING INDEX ix_tasks_unit_counts" not in plan, plan
        assert "Seq Scan on tasks" not in plan, plan
    # Counted from scratch: index entries only.
    plan = _plan(scanned_counts_query(today()), ("enable_seqscan", "enable_bitmapscan"))
    assert "SCAN tasks USING COVERING INDEX ix_tasks_unit_counts" in plan or \
        "Index Only Scan using ix_tasks_unit_counts" in plan, plan
