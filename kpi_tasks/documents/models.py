"""Who issues the committee's documents and what each kind of document prints (Decree 30/2020/NĐ-CP)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db


class DocumentIdentity(db.Model):
    """The issuing body of one committee as its documents print it.

    `unit_id` names the committee unit the identity belongs to; None is the root committee, the only one
    until units become a tree of committees, each with its own identity (one row per committee).
    """

    __tablename__ = "document_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), unique=True)
    # "Ủy ban nhân dân tỉnh Quảng Ngãi": the header's issuing body, in full.
    issuing_body: Mapped[str] = mapped_column(sa.String(255))
    # "UBND tỉnh Quảng Ngãi": in running text, and above the office or a unit in their headers.
    issuing_body_short: Mapped[str] = mapped_column(sa.String(255))
    # The body above the issuing body, printed above it when there is one ("" for a People's Committee).
    superior_body: Mapped[str] = mapped_column(sa.String(255), default="")
    place_name: Mapped[str] = mapped_column(sa.String(120))  # "Quảng Ngãi, ngày … tháng … năm …"
    office_name: Mapped[str] = mapped_column(sa.String(255))  # "Văn phòng UBND tỉnh" in running text
    office_header: Mapped[str] = mapped_column(sa.String(120))  # "Văn phòng" under the issuing body
    committee_symbol: Mapped[str] = mapped_column(sa.String(20))  # "UBND" → "/BC-UBND", "/QĐ-UBND"
    office_symbol: Mapped[str] = mapped_column(sa.String(20))  # "VP" → "/BC-VP"
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    signers: Mapped[list[DocumentSigner]] = relationship(
        back_populates="identity", cascade="all, delete-orphan", order_by="DocumentSigner.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative attribute


class DocumentSigner(db.Model):
    """Who signs one kind of document and the heads of its "Nơi nhận" list."""

    __tablename__ = "document_signers"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("document_identities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    authority: Mapped[str] = mapped_column(sa.String(120), default="")  # "KT. CHỦ TỊCH", "TL. CHỦ TỊCH" or ""
    title: Mapped[str] = mapped_column(sa.String(120))  # "CHÁNH VĂN PHÒNG"
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    # One recipient a line, between "- Như trên;" and "- Lưu: VT, …" which every document prints itself.
    recipients: Mapped[str] = mapped_column(sa.Text, default="")

    identity: Mapped[DocumentIdentity] = relationship(back_populates="signers")

    __table_args__ = (sa.UniqueConstraint("identity_id", "kind", name="uq_document_signers_kind"),)


class DocumentTemplate(db.Model):
    """A .docx template an admin uploaded to replace the shipped one of a kind (kept in the database, so
    that every application host uses it)."""

    __tablename__ = "document_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("document_identities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("identity_id", "kind", name="uq_document_templates_kind"),)
