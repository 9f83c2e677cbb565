"""What the task page shows of this area (occurrences, progress table, extension requests, group, files).

`tasks.views` merges `task_panels(...)` into the task page's context; a view of this area that re-renders
the task page with an invalid form passes that form as an override.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_decide_extension, can_edit_milestones, can_request_extension
from kpi_tasks.attachments.services import attachments_by_update, directive_attachments
from kpi_tasks.calendar.recurrence import describe
from kpi_tasks.clock import today
from kpi_tasks.deadlines.forms import ExtensionDecisionForm, ExtensionRequestForm, MilestoneForm
from kpi_tasks.deadlines.models import EXTENSION_PENDING
from kpi_tasks.deadlines.occurrences import task_rule
from kpi_tasks.deadlines.queries import (
    current_occurrence_rows,
    group_size,
    milestone_progress,
    occurrence_count,
    task_extension_requests,
    task_group,
    task_milestones,
)
from kpi_tasks.deadlines.services import BULK_KIND_LABELS
from kpi_tasks.tasks.models import STATE_OPEN, STATE_WITHDRAWN, Task


def task_panels(task: Task, user: User, **overrides: Any) -> dict[str, Any]:
    requests = task_extension_requests(task)
    rule = task_rule(task)
    group = task_group(task.group_id)
    may_request = (
        can_request_extension(user, task)
        and task.state == STATE_OPEN
        and task.recurrence is None
        and task.effective_deadline is not None
        and not any(r.status == EXTENSION_PENDING and r.occurrence_id is None for r in requests)
    )
    decision_forms = {}
    if can_decide_extension(user) and task.state != STATE_WITHDRAWN:
        for request in requests:
            if request.status == EXTENSION_PENDING:
                form = ExtensionDecisionForm(formdata=None)
                form.back.data = "task"
                decision_forms[request.id] = form
    done, total, percent = milestone_progress(task)
    context: dict[str, Any] = {
        "extension_requests": requests,
        "extension_form": ExtensionRequestForm(formdata=None) if may_request else None,
        "decision_forms": decision_forms,
        "milestones": task_milestones(task),
        "milestone_progress": {"done": done, "total": total, "percent": percent},
        "milestone_form": MilestoneForm(formdata=None) if can_edit_milestones(user, task)
        and task.state != STATE_WITHDRAWN else None,
        "recurrence_text": describe(rule) if rule else None,
        "occurrence_rows": current_occurrence_rows(task, today(), current_app.config["DUE_SOON_WORKING_DAYS"])
        if rule else [],
        "occurrence_total": occurrence_count(task) if rule else 0,
        "group": group,
        "group_label": BULK_KIND_LABELS.get(group.unit_kind, group.unit_kind) if group else None,
        "group_size": group_size(group.id) if group else 0,
        "update_attachments": attachments_by_update(task),
        "directive_files": directive_attachments(task.directive),
    }
    context.update(overrides)
    return context
