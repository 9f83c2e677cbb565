"""The task page reads each kind of thing it shows once (issue 22): a task with many reports, coordinating units,
officers and subtasks takes the same statements as a task with one of each, and no more than a ceiling."""

from __future__ import annotations

from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import ProgressUpdate
from kpi_tasks.tasks.services import assign_staff
from tests.factories import commit, login, make_task, make_unit, make_user, sent_statements

# The page's statements for the office (which also gets the corrections and directions forms): the session with
# its user, the task with its relations, the calendar, its status, and one per panel (extension requests, units
# to reassign to, subtasks, reports, history with its actors and the people it names, files of reports / of the
# directive / of comments, unread notifications, watching, KPI targets, progress table, directions, leaders to
# record one for, comments). 29 before issue 22.
CEILING = 21


def _task_with(lead, coordinating, reporters, officers, subtasks: int) -> int:
    task = make_task(lead, coordinating=coordinating)
    for n, (reporter, unit) in enumerate(reporters):
        db.session.add(ProgressUpdate(task_id=task.id, unit_id=unit.id, author_id=reporter.id,
                                      progress_percent=10 * (n + 1), note=f"Báo cáo {n + 1}"))
    if officers:
        assign_staff(task, make_user("unit_manager", lead), [officer.id for officer in officers])
    for n in range(subtasks):
        subtask = make_task(lead, title=f"Việc con {n + 1}")
        subtask.parent_task_id = task.id
    db.session.flush()
    return task.id


def test_the_task_page_takes_as_many_statements_for_a_busy_task_as_for_a_quiet_one(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        lead = make_unit()
        partners = [make_unit() for _ in range(4)]
        reporters = [(make_user("unit_manager", unit), unit) for unit in [lead, *partners]]
        officers = [make_user("unit_staff", lead) for _ in range(3)]
        quiet = _task_with(lead, partners[:1], reporters[:1], officers[:1], subtasks=1)
        busy = _task_with(lead, partners, reporters * 2, officers, subtasks=5)
        commit()
    login(client, "vanphong")
    counts = []
    for task_id in (quiet, busy):
        client.get(f"/tasks/{task_id}")  # a first view may read what later ones find cached (the calendar's days)
        with app.app_context(), sent_statements() as statements:
            page = client.get(f"/tasks/{task_id}")
        assert page.status_code == 200
        counts.append(len(statements))
    text = page.get_data(as_text=True)
    assert "Báo cáo 10" in text  # the busy task's page shows what it has
    assert "Việc con 5" in text
    assert counts[0] == counts[1] <= CEILING, counts
