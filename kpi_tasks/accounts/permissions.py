"""The one access policy: pages, the API and templates all ask these functions.

Unit users see a task when their unit leads or coordinates it; staff only the tasks handed to them.
Everything is checked on the server per object; hiding a button is only a convenience. The same rule as SQL, for
lists and counts, is `tasks.queries.task_visibility_clause`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.roles import ADMIN, INTERIOR, LEADER, OFFICE, UNIT_MANAGER, UNIT_STAFF

if TYPE_CHECKING:  # every package imports this module: the types of theirs it judges are only named here
    from kpi_tasks.background.models import BackgroundJob
    from kpi_tasks.directives.models import Directive
    from kpi_tasks.notifications.models import Notification
    from kpi_tasks.tasks.models import Task

TASK_MANAGER_ROLES = frozenset({ADMIN, OFFICE})
EXTENSION_DECIDER_ROLES = frozenset({ADMIN, OFFICE, LEADER})
CONFIDENTIAL_READER_ROLES = frozenset({ADMIN, OFFICE, LEADER})
DIRECTION_ROLES = frozenset({ADMIN, OFFICE, LEADER})


def is_lead_unit_user(user: User, task: Task) -> bool:
    if user.unit_id is None or user.unit_id != task.lead_unit_id:
        return False
    if user.role == UNIT_MANAGER:
        return True
    return user.role == UNIT_STAFF and any(a.id == user.id for a in task.assignees)


def is_coordinating_unit_user(user: User, task: Task) -> bool:
    if user.unit_id is None or user.unit_id not in task.coordinating_unit_ids:
        return False
    if user.role == UNIT_MANAGER:
        return True
    return user.role == UNIT_STAFF and any(a.id == user.id for a in task.assignees)


def can_view_task(user: User, task: Task) -> bool:
    if user.sees_all:
        return True
    return is_lead_unit_user(user, task) or is_coordinating_unit_user(user, task)


def can_acknowledge(user: User, task: Task) -> bool:
    """Tiếp nhận: the lead unit (its head, or the officer it handed the task to) confirms it received the task."""
    return is_lead_unit_user(user, task)


def can_view_unacknowledged(user: User) -> bool:
    """The list of tasks no lead unit has acknowledged in time: those who give and follow tasks."""
    return user.role in (ADMIN, OFFICE, LEADER)


def can_comment(user: User, task: Task) -> bool:
    """Write in a task's thread: the office, leaders, the admin, and the lead and coordinating units on it."""
    return user.role in DIRECTION_ROLES or is_lead_unit_user(user, task) or is_coordinating_unit_user(user, task)


def can_manage_tasks(user: User) -> bool:
    """Enter directives and tasks, edit them, withdraw them."""
    return user.role in TASK_MANAGER_ROLES


def can_report_progress(user: User, task: Task) -> bool:
    """Post progress and report completion: the lead unit (or admin)."""
    return user.role == ADMIN or is_lead_unit_user(user, task)


def can_contribute(user: User, task: Task) -> bool:
    """Post an update of any kind: the lead unit, or a coordinating unit's own contribution."""
    return can_report_progress(user, task) or is_coordinating_unit_user(user, task)


def can_review(user: User) -> bool:
    return user.role in TASK_MANAGER_ROLES


def can_request_extension(user: User, task: Task) -> bool:
    return is_lead_unit_user(user, task)


def can_decide_extension(user: User) -> bool:
    return user.role in EXTENSION_DECIDER_ROLES


def can_give_direction(user: User) -> bool:
    """Ý kiến chỉ đạo on a task: the leaders, and the office that records their directions (or admin)."""
    return user.role in DIRECTION_ROLES


def can_edit_milestones(user: User, task: Task) -> bool:
    """The progress table of a long task: kept by the office and by the lead unit."""
    return can_manage_tasks(user) or can_report_progress(user, task)


def can_attach_to_directive(user: User, directive: Directive) -> bool:
    return can_manage_tasks(user) and can_view_directive(user, directive)


def can_attach_to_update(user: User, task: Task, update_unit_id: int) -> bool:
    """Files of an update or completion report: added by the unit that posted it (or the admin)."""
    if user.role == ADMIN:
        return True
    return can_contribute(user, task) and user.unit_id == update_unit_id


def can_assign_staff(user: User, task: Task) -> bool:
    unit_ids = {task.lead_unit_id, *task.coordinating_unit_ids}
    return user.role == UNIT_MANAGER and user.unit_id in unit_ids


def can_view_directive(user: User, directive: Directive) -> bool:
    if directive.confidential:
        return user.role in CONFIDENTIAL_READER_ROLES
    return True


def can_manage_units(user: User) -> bool:
    return user.role == ADMIN


def can_manage_users(user: User) -> bool:
    """Create, edit, lock user accounts and reset their passwords: the admin."""
    return user.role == ADMIN


def can_manage_document_identity(user: User) -> bool:
    """The issuing body, signers and Word templates every document prints from: the admin's."""
    return user.role == ADMIN


