"""Pagination in SQL for selects that return rows of several columns (db.paginate only yields scalars)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from kpi_tasks.extensions import db

MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate_rows(query: sa.Select, page: int, per_page: int, total: int | None = None) -> Page:
    """A page of the query's rows with their total: `total` when the caller knows it (kept counts), else counted."""
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    if total is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(rows), total=total, page=page, per_page=per_page)
