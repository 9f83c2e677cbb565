from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.extensions import db

UNIT_KINDS = ("department", "commune", "other")
UNIT_KIND_LABELS = {"department": "Phòng, ban chuyên môn", "commune": "Xã, thị trấn", "other": "Đơn vị khác"}
# The heading of each kind's group in documents and appendices, where units of a kind are ranked together.
UNIT_KIND_GROUP_LABELS = {"department": "Các cơ quan chuyên môn", "commune": "Ủy ban nhân dân các xã, phường",
                          "other": "Các đơn vị khác"}


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    # Accent-folded lower-case name, so that search and matching ignore diacritics in SQL.
    name_folded: Mapped[str] = mapped_column(sa.String(255), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
