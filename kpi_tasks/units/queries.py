"""What other packages ask of the organisation tree."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit


def committee_unit_ids(committee_id: int) -> list[int]:
    """The committee's unit and every unit under it, by one recursive query on the tree."""
    tree = sa.select(Unit.id).where(Unit.id == committee_id).cte("subtree", recursive=True)
    tree = tree.union(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))
    return list(db.session.scalars(sa.select(tree.c.id)))


def active_unit_names() -> list[sa.Row]:
    """(id, name) of the active units in list_units' order: what a list's unit filter shows, without loading a
    province's 2,000 units as objects on every page of the list."""
    return list(db.session.execute(
        sa.select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.kind, Unit.name)
    ))
