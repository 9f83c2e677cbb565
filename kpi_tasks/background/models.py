"""One background job: who asked for it, what it does, how far it got, and where its result is."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db

if TYPE_CHECKING:
    from kpi_tasks.accounts.models import User

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
STATUS_LABELS = {QUEUED: "Đang chờ xử lý", RUNNING: "Đang xử lý", DONE: "Đã xong", FAILED: "Không thành công"}


class BackgroundJob(db.Model):
    """A long export, report or import run by `kpi-tasks worker` for one user."""

    __tablename__ = "background_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # What the user sees ("Danh sách nhiệm vụ (Excel)"), fixed when the job is queued.
    label: Mapped[str] = mapped_column(sa.String(200))
    # The kind's parameters as JSON: everything the worker needs, since it has no request.
    params_json: Mapped[str] = mapped_column(sa.Text, default="{}")
    status: Mapped[str] = mapped_column(sa.String(10), default=QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()
    # Why it failed, or what it did, in Vietnamese.
    message: Mapped[str | None] = mapped_column(sa.Text)
    # The result file: stored under a random name in the file store (key jobs/<name>, like attachments: storage/),
    # sent under result_name.
    result_file: Mapped[str | None] = mapped_column(sa.String(64))
    result_name: Mapped[str | None] = mapped_column(sa.String(200))
    result_mime: Mapped[str | None] = mapped_column(sa.String(120))
    result_size: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Touched by the worker while it runs the job; a running job whose heartbeat is older than
    # JOB_STALE_SECONDS belonged to a worker that died, and is marked failed.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # After this the result file is deleted (JOB_RESULT_DAYS after the job finished).
    expires_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(sa.String(200))
    # The failed job this one runs again, if any.
    rerun_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("background_jobs.id", ondelete="SET NULL"))

    owner: Mapped[User] = relationship("User")

    __table_args__ = (sa.Index("ix_background_jobs_status_id", "status", "id"),)

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json or "{}")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    @property
    def percent(self) -> int:
        """Progress in whole percent; a job that is done is at 100 whatever its counts."""
        if self.status == DONE:
            return 100
        if not self.total:
            return 0
        return max(0, min(99, self.done * 100 // self.total))
