"""Task lists: ordered by effective deadline, tasks without one last, whichever filter picks the rows."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.clock import today
from kpi_tasks.extensions import db
from kpi_tasks.tasks.queries import TaskFilters, task_rows_query
from tests.factories import make_office, make_task, make_unit

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