# KPI targets (chỉ tiêu). Results are published to every unit, as the seed directives' ranking appendices are,
# so every signed-in user reads KPIs, targets and progress. The office (and admin) keeps the catalogue and
# assigns targets; a unit answers for its own figures, the office may enter or import anyone's.
KPI_MANAGER_ROLES = frozenset({ADMIN, OFFICE})


def can_manage_kpis(user: User) -> bool:
    """Create KPIs in the catalogue."""
    return user.role in KPI_MANAGER_ROLES


def can_set_kpi_targets(user: User) -> bool:
    """Assign targets (by form, API or Excel import) and link them to tasks."""
    return user.role in KPI_MANAGER_ROLES


def can_enter_kpi_measurements(user: User) -> bool:
    """Open the entry and import pages at all: the office, or a user of some unit."""
    return user.role in KPI_MANAGER_ROLES or (user.is_unit_user and user.unit_id is not None)


def can_enter_kpi_measurement(user: User, unit_id: int) -> bool:
    """Enter or import a figure for `unit_id`: the office for every unit, a unit only for itself."""
    if user.role in KPI_MANAGER_ROLES:
        return True
    return user.is_unit_user and user.unit_id is not None and user.unit_id == unit_id


# Emulation scoring (thi đua). Everyone signed in reads rules, drafts and published results (a grade must
# be explainable to the unit it concerns); the Interior department runs the scoring, the office decides
# units' objections, and only a unit's head objects, for its own unit.
SCORING_MANAGER_ROLES = frozenset({ADMIN, INTERIOR})
SCORE_OBJECTION_DECIDER_ROLES = frozenset({ADMIN, OFFICE})


def can_manage_scoring(user: User) -> bool:
    """Edit the year's scoring rule, publish a scoring or a superseding version."""
    return user.role in SCORING_MANAGER_ROLES


def can_object_to_score(user: User, unit_id: int | None = None) -> bool:
    """Object to a task counted in a unit's scoring: the head of that unit (any unit of theirs if None)."""
    if user.role != UNIT_MANAGER or user.unit_id is None:
        return False
    return unit_id is None or unit_id == user.unit_id


def can_decide_score_objection(user: User) -> bool:
    return user.role in SCORE_OBJECTION_DECIDER_ROLES


# Notifications (nhắc việc) belong to their recipient alone. Scheduled reports carry every unit's figures
# and task titles, so only the roles that see every task read them. The admin runs the background jobs.
def can_read_notification(user: User, notification: Notification) -> bool:
    return notification.recipient_id == user.id


def can_view_scheduled_reports(user: User) -> bool:
    return user.sees_all


def can_manage_jobs(user: User) -> bool:
    return user.role == ADMIN


def can_view_background_job(user: User, job: BackgroundJob) -> bool:
    """A background job (its progress and its result file) is its owner's, and the admin's; others get 404."""
    return user.id == job.owner_id or user.role == ADMIN


# Administrative-procedure dossiers (hồ sơ TTHC). The office imports the dossier system's exports; every unit
# sees its own dossiers and apology-letter obligations, the roles that see every task see every unit's. A
# letter is recorded by its handling unit (head or officer: the officer usually types it in) or the office.
DOSSIER_MANAGER_ROLES = frozenset({ADMIN, OFFICE})


def dossier_visibility_clause(user: User, unit_column: ColumnElement[int]) -> ColumnElement[bool]:
    """WHERE clause restricting dossiers or letters (by their handling unit column) to what `user` sees."""
    if user.sees_all:
        return sa.true()
    if user.is_unit_user and user.unit_id is not None:
        return unit_column == user.unit_id
    return sa.false()


def can_view_unit_dossiers(user: User, unit_id: int) -> bool:
    return user.sees_all or (user.is_unit_user and user.unit_id is not None and user.unit_id == unit_id)


def can_import_dossiers(user: User) -> bool:
    return user.role in DOSSIER_MANAGER_ROLES


def can_record_apology_letter(user: User, unit_id: int) -> bool:
    """Record (or correct) the apology letter of a dossier handled by `unit_id`."""
    if user.role in DOSSIER_MANAGER_ROLES:
        return True
    return user.is_unit_user and user.unit_id is not None and user.unit_id == unit_id


def can_view_repeat_offenders(user: User) -> bool:
    """The report naming units late two months running: the roles that oversee every unit."""
    return user.sees_all


# Directive intake: the office (and admin) uploads a directive and confirms the tasks read from it; the
# drafts under review are the office's shared work, so any of them may pick up a colleague's draft.
def can_use_intake(user: User) -> bool:
    return user.role in TASK_MANAGER_ROLES


# Reports. The leader's dashboard and the monthly report to the Chairman cover every unit: the roles that see
# every task. A unit's dashboard: those roles for any unit, a unit's own users for their unit. Per-unit
# statistics are published to everyone (as GET /stats/units is), and task lists follow task visibility.
def can_view_leader_dashboard(user: User) -> bool:
    return user.sees_all


def can_view_unit_dashboard(user: User, unit_id: int) -> bool:
    return user.sees_all or (user.is_unit_user and user.unit_id is not None and user.unit_id == unit_id)


def can_view_monthly_report(user: User) -> bool:
    return user.sees_all
