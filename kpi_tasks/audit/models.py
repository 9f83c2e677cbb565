from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db

if TYPE_CHECKING:
    from kpi_tasks.accounts.models import User


class ChangeLine(NamedTuple):
    """One changed field of an event as a page shows it: "Chuyên viên được giao: — → Nguyễn Văn A"."""

    label: str
    old: str
    new: str


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str | None] = mapped_column(sa.Text)

    actor: Mapped[User | None] = relationship("User")

    __table_args__ = (sa.Index("ix_audit_events_entity", "entity_type", "entity_id", "at"),)

    @property
    def lines(self) -> list[ChangeLine]:
        """The changes as a page shows them (see `audit.services.describe_changes`). `history()` works them out
        for all its events at once; an event loaded some other way works out its own on first use."""
        if "_lines" not in self.__dict__:
            from kpi_tasks.audit.services import describe_changes  # the services import this module

            describe_changes([self])
        return self.__dict__["_lines"]

    @lines.setter
    def lines(self, value: list[ChangeLine]) -> None:
        self.__dict__["_lines"] = value
