"""Deleting rows with what depends on them, as the schema's ON DELETE rules say.

SQLite here does not enforce foreign keys, so the rules are followed in code on both databases: CASCADE deletes
the dependent rows (and theirs), SET NULL clears the reference, and a reference without a rule refuses.
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.errors import ConflictError
from kpi_tasks.extensions import db


def delete_rows(table: sa.Table, ids: list[int]) -> None:
    """Delete `ids` of `table` after what depends on them, following each foreign key's ON DELETE rule."""
    if not ids:
        return
    for child in db.metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is not table:
                continue
            column = key.parent
            where = column.in_(ids)
            rule = (key.ondelete or "").upper()
            if rule == "CASCADE":
                pk = list(child.primary_key.columns)
                if len(pk) == 1:
                    delete_rows(child, list(db.session.scalars(sa.select(pk[0]).where(where))))
                else:
                    db.session.execute(sa.delete(child).where(where))
            elif rule == "SET NULL":
                db.session.execute(sa.update(child).where(where).values({column.name: None}))
            elif db.session.scalar(sa.select(sa.func.count()).select_from(child).where(where)):
                raise ConflictError(f"Dữ liệu đã được dùng ở nơi khác ({child.name}): không xóa được, hãy thu hồi.")
    db.session.execute(sa.delete(table).where(next(iter(table.primary_key.columns)).in_(ids)))
