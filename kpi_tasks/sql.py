"""SQL building blocks every package may use."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from kpi_tasks.extensions import db


def in_ids(column: sa.ColumnElement[int], ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """`column IN ids` with the ids as ONE bound parameter (an array on PostgreSQL, JSON text on SQLite):
    one statement whatever their number, below every limit on bound parameters, and one cached SQL string."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.Integer)))
    values = sa.func.json_each(sa.bindparam(None, json.dumps(list(ids)), type_=sa.Text)).table_valued("value")
    return column.in_(sa.select(values.c.value))
