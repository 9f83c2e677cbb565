"""The one access policy: pages, the API and templates all ask these functions.

Unit users see a task when their unit leads or coordinates it; staff only the tasks handed to them.
Everything is checked on the server per object; hiding a button is only a convenience. The same rule as SQL, for
lists and counts, is `tasks.queries.task_visibility_clause`.

Committees (API.md "Organisations"). Office, leader, interior and viewer users act within the People's Committee
their unit belongs to (`committee_id_of`): a user of the root committee (or with no unit) reads the whole tree,
the communes' own work included, but changes only the root's own directives and tasks; a user of commune A (or of
a unit under A) sees A's own work and the tasks given to A's units from above, and changes only A's own. The
admin is above every committee. Another committee's own directives and tasks are missing to them (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.accounts.models import SYSTEM, Actor, SystemActor, User
from kpi_tasks.accounts.roles import ADMIN, INTERIOR, LEADER, OFFICE, UNIT_MANAGER, UNIT_STAFF
from kpi_tasks.hooks import Provided

if TYPE_CHECKING:  # every package imports this module: the types of theirs it judges are only named here
    from kpi_tasks.background.models import BackgroundJob
    from kpi_tasks.directives.models import Directive
    from kpi_tasks.notifications.models import Notification
    from kpi_tasks.tasks.models import Task
    from kpi_tasks.units.models import Unit

TASK_MANAGER_ROLES = frozenset({ADMIN, OFFICE})
EXTENSION_DECIDER_ROLES = frozenset({ADMIN, OFFICE, LEADER})
CONFIDENTIAL_READER_ROLES = frozenset({ADMIN, OFFICE, LEADER})
DIRECTION_ROLES = frozenset({ADMIN, OFFICE, LEADER})


# -- committees ---------------------------------------------------------------------------------------------

COMMITTEE_VOICE_ROLES = frozenset({OFFICE, LEADER})  # speak for their commune on the tasks given to it


def committee_id_of(user: User) -> int | None:
    """The commune committee whose work `user` does: the nearest unit with `is_committee` from the user's unit
    upwards. None for the root committee: its users, users without a unit, and the admin."""
    if user.role == ADMIN:
        return None
    return unit_committee_id(user.unit)


def unit_committee_id(unit: Unit | None) -> int | None:
    """The committee `unit` belongs to (itself, when it is one); None for the root's units."""
    seen: set[int] = set()
    while unit is not None and unit.id not in seen:
        if unit.is_committee:
            return unit.id
        seen.add(unit.id)
        unit = unit.parent
    return None


def placement_committee_id(unit: Unit) -> int | None:
    """The committee that gives `unit` its tasks: the committee of its parent (a commune's own committee is the
    one above it, its departments and villages are the commune's)."""
    return unit_committee_id(unit.parent)


# The tree below a committee is the organisation's (units.queries.committee_unit_ids, given by web.init_app):
# the units package sits above this one, its admin pages ask the policy.
committee_tree: Provided[Callable[[int], list[int]]] = Provided("the units of a committee's tree")


def committee_unit_ids(committee_id: int) -> list[int]:
    """The committee's unit and every unit under it."""
    return committee_tree()(committee_id)


def oversees_everything(user: User) -> bool:
    """Staff of the root committee (and the admin): the reports over every unit of the instance."""
    return user.sees_all and committee_id_of(user) is None


def acts_in_committee(user: User, committee_id: int | None) -> bool:
    """Whether `user` may change the own work of the committee `committee_id` (None: the root's)."""
    return user.role == ADMIN or committee_id_of(user) == committee_id


def can_assign_to_unit(committee_id: int | None, unit: Unit) -> bool:
    """A committee gives tasks to the units directly under it: the root to its departments and its communes,
    a commune to its own departments and villages, never to another committee's."""
    return placement_committee_id(unit) == committee_id


def _speaks_for_unit(user: User, unit_id: int) -> bool:
    """A commune's office and chairman answer for the tasks given to the commune itself (its committee unit)."""
    return (user.role in COMMITTEE_VOICE_ROLES and user.unit_id == unit_id and user.unit is not None
            and user.unit.is_committee)


def is_lead_unit_user(user: User, task: Task) -> bool:
    if user.unit_id is None or user.unit_id != task.lead_unit_id:
        return False
    if user.role == UNIT_MANAGER or _speaks_for_unit(user, task.lead_unit_id):
        return True
    return user.role == UNIT_STAFF and any(a.id == user.id for a in task.assignees)


