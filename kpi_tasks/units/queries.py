"""What other packages ask of the organisation tree."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased

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
    return list(db.session.execute(
        sa.select(Unit.id, Unit.name, Unit.kind).where(Unit.active.is_(True)).order_by(Unit.kind, Unit.name)
    ))


def units_digest(units: list[sa.Row]) -> str:
    """The digest of (id, name, kind) rows that `active_units_digest` computes in the database: the MD5 of their
    "id kind name" lines, in id order, joined by newlines."""
    lines = "\n".join(f"{unit.id} {unit.kind} {unit.name}" for unit in sorted(units, key=lambda unit: unit.id))
    return hashlib.md5(lines.encode(), usedforsecurity=False).hexdigest()


def active_units_digest() -> str | None:
    """`units_digest(active_unit_names())` computed by PostgreSQL, which returns one row instead of a province's
    2,000 (and sorts them by id, not by name in the database's collation): it changes whenever what the unit
    filter shows does, on every host alike. None on SQLite, which has no MD5."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    line = sa.func.concat_ws(" ", Unit.id, Unit.kind, Unit.name)
    lines = sa.func.string_agg(line, aggregate_order_by(sa.literal("\n"), Unit.id))
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.md5(lines), units_digest([])))
                             .where(Unit.active.is_(True)))


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
