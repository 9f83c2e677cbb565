"""The one access policy: pages, the API and templates all ask these functions.

Unit users see a task when their unit leads or coordinates it; staff only the tasks handed to them.
Everything is checked on the server per object; hiding a button is only a convenience.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.roles import ADMIN, LEADER, OFFICE, UNIT_MANAGER, UNIT_STAFF
from kpi_tasks.directives.models import Directive
from kpi_tasks.tasks.models import Task, task_assignees, task_coordinating_units

TASK_MANAGER_ROLES = frozenset({ADMIN, OFFICE})
EXTENSION_DECIDER_ROLES = frozenset({ADMIN, OFFICE, LEADER})
CONFIDENTIAL_READER_ROLES = frozenset({ADMIN, OFFICE, LEADER})


def unit_involvement_clause(unit_id: int) -> ColumnElement[bool]:
    """Tasks that `unit_id` leads or coordinates."""
    coordinates = sa.exists().where(
        task_coordinating_units.c.task_id == Task.id, task_coordinating_units.c.unit_id == unit_id
    )
    return sa.or_(Task.lead_unit_id == unit_id, coordinates)


def task_visibility_clause(user: User) -> ColumnElement[bool]:
    """WHERE clause restricting a task query to what `user` may see."""
    if user.sees_all:
        return sa.true()
    if user.role not in (UNIT_MANAGER, UNIT_STAFF) or user.unit_id is None:
        return sa.false()
    clause = unit_involvement_clause(user.unit_id)
    if user.role == UNIT_STAFF:
        handed_to_user = sa.exists().where(
            task_assignees.c.task_id == Task.id, task_assignees.c.user_id == user.id
        )
        clause = sa.and_(clause, handed_to_user)
    return clause


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


def can_assign_staff(user: User, task: Task) -> bool:
    unit_ids = {task.lead_unit_id, *task.coordinating_unit_ids}
    return user.role == UNIT_MANAGER and user.unit_id in unit_ids


def can_view_directive(user: User, directive: Directive) -> bool:
    if directive.confidential:
        return user.role in CONFIDENTIAL_READER_ROLES
    return True


def can_manage_units(user: User) -> bool:
    return user.role == ADMIN
