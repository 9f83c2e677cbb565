"""Read-side queries over users."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.roles import LEADER
from kpi_tasks.extensions import db


def active_leaders() -> list[User]:
    """The active leaders the office may record a direction for."""
    return list(db.session.scalars(
        sa.select(User).where(User.role == LEADER, User.active.is_(True)).order_by(User.full_name, User.id)
    ))


def people_names(usernames: Iterable[str], ids: Iterable[int]) -> list[tuple[int, str, str]]:
    """(id, username, full name) of the users named by username or by id (the audit log's people)."""
    return [tuple(row) for row in db.session.execute(
        sa.select(User.id, User.username, User.full_name)
        .where(sa.or_(User.username.in_(list(usernames)), User.id.in_(list(ids))))
    )]


def users_of_unit(unit_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.unit_id == unit_id, User.active.is_(True)).order_by(User.full_name)
        )
    )


def list_users() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).options(selectinload(User.unit)).order_by(User.role, User.username)
    ))

