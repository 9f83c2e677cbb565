"""Administrative-procedure dossiers (hồ sơ TTHC) and the apology letters late ones oblige.

A dossier is imported from the province's dossier system; the product never edits one by hand. Its
`effective_due_on` is the promised return date moved to the next working day when it falls on a day off
(a period ending on a day off ends on the next working day: Civil Code 2015, art. 148), so that lateness
is one comparison of stored columns in SQL (`queries.late_predicate`).

An `ApologyLetter` row is first the obligation (Decree 61/2018/NĐ-CP art. 19 as amended by Decree
107/2021/NĐ-CP; form no. 04 of Circular 01/2018/TT-VPCP) and, once recorded, the letter itself.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit

ONLINE = "online"
IN_PERSON = "in_person"
POSTAL = "postal"
CHANNELS = (ONLINE, IN_PERSON, POSTAL)
CHANNEL_LABELS = {ONLINE: "Trực tuyến", IN_PERSON: "Trực tiếp", POSTAL: "Bưu chính công ích"}

PENDING = "pending"
ISSUED = "issued"
LATE = "late"
LETTER_STATUSES = (PENDING, ISSUED, LATE)
LETTER_STATUS_LABELS = {PENDING: "Chưa gửi phiếu", ISSUED: "Đã gửi đúng hạn", LATE: "Gửi phiếu trễ hạn"}
LETTER_STATUS_CSS = {PENDING: "warning", ISSUED: "success", LATE: "danger"}

# A dossier late already or that may still run late (unresolved): every late dossier, whatever the day, is one.
LATE_OR_OPEN = "resolved_on IS NULL OR resolved_on > effective_due_on"

CODE_MAX = 60
PROCEDURE_MAX = 500
SHORT_TEXT_MAX = 255


class Dossier(db.Model):
    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The dossier system's own number ("Mã hồ sơ"); importing the same code again updates the row.
    code: Mapped[str] = mapped_column(sa.String(CODE_MAX), unique=True)
    procedure: Mapped[str] = mapped_column(sa.String(PROCEDURE_MAX), default="")
    field: Mapped[str] = mapped_column(sa.String(SHORT_TEXT_MAX), default="")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    applicant: Mapped[str | None] = mapped_column(sa.String(SHORT_TEXT_MAX))
    received_on: Mapped[dt.date] = mapped_column(sa.Date)
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    effective_due_on: Mapped[dt.date] = mapped_column(sa.Date)
    resolved_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # None where the export does not say: such a dossier is left out of that rate's denominator.
    channel: Mapped[str | None] = mapped_column(sa.String(10))
    paid_online: Mapped[bool | None] = mapped_column()
    digitised: Mapped[bool | None] = mapped_column()
    # As the export gives them; the letter actually recorded is the ApologyLetter row.
    apology_letter_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    new_appointment_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        # Monthly aggregation (late months, rates) reads these per unit without touching the table.
        sa.Index("ix_dossiers_unit_id_effective_due_on", "unit_id", "effective_due_on"),
        sa.Index("ix_dossiers_unit_id_received_on", "unit_id", "received_on"),
        sa.Index("ix_dossiers_unit_id_resolved_on", "unit_id", "resolved_on"),
        # The office's list, latest due first, a page at a time.
        sa.Index("ix_dossiers_effective_due_on_id", "effective_due_on", "id"),
        # Late months of every unit over a period (scoring's repeat_late_month_counts), read from the index alone:
        # the dossiers late or still open are about an eighth of them.
        sa.Index("ix_dossiers_late_or_open", "effective_due_on", "unit_id", "resolved_on",
                 sqlite_where=sa.text(LATE_OR_OPEN), postgresql_where=sa.text(LATE_OR_OPEN)),
        sa.CheckConstraint("due_on >= received_on", name="due_after_receipt"),
    )

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel or "", "")

    def __repr__(self) -> str:
        return f"<Dossier {self.code}>"


class ApologyLetter(db.Model):
    """One late dossier's apology-letter obligation for its handling unit, then the letter recorded."""

    __tablename__ = "apology_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    # The letter must reach the applicant by this day (the dossier's due date, or N working days before).
    due_by: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    issued_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    new_appointment_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Head of the handling body who signs (form no. 04's signature block); optional.
    signer: Mapped[str | None] = mapped_column(sa.String(SHORT_TEXT_MAX))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    dossier: Mapped[Dossier] = relationship()
    unit: Mapped[Unit] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_apology_letters_unit_id_status", "unit_id", "status"),
        sa.Index("ix_apology_letters_due_by", "due_by"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API

    @property
    def status_label(self) -> str:
        return LETTER_STATUS_LABELS.get(self.status, self.status)

    def overdue(self, today: dt.date) -> bool:
        """Still not sent and its day has passed."""
        return self.status == PENDING and self.due_by < today


class DossierImport(db.Model):
    """One accepted import of a dossier-system export: what it changed, by whom (refused files leave none)."""

    __tablename__ = "dossier_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.String(SHORT_TEXT_MAX))
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    obligations_created: Mapped[int] = mapped_column(default=0)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    imported_by: Mapped[User | None] = relationship()