def is_coordinating_unit_user(user: User, task: Task) -> bool:
    if user.unit_id is None or user.unit_id not in task.coordinating_unit_ids:
        return False
    if user.role == UNIT_MANAGER or _speaks_for_unit(user, user.unit_id):
        return True
    return user.role == UNIT_STAFF and any(a.id == user.id for a in task.assignees)


def can_view_task(user: User, task: Task) -> bool:
    if user.sees_all:
        committee_id = committee_id_of(user)
        if committee_id is None or task.committee_id == committee_id:
            return True
        units = set(committee_unit_ids(committee_id))
        return task.lead_unit_id in units or any(unit_id in units for unit_id in task.coordinating_unit_ids)
    return is_lead_unit_user(user, task) or is_coordinating_unit_user(user, task)


def can_break_down(user: User, task: Task) -> bool:
    """Break a task down into the lead committee's own tasks (POST /tasks/{id}/subtasks): the office of the
    committee the task's lead unit belongs to (a commune's office for a task given to the commune)."""
    return user.role in TASK_MANAGER_ROLES and acts_in_committee(user, unit_committee_id(task.lead_unit))


def can_acknowledge(user: User, task: Task) -> bool:
    """Tiếp nhận: the lead unit (its head, or the officer it handed the task to) confirms it received the task."""
    return is_lead_unit_user(user, task)


def can_view_unacknowledged(user: User) -> bool:
    """The list of tasks no lead unit has acknowledged in time: those who give and follow tasks."""
    return user.role in (ADMIN, OFFICE, LEADER)


def can_comment(user: User, task: Task) -> bool:
    """Write in a task's thread: the office, leaders, the admin (of the task's committee), and the lead and
    coordinating units on it."""
    return (can_give_direction(user, task) or is_lead_unit_user(user, task)
            or is_coordinating_unit_user(user, task))


def can_manage_tasks(user: User, work: Task | Directive | None = None) -> bool:
    """Enter directives and tasks, edit them, withdraw them; with `work`, that directive or task of the user's own
    committee (the root's office reads a commune's own tasks but does not change them)."""
    return user.role in TASK_MANAGER_ROLES and (work is None or acts_in_committee(user, work.committee_id))


def can_report_progress(user: User, task: Task) -> bool:
    """Post progress and report completion: the lead unit (or admin)."""
    return user.role == ADMIN or is_lead_unit_user(user, task)


def can_contribute(user: User, task: Task) -> bool:
    """Post an update of any kind: the lead unit, or a coordinating unit's own contribution."""
    return can_report_progress(user, task) or is_coordinating_unit_user(user, task)


def can_review(user: User, task: Task | None = None) -> bool:
    return can_manage_tasks(user, task)


def can_request_extension(user: User, task: Task) -> bool:
    return is_lead_unit_user(user, task)


def can_decide_extension(user: User, task: Task | None = None) -> bool:
    return user.role in EXTENSION_DECIDER_ROLES and (task is None or acts_in_committee(user, task.committee_id))


def can_give_direction(user: User, task: Task | None = None) -> bool:
    """Ý kiến chỉ đạo on a task: the leaders, and the office that records their directions (or admin), of the
    task's committee."""
    return user.role in DIRECTION_ROLES and (task is None or acts_in_committee(user, task.committee_id))


def can_edit_milestones(user: User, task: Task) -> bool:
    """The progress table of a long task: kept by the office and by the lead unit."""
    return can_manage_tasks(user, task) or can_report_progress(user, task)


def can_attach_to_directive(user: User, directive: Directive) -> bool:
    return can_manage_tasks(user, directive) and can_view_directive(user, directive)


def can_attach_to_update(user: User, task: Task, update_unit_id: int) -> bool:
    """Files of an update or completion report: added by the unit that posted it (or the admin)."""
    if user.role == ADMIN:
        return True
    return can_contribute(user, task) and user.unit_id == update_unit_id


def can_assign_staff(user: User, task: Task) -> bool:
    unit_ids = {task.lead_unit_id, *task.coordinating_unit_ids}
    return user.role == UNIT_MANAGER and user.unit_id in unit_ids


def can_read_confidential(user: User) -> bool:
    """Confidential directives (văn bản mật) and their tasks: the office, the leaders and the admin."""
    return user.role in CONFIDENTIAL_READER_ROLES


def can_delete_task(user: User) -> bool:
    """Delete a task that was never real (a test entry, entered twice); any other ending is a withdrawal."""
    return user.role == ADMIN


def can_manage_calendar(user: User) -> bool:
    """The working calendar (days off, working Saturdays) every deadline counts on: the admin's."""
    return user.role == ADMIN


