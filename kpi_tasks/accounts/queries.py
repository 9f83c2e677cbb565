"""Read-side queries over users."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.roles import LEADER
from kpi_tasks.extensions import db


def active_leaders() -> list[User]:
    """The active leaders the office may record a direction for."""
    return list(db.session.scalars(
        sa.select(User).where(User.role == LEADER, User.active.is_(True)).order_by(User.full_name, User.id)
    ))
