"""Access rules of the deadlines area: extension requests, occurrences, the progress table, task groups."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.extensions import db
from kpi_tasks.milestones.services import add_milestone
from kpi_tasks.tasks.lifecycle import report_occurrence, request_extension
from kpi_tasks.tasks.models import TaskGroup
from kpi_tasks.tasks.queries import occurrence_rows_query
from kpi_tasks.tasks.services import assign_staff
from tests.factories import make_task
from tests.test_permissions import CONTRIBUTORS, MANAGES, ROLES, SEES_TASK, expect

EVERYONE = dict.fromkeys(ROLES, 200)
LEAD_UNIT = {"lead_manager", "lead_staff"}
DECIDERS = {"admin", "office", "leader"}
MILESTONE_EDITORS = {"admin", "office", "lead_manager", "lead_staff"}
OCC = "/tasks/{recurring}/occurrences/{occurrence}"
MILESTONE = "/tasks/{task}/milestones/{milestone}"

CASES = [
    ("tasks.extension_requests", "GET", "/extension-requests", None, EVERYONE),
    ("tasks.extension_requests_xlsx", "GET", "/extension-requests.xlsx?status=all", None, EVERYONE),
    ("tasks.new_extension_request", "POST", "/tasks/{ext_task}/extension-requests",
     {"new_deadline": "2026-04-30", "reason": "Chờ số liệu của các xã"}, expect(LEAD_UNIT, 303)),
    ("tasks.extension_decision", "POST", "/extension-requests/{extension}/decision", {"decision": "approve"},
     expect(DECIDERS, 303)),
    ("tasks.occurrences", "GET", "/tasks/{recurring}/occurrences", None, expect(SEES_TASK, 200)),
    ("tasks.occurrence", "GET", OCC, None, expect(SEES_TASK, 200)),
    ("tasks.occurrence_report", "POST", OCC + "/updates",
     {"progress_percent": "50", "note": "Đã thống kê", "version": "{occurrence_version}"}, expect(CONTRIBUTORS, 303)),
    ("tasks.occurrence_review", "POST", "/tasks/{recurring}/occurrences/{awaiting_occurrence}/review",
     {"decision": "approve", "version": "{awaiting_occurrence_version}"}, expect(MANAGES, 303)),
    ("milestones.new", "POST", "/tasks/{task}/milestones", {"step": "Khảo sát"},
     expect(MILESTONE_EDITORS, 303)),
    ("milestones.edit", "GET", MILESTONE + "/edit", None, expect(MILESTONE_EDITORS, 200)),
    ("milestones.edit", "POST", MILESTONE + "/edit",
     {"step": "Khảo sát lại", "version": "{milestone_version}"}, expect(MILESTONE_EDITORS, 303)),
    ("milestones.remove", "POST", MILESTONE + "/delete", {}, expect(MILESTONE_EDITORS, 303)),
    ("milestones.export", "GET", "/tasks/{task}/milestones.xlsx", None, expect(SEES_TASK, 200)),
    ("tasks.group", "GET", "/task-groups/{group}", None, EVERYONE),
    ("api.create_extension_request", "POST", "/api/v1/tasks/{ext_task}/extension-requests",
     {"new_deadline": "2026-04-30", "reason": "Chờ số liệu"}, expect(LEAD_UNIT, 201)),
    ("api.task_extension_requests", "GET", "/api/v1/tasks/{task}/extension-requests", None,
     expect(SEES_TASK, 200)),
    ("api.extension_requests", "GET", "/api/v1/extension-requests", None, EVERYONE),
    ("api.decide_extension", "POST", "/api/v1/extension-requests/{extension}/decision", {"decision": "approve"},
     expect(DECIDERS, 200)),
    ("api.occurrences", "GET", "/api/v1/tasks/{recurring}/occurrences", None, expect(SEES_TASK, 200)),
    ("api.occurrence", "GET", "/api/v1" + OCC, None, expect(SEES_TASK, 200)),
    ("api.report_occurrence", "POST", "/api/v1" + OCC + "/updates", {"progress_percent": 50, "note": "Đã thống kê"},
     expect(CONTRIBUTORS, 201)),
    ("api.review_occurrence", "POST", "/api/v1/tasks/{recurring}/occurrences/{awaiting_occurrence}/review",
     {"decision": "approve"}, expect(MANAGES, 200)),
    ("api.milestones", "GET", "/api/v1/tasks/{task}/milestones", None, expect(SEES_TASK, 200)),
    ("api.create_milestone", "POST", "/api/v1/tasks/{task}/milestones", {"step": "Khảo sát"},
     expect(MILESTONE_EDITORS, 201)),
    ("api.update_milestone", "PATCH", "/api/v1" + MILESTONE, {"step": "Sửa", "version": "{milestone_version}"},
     expect(MILESTONE_EDITORS, 200)),
    ("api.delete_milestone", "DELETE", "/api/v1" + MILESTONE, None, expect(MILESTONE_EDITORS, 204)),
]


def setup(users, values):
    task, lead_manager = values["task_obj"], users["lead_manager"]
    lead = task.lead_unit
    coordinating = task.coordinating_units
    ext_task = make_task(lead, directive=values["directive_obj"], coordinating=coordinating,
                         deadline=dt.date(2026, 3, 30))
    recurring = make_task(lead, directive=values["directive_obj"], coordinating=coordinating, deadline=None,
                          recurrence="weekly:fri;until=2026-04-30")
    for each in (ext_task, recurring):
        assign_staff(each, lead_manager, [users["lead_staff"].id])
    rows = db.session.execute(occurrence_rows_query(recurring, dt.date(2026, 3, 16), 3)).all()
    open_occurrence, awaiting = rows[-1].TaskOccurrence, rows[-2].TaskOccurrence
    report_occurrence(awaiting, lead_manager, progress_percent=None, note="Xong", report_completed=True)
    extension = request_extension(task, lead_manager, new_deadline=dt.date(2026, 4, 30), reason="Chờ số liệu")
    milestone = add_milestone(task, users["office"], step="Khảo sát", due_on=dt.date(2026, 3, 20))
    group = TaskGroup(directive_id=task.directive_id, unit_kind="department", title=task.title)
    db.session.add(group)
    db.session.flush()
    task.group_id = group.id
    db.session.flush()
    values.update(
        ext_task=ext_task.id, recurring=recurring.id, occurrence=open_occurrence.id,
        occurrence_version=open_occurrence.version, awaiting_occurrence=awaiting.id,
        awaiting_occurrence_version=awaiting.version, extension=extension.id, milestone=milestone.id,
        milestone_version=milestone.version, group=group.id,
    )
    values["task_version"] = task.version
