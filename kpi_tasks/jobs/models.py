"""The record of each job run, and the lease that lets one process at a time run jobs."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db

if TYPE_CHECKING:
    from kpi_tasks.accounts.models import User

RUNNING = "running"
OK = "ok"
FAILED = "failed"
INTERRUPTED = "interrupted"
RUN_STATUS_LABELS = {RUNNING: "Đang chạy", OK: "Thành công", FAILED: "Lỗi", INTERRUPTED: "Bị gián đoạn"}
TRIGGER_LABELS = {"schedule": "Theo lịch", "manual": "Chạy ngay", "cli": "Dòng lệnh"}




class JobRun(db.Model):
    """One run of a job: by the scheduler, by the admin's "Chạy ngay", or by the console script."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    trigger: Mapped[str] = mapped_column(sa.String(10))
    # The scheduler process that ran it (host:pid:id); None for a manual or console run.
    holder: Mapped[str | None] = mapped_column(sa.String(200))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(12), default=RUNNING)
    result: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)

    actor: Mapped[User | None] = relationship("User")

    __table_args__ = (sa.Index("ix_job_runs_job_started_at", "job", "started_at"),)

    @property
    def status_label(self) -> str:
        return RUN_STATUS_LABELS.get(self.status, self.status)

    @property
    def trigger_label(self) -> str:
        return TRIGGER_LABELS.get(self.trigger, self.trigger)


class SchedulerLease(db.Model):
    """Who may run jobs now. Taken by a conditional UPDATE (or the first INSERT), valid until expires_at."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    acquired_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


