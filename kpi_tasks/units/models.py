from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.extensions import db

UNIT_KINDS = ("department", "commune", "village", "other")
# A kind's name where the level is not known (filters, "Tất cả …" rows, the change log). "Cơ quan chuyên môn" is
# the legal name of both a province's departments (sở, ban, ngành) and a commune's (phòng chuyên môn).
UNIT_KIND_LABELS = {"department": "Cơ quan chuyên môn", "commune": "Xã, phường, đặc khu",
                    "village": "Thôn, ấp, tổ dân phố", "other": "Đơn vị khác"}
# A department's name by the committee it serves (see services.kind_label).
PROVINCE_DEPARTMENT_LABEL = "Sở, ban, ngành"
COMMUNE_DEPARTMENT_LABEL = "Phòng chuyên môn"
# The heading of each kind's group in documents and appendices, where units of a kind are ranked together.
UNIT_KIND_GROUP_LABELS = {"department": "Các cơ quan chuyên môn", "commune": "Ủy ban nhân dân các xã, phường",
                          "village": "Các thôn, ấp, tổ dân phố", "other": "Các đơn vị khác"}


class Unit(db.Model):
    """A node of the organisation tree (docs: README "Organisation tree").

    The root of the tree is the People's Committee that runs the instance, which is not a row: units without a
    parent are its own (a province's departments and communes, or a commune's departments and villages). A unit
    with `is_committee` (a commune with its own users) is a People's Committee of its own: its subtree is its own
    departments and villages.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The official code for communes and wards imported from the 2025 catalogue ("21211"); kept across renames.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    # Accent-folded lower-case name, so that search and matching ignore diacritics in SQL.
    name_folded: Mapped[str] = mapped_column(sa.String(255), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    is_committee: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
