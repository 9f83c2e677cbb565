"""What other packages ask of the organisation tree."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit


def committee_unit_ids(committee_id: int) -> list[int]:
    """The committee's unit and every unit under it, by one recursive query on the tree."""
    tree = sa.select(Unit.id).where(Unit.id == committee_id).cte("subtree", recursive=True)
    tree = tree.union(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))
    return list(db.session.scalars(sa.select(tree.c.id)))


def active_unit_names() -> list[sa.Row]:
    """(id, name, kind) of the active units in list_units' order: what a list's unit filter shows, without loading
    a province's 2,000 units as objects on every page of the list."""
    return list(db.session.execute(_active_units()))


def _active_units() -> sa.Select:
    return sa.select(Unit.id, Unit.name, Unit.kind).where(Unit.active.is_(True)).order_by(Unit.kind, Unit.name)


def _units_digest(over: bool = False) -> ColumnElement[Any]:
    """The sum over the active units of PostgreSQL's 64-bit hash of each one's name and of its kind, seeded by its
    id: renaming a unit, changing its kind, adding, activating or deactivating one changes it (but with odds of one
    in 2^64), and it reads no more than the rows' own columns, unsorted."""
    parts = [sa.func.sum(sa.func.hashtextextended(column, Unit.id)) for column in (Unit.name, Unit.kind)]
    if over:
        parts = [part.over() for part in parts]
    return sa.func.coalesce(parts[0] + parts[1], 0)


def active_units_digest() -> str | None:
    """What tells a change to what the unit filter shows (the active units' ids, names and kinds), on every host
    alike: one row instead of a province's 2,000. None on SQLite, which has no such hash."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return str(db.session.scalar(sa.select(_units_digest()).where(Unit.active.is_(True))))


def active_unit_names_digested() -> tuple[list[sa.Row], str | None]:
    """`active_unit_names()` with their `active_units_digest()`, read by one statement (so of the same units)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return active_unit_names(), None
    rows = list(db.session.execute(_active_units().add_columns(_units_digest(over=True).label("digest"))))
    return rows, str(rows[0].digest if rows else 0)


def placed_unit_ids(committee_id: int | None) -> sa.Select:
    """The ids of the units the committee `committee_id` (None: the root) gives tasks to, as a subquery: those
    whose parent's committee it is (accounts.permissions.placement_committee_id), found by one recursive query
    down the tree, for a statement to filter on instead of a list of a province's 2,000 ids built in Python."""
    placed = (
        sa.select(Unit.id.label("id"), Unit.is_committee.label("is_committee"),
                  sa.cast(sa.null(), sa.Integer).label("committee_id"))
        .where(Unit.parent_id.is_(None))
        .cte("placed", recursive=True)
    )
    child = aliased(Unit)
    placed = placed.union_all(
        sa.select(child.id, child.is_committee,
                  sa.case((placed.c.is_committee, placed.c.id), else_=placed.c.committee_id))
        .where(child.parent_id == placed.c.id)
    )
    placement = placed.c.committee_id.is_(None) if committee_id is None else placed.c.committee_id == committee_id
    return sa.select(placed.c.id).where(placement)


def active_committee_ids(kind: str) -> set[int]:
    """The active units of `kind` that are committees of their own (a commune with its own users), read as ids
    rather than as a province's 2,000 units."""
    return set(db.session.scalars(sa.select(Unit.id).where(Unit.active.is_(True), Unit.kind == kind,
                                                         Unit.is_committee.is_(True))))
