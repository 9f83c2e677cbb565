from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from kpi_tasks.units.models import Unit

SUBJECT_TASK = "task"
SUBJECT_KPI = "kpi"

OBJECTION_PENDING = "pending"
OBJECTION_ACCEPTED = "accepted"
OBJECTION_REJECTED = "rejected"
OBJECTION_STATUSES = (OBJECTION_PENDING, OBJECTION_ACCEPTED, OBJECTION_REJECTED)
OBJECTION_STATUS_LABELS = {
    OBJECTION_PENDING: "Chờ Văn phòng xem xét",
    OBJECTION_ACCEPTED: "Chấp nhận",
    OBJECTION_REJECTED: "Không chấp nhận",
}


class ScoreRule(db.Model):
    """One version of a year's scoring rule. Once a published scoring uses it, it is never changed:
    saving then creates the next version."""

    __tablename__ = "score_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    version: Mapped[int] = mapped_column()
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("year", "version"),)


class Scoring(db.Model):
    """A published scoring of a year: frozen results (UnitScore rows), never recomputed or edited.
    A later version of the same year supersedes it, with a reason; every version stays readable."""

    __tablename__ = "scorings"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    version: Mapped[int] = mapped_column()
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    # The computation date: tasks due up to it count, and statuses are taken as of it.
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("score_rules.id"), index=True)
    # Why this version replaces the previous one (required from version 2 on).
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Fingerprint of the results, so a page can check it publishes exactly what the user looked at.
    digest: Mapped[str] = mapped_column(sa.String(64))
    # Whether the optional data sources existed when computed: {"kpi": bool, "late_apology_letters": …}.
    sources: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    rule: Mapped[ScoreRule] = relationship()
    published_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("year", "version"),)


class UnitScore(db.Model):
    """One unit's frozen result in a published scoring, with the breakdown that explains it."""

    __tablename__ = "unit_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    scoring_id: Mapped[int] = mapped_column(sa.ForeignKey("scorings.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # The unit's code and name when published: the appendix reads the same even after a rename.
    unit_code: Mapped[str] = mapped_column(sa.String(40))
    unit_name: Mapped[str] = mapped_column(sa.String(255))
    position: Mapped[int] = mapped_column()
    score: Mapped[float | None] = mapped_column(sa.Float)
    grade: Mapped[str | None] = mapped_column(sa.String(120))
    breakdown: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("scoring_id", "unit_id"),)


class ScoreObjection(db.Model):
    """A unit's objection to one line of its scoring of a year (a task, a KPI target, an apology letter,
    a repeat-late month, or a whole KPI or penalty line), and the office's decision.

    An accepted objection with `exclude` removes what it names from that unit's next computations of the
    year: the task (with its occurrences), the KPI target, the letter, the month, or every item of the line.
    """

    __tablename__ = "score_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # Which line: SUBJECT_TASK, "kpi", or a penalty code (scoring/rules.py PENALTIES).
    subject: Mapped[str] = mapped_column(sa.String(40), default=SUBJECT_TASK, server_default=SUBJECT_TASK)
    # Set for a task objection only.
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    # The item of a KPI or penalty line (its "ref" in the breakdown); None: the whole line.
    item_ref: Mapped[str | None] = mapped_column(sa.String(40))
    # How the item read when the unit objected, so the office reads it without the breakdown.
    item_label: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # The published version the unit objected to; None when it objected to the draft.
    scoring_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scorings.id"))
    # How the task was counted when the unit objected (e.g. "overdue / lead").
    counted_as: Mapped[str] = mapped_column(sa.String(40), default="")
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default=OBJECTION_PENDING, index=True)
    exclude: Mapped[bool] = mapped_column(default=False)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    unit: Mapped[Unit] = relationship()
    task: Mapped[Task | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return OBJECTION_STATUS_LABELS.get(self.status, self.status)
