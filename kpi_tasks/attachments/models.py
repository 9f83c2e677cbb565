from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db

if TYPE_CHECKING:
    from kpi_tasks.accounts.models import User
    from kpi_tasks.directives.models import Directive
    from kpi_tasks.tasks.models import Task


# A file belongs to exactly one of: a directive, a progress update, a comment of a task's thread.
ONE_OWNER = ("(CASE WHEN directive_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN update_id IS NULL THEN 0 ELSE 1 END)"
             " + (CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END) = 1")


class Attachment(db.Model):
    """One stored file, owned by a directive, a progress update (a completion report is an update) or a comment.

    `stored_name` is random and is the only name used on disk; `original_name` is only shown and offered
    as the download name. `task_id` repeats the update's task so that access checks need no extra query.
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directives.id", ondelete="CASCADE"), index=True)
    update_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("progress_updates.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # A file posted with a comment of the task's thread (tasks' TaskComment); `task_id` is its task.
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("task_comments.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    uploaded_by: Mapped[User] = relationship("User")
    # The owner, whose visibility is the file's (named, not imported: directives and tasks sit above this package).
    directive: Mapped[Directive | None] = relationship("Directive")
    task: Mapped[Task | None] = relationship("Task")

    @property
    def size_label(self) -> str:
        """"1,2 MB", "35 KB": how the size reads on a page."""
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB".replace(".", ",")
        return f"{max(1, round(self.size / 1024))} KB"

    __table_args__ = (
        sa.CheckConstraint(ONE_OWNER, name="one_owner"),
    )
