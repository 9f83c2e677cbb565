"""The review state of an uploaded directive, kept between the upload and the office's confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db


class IntakeDraft(db.Model):
    """One directive being reviewed: its text and the drafts as the office has edited them so far.

    A directive's text and its drafts run to tens of kilobytes, beyond what a cookie session holds, so they
    live here. `payload` is the header and the draft list (see `intake.services`); `directive_id` is set
    once the office has confirmed, after which the draft is kept only as a record of where the tasks came
    from.
    """

    __tablename__ = "intake_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    source_text: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    directive_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directives.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # Two clerks saving the same draft: the second is told to reload instead of overwriting the first.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API
