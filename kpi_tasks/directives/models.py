from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db

DIRECTIVE_KINDS = {
    "cong_van": "Công văn",
    "thong_bao": "Thông báo",
    "ke_hoach": "Kế hoạch",
    "quyet_dinh": "Quyết định",
    "chi_thi": "Chỉ thị",
    "khac": "Khác",
}


class Directive(db.Model):
    __tablename__ = "directives"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(80), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="cong_van")
    issued_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    signer: Mapped[str | None] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.Text)
    subject_folded: Mapped[str] = mapped_column(sa.Text, default="")
    # "2026|ubnd huyện bình sơn|999/ubnd-vp": year of issue, issuer and number as compared for uniqueness
    # (directives/services.py, uniqueness_key). The unique index makes the database refuse what two clerks
    # entering the same directive at once would both pass the check with. NULL for the directives that
    # already shared a number when the index came (migration 0012).
    number_key: Mapped[str | None] = mapped_column(sa.Text)
    # Confidential documents are recorded but their tasks are not tracked here.
    confidential: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directives.id"))
    # The commune committee (a unit with `is_committee`) whose own directive this is; NULL: the root committee's.
    # Set from the office user who entered it (accounts/permissions.py committee_id_of).
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    parent: Mapped[Directive | None] = relationship(remote_side=[id])

    __table_args__ = (
        sa.Index("uq_directives_number_key", "number_key", unique=True),
        # The few confidential directives, whose tasks every list and count leaves out (tasks/queries.py).
        sa.Index("ix_directives_confidential", "id", sqlite_where=sa.text("confidential IS 1"),
                 postgresql_where=sa.text("confidential IS true")),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API

    @property
    def kind_label(self) -> str:
        return DIRECTIVE_KINDS.get(self.kind, self.kind)
