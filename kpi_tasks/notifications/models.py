"""Notifications (thông báo, nhắc việc): one message to one user, shown in-app and e-mailed, with its
delivery state."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.accounts.models import User
from kpi_tasks.background.models import BackgroundJob
from kpi_tasks.clock import utcnow
from kpi_tasks.dossiers.models import ApologyLetter
from kpi_tasks.extensions import db
from kpi_tasks.reports.models import ScheduledReport
from kpi_tasks.tasks.models import Task

DUE_SOON = "due_soon"
OVERDUE = "overdue"
APOLOGY_DUE = "apology_due"
REPORT = "report"
# What happened to a task (tasks/events.py), each told to the people it concerns as it happens.
ASSIGNED = "assigned"
RETURNED = "returned"
EXTENSION_DECIDED = "extension_decided"
DIRECTION = "direction"
AWAITING_REVIEW = "awaiting_review"
REASSIGNED = "reassigned"
WITHDRAWN = "withdrawn"
MENTION = "mention"
UNACKNOWLEDGED = "unacknowledged"
JOB_FINISHED = "job_finished"
KIND_LABELS = {
    DUE_SOON: "Sắp đến hạn",
    OVERDUE: "Quá hạn",
    APOLOGY_DUE: "Phải gửi phiếu xin lỗi",
    REPORT: "Báo cáo định kỳ",
    ASSIGNED: "Được giao",
    RETURNED: "Bị trả lại",
    EXTENSION_DECIDED: "Quyết định gia hạn",
    DIRECTION: "Ý kiến chỉ đạo",
    AWAITING_REVIEW: "Chờ xác nhận hoàn thành",
    REASSIGNED: "Chuyển đơn vị chủ trì",
    WITHDRAWN: "Thu hồi nhiệm vụ",
    MENTION: "Được nhắc đến",
    UNACKNOWLEDGED: "Chưa tiếp nhận",
    JOB_FINISHED: "Tác vụ nền",
}
KINDS = tuple(KIND_LABELS)
# How the bell counts a group of one kind: "3 phiếu xin lỗi đến hạn", "2 ý kiến chỉ đạo".
KIND_GROUP_NOUNS = {
    DUE_SOON: "nhắc sắp đến hạn",
    OVERDUE: "nhắc quá hạn",
    APOLOGY_DUE: "phiếu xin lỗi đến hạn",
    REPORT: "báo cáo định kỳ",
    ASSIGNED: "lần được giao",
    RETURNED: "lần bị trả lại",
    EXTENSION_DECIDED: "quyết định gia hạn",
    DIRECTION: "ý kiến chỉ đạo",
    AWAITING_REVIEW: "báo cáo chờ xác nhận",
    REASSIGNED: "lần chuyển đơn vị chủ trì",
    WITHDRAWN: "thông báo thu hồi",
    MENTION: "lần được nhắc đến",
    UNACKNOWLEDGED: "nhắc tiếp nhận",
    JOB_FINISHED: "tác vụ nền",
}

# E-mail state of one notification. "sending" is transient: rows claimed by a delivery run, so that two
# runs at once never send the same message; a claim left by a crashed run expires and the row is retried.
EMAIL_PENDING = "pending"
EMAIL_SENDING = "sending"
EMAIL_SENT = "sent"
EMAIL_FAILED = "failed"
EMAIL_SKIPPED = "skipped"
EMAIL_STATE_LABELS = {
    EMAIL_PENDING: "Chờ gửi",
    EMAIL_SENDING: "Đang gửi",
    EMAIL_SENT: "Đã gửi",
    EMAIL_FAILED: "Gửi không được",
    EMAIL_SKIPPED: "Không gửi e-mail",
}

# User.email_mode values.
MODE_DIGEST = "digest"
MODE_IMMEDIATE = "immediate"
MODE_OFF = "off"
EMAIL_MODE_LABELS = {
    MODE_DIGEST: "Một thư tổng hợp mỗi ngày",
    MODE_IMMEDIATE: "Gửi ngay từng thông báo",
    MODE_OFF: "Không nhận e-mail (chỉ xem trên hệ thống)",
}

class NotificationPreference(db.Model):
    """A user's choice of e-mail for one kind, over their general `User.email_mode` (no row: the general one)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    email_mode: Mapped[str] = mapped_column(sa.String(10))


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # One due instance of a recurring task (tasks/ TaskOccurrence), when the reminder is about one.
    occurrence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task_occurrences.id", ondelete="CASCADE"))
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scheduled_reports.id", ondelete="CASCADE"))
    # The apology-letter obligation an `apology_due` reminder is about (dossiers/): its dossier's code,
    # procedure and unit are what the reminder names. It goes with the obligation.
    apology_letter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("apology_letters.id", ondelete="CASCADE"), index=True
    )
    # The background job (an export, a report, an import) whose end this tells its owner about.
    background_job_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("background_jobs.id", ondelete="CASCADE")
    )
    # Working days before the deadline at which this reminder was due (7, 3, 1 …); 0 for overdue.
    offset_days: Mapped[int] = mapped_column(default=0)
    # The effective deadline the reminder is about: an extension brings fresh reminders for the new one.
    deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    # (recipient, dedup_key) is unique: "task:12:2026-03-18:due_soon:3", "report:7",
    # "apology:5:2026-03-10:apology_due" (one reminder per obligation and due day). NULLs are distinct in
    # a UNIQUE constraint on both SQLite and PostgreSQL, so the nullable task/occurrence/report/letter columns
    # cannot carry the uniqueness themselves; this key spells them out.
    dedup_key: Mapped[str] = mapped_column(sa.String(120))
    # An event's words (a return's reason, a direction, a comment) and who acted, as the notice tells them.
    note: Mapped[str | None] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    email_state: Mapped[str] = mapped_column(sa.String(10), default=EMAIL_PENDING)
    email_attempts: Mapped[int] = mapped_column(default=0)
    # Not before this time is the next attempt made (back-off); for a "sending" row, when its claim expires.
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    emailed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    task: Mapped[Task | None] = relationship()
    report: Mapped[ScheduledReport | None] = relationship()
    apology_letter: Mapped[ApologyLetter | None] = relationship()
    background_job: Mapped[BackgroundJob | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("recipient_id", "dedup_key"),
        sa.Index("ix_notifications_recipient_read", "recipient_id", "read_at"),
        sa.Index("ix_notifications_email_queue", "email_state", "next_attempt_at"),
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