def can_view_directive(user: User, directive: Directive) -> bool:
    """The root committee's directives are read by everyone (the confidential ones by those who may); a
    commune's own directives by its own users, the root's staff and the admin."""
    if directive.confidential and not can_read_confidential(user):
        return False
    if directive.committee_id is None or user.role == ADMIN:
        return True
    committee_id = committee_id_of(user)
    return committee_id == directive.committee_id or (committee_id is None and user.sees_all)


def directive_visibility_clause(user: User, committee_column: ColumnElement[int | None]) -> ColumnElement[bool]:
    """`can_view_directive`'s committee rule as SQL, on a directive's `committee_id` column."""
    committee_id = committee_id_of(user)
    if user.role == ADMIN or (committee_id is None and user.sees_all):
        return sa.true()
    if committee_id is None:
        return committee_column.is_(None)
    return sa.or_(committee_column.is_(None), committee_column == committee_id)


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


def can_set_kpi_targets(user: Actor) -> bool:
    """Assign targets (by form, API or Excel import, or the product's own scripted loads) and link them to tasks."""
    return user is SYSTEM or user.role in KPI_MANAGER_ROLES


def can_enter_kpi_measurements(user: User) -> bool:
    """Open the entry and import pages at all: the office, or a user of some unit."""
    return user.role in KPI_MANAGER_ROLES or (user.is_unit_user and user.unit_id is not None)


def can_enter_kpi_measurement(user: Actor, unit_id: int) -> bool:
    """Enter or import a figure for `unit_id`: the office for every unit of its committee's tree, a unit only for
    itself; the product records the figures it computes from the dossiers for every unit."""
    if isinstance(user, SystemActor):
        return True
    if user.role in KPI_MANAGER_ROLES:
        return user.role == ADMIN or oversees_unit(user, unit_id)
    return user.is_unit_user and user.unit_id is not None and user.unit_id == unit_id


# Emulation scoring (thi đua). Everyone signed in reads rules, drafts and published results (a grade must
# be explainable to the unit it concerns); the Interior department runs the scoring, the office decides
# units' objections, and only a unit's head objects, for its own unit.
SCORING_MANAGER_ROLES = frozenset({ADMIN, INTERIOR})
SCORE_OBJECTION_DECIDER_ROLES = frozenset({ADMIN, OFFICE})


def can_manage_scoring(user: User) -> bool:
    """Edit the year's scoring rule, publish a scoring or a superseding version: the scoring covers every unit of the
    instance, so only the root committee's Interior department (or the admin), never a commune's staff."""
    return user.role in SCORING_MANAGER_ROLES and committee_id_of(user) is None


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
    return oversees_everything(user)


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
        committee_id = committee_id_of(user)
        return sa.true() if committee_id is None else unit_column.in_(committee_unit_ids(committee_id))
    if user.is_unit_user and user.unit_id is not None:
        return unit_column == user.unit_id
    return sa.false()


def oversees_unit(user: User, unit_id: int) -> bool:
    """Staff read every unit's figures of their committee's tree (the root's staff: every unit)."""
    if not user.sees_all:
        return False
    committee_id = committee_id_of(user)
    return committee_id is None or unit_id in committee_unit_ids(committee_id)


def can_view_unit_dossiers(user: User, unit_id: int) -> bool:
    return oversees_unit(user, unit_id) or (user.is_unit_user and user.unit_id is not None
                                            and user.unit_id == unit_id)


def can_import_dossiers(user: Actor) -> bool:
    """The instance's dossier system exports every unit's dossiers: imported by the root committee's office, or
    by the console command on the server."""
    if isinstance(user, SystemActor):
        return True
    return user.role in DOSSIER_MANAGER_ROLES and committee_id_of(user) is None


def can_record_apology_letter(user: User, unit_id: int) -> bool:
    """Record (or correct) the apology letter of a dossier handled by `unit_id`."""
    if user.role in DOSSIER_MANAGER_ROLES:
        return user.role == ADMIN or oversees_unit(user, unit_id)
    return user.is_unit_user and user.unit_id is not None and user.unit_id == unit_id


def can_view_repeat_offenders(user: User) -> bool:
    """The report naming units late two months running: the roles that oversee every unit."""
    return oversees_everything(user)


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
    return oversees_unit(user, unit_id) or (user.is_unit_user and user.unit_id is not None
                                            and user.unit_id == unit_id)


def can_view_monthly_report(user: User) -> bool:
    """The monthly report to the Chairman covers the root committee's units: its own staff (not yet per commune)."""
    return oversees_everything(user)
