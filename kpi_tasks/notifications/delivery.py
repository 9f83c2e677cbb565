"""Delivering notifications by e-mail: one digest per user per day, or each at once, or none.

In-app delivery needs nothing: a notification is in the centre from the moment it exists. E-mail goes
through SMTP and may fail; a failed send stays pending and is retried with a doubling back-off, and
after MAIL_MAX_ATTEMPTS it is marked failed and listed for the admin. Nothing is dropped silently: a
notification that is not e-mailed on purpose (e-mail off, no address, no SMTP server configured) is
marked skipped with the reason.

Rows are claimed (state "sending") in a committed transaction before the SMTP conversation, so two
delivery runs at once never send the same notification; a claim whose run died expires and the row is
sent by a later run (at least once, never lost).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from kpi_tasks.accounts.models import User
from kpi_tasks.audit.services import record
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.clock import VIETNAM
from kpi_tasks.extensions import db
from kpi_tasks.notifications.channels import Channel, Letter, Refused, Unavailable, current_channel
from kpi_tasks.notifications.mail import public_url, render_mail
from kpi_tasks.notifications.models import (
    APOLOGY_DUE,
    DUE_SOON,
    EMAIL_FAILED,
    EMAIL_PENDING,
    EMAIL_SENDING,
    EMAIL_SENT,
    EMAIL_SKIPPED,
    KIND_LABELS,
    MODE_DIGEST,
    MODE_IMMEDIATE,
    MODE_OFF,
    OVERDUE,
    REPORT,
    Notification,
    NotificationPreference,
)
from kpi_tasks.notifications.services import apology_letter_loads, apology_title, job_title, notification_target
from kpi_tasks.reports.scheduled import report_view, report_workbook
from kpi_tasks.tasks.events import EVENT_KINDS
from kpi_tasks.tasks.lookups import task_loads
from kpi_tasks.text import format_date

log = logging.getLogger(__name__)

# A claim older than this belongs to a run that died; its rows are pending again.
CLAIM_SECONDS = 15 * 60
MAX_BACKOFF = dt.timedelta(days=1)
CHUNK = 500


@dataclass
class DeliveryResult:
    messages_sent: int = 0
    notifications_sent: int = 0
    failed_attempts: int = 0
    marked_failed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"gửi {self.messages_sent} thư ({self.notifications_sent} thông báo)"]
        if self.failed_attempts:
            parts.append(f"{self.failed_attempts} thông báo gửi lỗi, sẽ thử lại")
        if self.marked_failed:
            parts.append(f"{self.marked_failed} thông báo đã thử hết số lần, chuyển sang “gửi không được”")
        parts.extend(f"bỏ qua {n} ({reason})" for reason, n in self.skipped.items() if n)
        if self.errors:
            parts.append("lỗi: " + "; ".join(sorted(set(self.errors)))[:500])
        return "E-mail: " + ", ".join(parts) + "."


@dataclass
class _Batch:
    """One e-mail to send: a user's digest, one immediate notification, or one report."""

    user: User
    kind: str  # "digest", "immediate" or "report"
    notification_ids: list[int]


def send_reminders(now: dt.datetime, *, retry_now: bool = False) -> DeliveryResult:
    """Deliver what is due through the notification channel (e-mail) at `now` (timezone-aware); commits as it
    goes. Safe to run twice.

    `retry_now` ignores the back-off of earlier failures (the admin's "Gửi lại ngay").
    """
    # Stored timestamps are UTC, and SQLite compares them as text: every bound value must be UTC too.
    now = now.astimezone(dt.UTC)
    result = DeliveryResult()
    channel = current_channel()
    _release_expired_claims(now)
    result.skipped = _skip_undeliverable(channel)
    db.session.commit()
    if not channel.configured:
        return result

    batches = _claim(_due_batches(now, retry_now), now)
    db.session.commit()
    if not batches:
        return result
    try:
        with channel.connect() as session:
            workbooks: dict[int, tuple[str, bytes] | None] = {}
            for index, batch in enumerate(batches):
                try:
                    letter = _letter(batch, now, workbooks)
                except Exception as error:  # a message that cannot be built fails alone, visibly, and is retried
                    log.exception("could not build the message for notifications %s", batch.notification_ids)
                    _record_failure(batch, now, _describe(error), result)
                    db.session.commit()
                    continue
                try:
                    session.send(batch.user, letter)
                except Refused as error:
                    # This message alone was refused; the channel is still good for the others.
                    _record_failure(batch, now, str(error), result)
                except Unavailable as error:
                    # The channel broke: this batch and every one after it wait for the next run.
                    for remaining in batches[index:]:
                        _record_failure(remaining, now, str(error), result)
                    db.session.commit()
                    return result
                else:
                    _record_success(batch, now, result)
                db.session.commit()
    except Unavailable as error:
        # Could not connect (server down, refused, timed out): every claimed batch is retried later.
        unsettled = [batch for batch in batches if _still_claimed(batch)]
        for batch in unsettled:
            _record_failure(batch, now, str(error), result)
        db.session.commit()
    return result


def _release_expired_claims(now: dt.datetime) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.email_state == EMAIL_SENDING, Notification.next_attempt_at < now)
        .values(email_state=EMAIL_PENDING, next_attempt_at=None)
    )


def email_mode_of_notification() -> sa.ColumnElement[str]:
    """How a notification's recipient wants its kind by e-mail: their choice for that kind, else their general one
    (a correlated expression on `notifications`, for the delivery's statements)."""
    chosen = sa.select(NotificationPreference.email_mode).where(
        NotificationPreference.user_id == Notification.recipient_id, NotificationPreference.kind == Notification.kind,
    ).scalar_subquery()
    general = sa.select(User.email_mode).where(User.id == Notification.recipient_id).scalar_subquery()
    return sa.func.coalesce(chosen, general)


def _skip_undeliverable(channel: Channel) -> dict[str, int]:
    """Mark skipped, with the reason, the pending rows that no e-mail will ever carry as things stand."""
    recipient = sa.select(User.id)
    reasons: list[tuple[str, sa.ColumnElement[bool]]] = [
        ("người nhận chọn không nhận e-mail", email_mode_of_notification() == MODE_OFF),
        ("người nhận chưa có địa chỉ e-mail", Notification.recipient_id.in_(
            recipient.where(sa.or_(channel.address().is_(None), channel.address() == "")))),
        ("tài khoản người nhận đã bị khoá", Notification.recipient_id.in_(recipient.where(User.active.is_(False)))),
    ]
    if not channel.configured:
        reasons.append((channel.unconfigured, sa.true()))
    counts = {}
    for reason, undeliverable in reasons:
        updated = db.session.execute(
            sa.update(Notification)
            .where(Notification.email_state == EMAIL_PENDING, undeliverable)
            .values(email_state=EMAIL_SKIPPED, last_error=reason[:1].upper() + reason[1:] + ".",
                    next_attempt_at=None)
        )
        counts[reason] = updated.rowcount or 0
    return counts


def _due_batches(now: dt.datetime, retry_now: bool) -> list[_Batch]:
    """What to send now: immediate and report notifications one by one, reminders as one digest a day."""
    mode = sa.func.coalesce(NotificationPreference.email_mode, User.email_mode)
    rows = db.session.execute(
        sa.select(Notification.id, Notification.kind, Notification.next_attempt_at, mode, User)
        .join(User, User.id == Notification.recipient_id)
        .outerjoin(NotificationPreference, sa.and_(NotificationPreference.user_id == Notification.recipient_id,
                                                   NotificationPreference.kind == Notification.kind))
        .where(Notification.email_state == EMAIL_PENDING, mode.in_((MODE_DIGEST, MODE_IMMEDIATE)))
        .order_by(Notification.recipient_id, Notification.created_at, Notification.id)
    ).all()
    batches: list[_Batch] = []
    digests: dict[int, list[int]] = defaultdict(list)
    waiting: set[int] = set()
    users: dict[int, User] = {}
    for notification_id, kind, next_attempt_at, email_mode, user in rows:
        users[user.id] = user
        if kind == REPORT or email_mode == MODE_IMMEDIATE:
            if retry_now or next_attempt_at is None or _aware(next_attempt_at) <= now:
                batches.append(_Batch(user, REPORT if kind == REPORT else MODE_IMMEDIATE, [notification_id]))
        else:
            digests[user.id].append(notification_id)
            # A digest that failed waits out its back-off as a whole, new reminders included.
            if not retry_now and next_attempt_at is not None and _aware(next_attempt_at) > now:
                waiting.add(user.id)
    already = _digest_sent_today(list(digests), now)
    for user_id, ids in digests.items():
        if user_id not in waiting and user_id not in already:
            batches.append(_Batch(users[user_id], MODE_DIGEST, ids))
    return batches


def _digest_sent_today(user_ids: Sequence[int], now: dt.datetime) -> set[int]:
    """Users who already received today's digest (local day): later reminders wait for tomorrow's."""
    if not user_ids:
        return set()
    local_midnight = dt.datetime.combine(now.astimezone(VIETNAM).date(), dt.time(), tzinfo=VIETNAM).astimezone(dt.UTC)
    sent: set[int] = set()
    for start in range(0, len(user_ids), CHUNK):
        sent.update(db.session.scalars(
            sa.select(Notification.recipient_id).distinct().where(
                Notification.recipient_id.in_(user_ids[start:start + CHUNK]),
                Notification.email_state == EMAIL_SENT,
                Notification.kind != REPORT,
                Notification.emailed_at >= local_midnight,
            )
        ))
    return sent


def _claim(batches: list[_Batch], now: dt.datetime) -> list[_Batch]:
    """Take the batches' rows for this run; rows another run took meanwhile drop out."""
    ids = [notification_id for batch in batches for notification_id in batch.notification_ids]
    claimed: set[int] = set()
    until = now + dt.timedelta(seconds=CLAIM_SECONDS)
    for start in range(0, len(ids), CHUNK):
        claimed.update(db.session.scalars(
            sa.update(Notification)
            .where(Notification.id.in_(ids[start:start + CHUNK]), Notification.email_state == EMAIL_PENDING)
            .values(email_state=EMAIL_SENDING, next_attempt_at=until)
            .returning(Notification.id)
        ))
    kept = []
    for batch in batches:
        batch.notification_ids = [i for i in batch.notification_ids if i in claimed]
        if batch.notification_ids:
            kept.append(batch)
    return kept


def _notifications(batch: _Batch) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification)
        .where(Notification.id.in_(batch.notification_ids))
        .options(*task_loads(Notification.task, directive=True), joinedload(Notification.report),
                 joinedload(Notification.actor), *apology_letter_loads())
        .order_by(Notification.deadline, Notification.id)
    ).unique())


def _record_success(batch: _Batch, now: dt.datetime, result: DeliveryResult) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(batch.notification_ids))
        .values(email_state=EMAIL_SENT, emailed_at=now, next_attempt_at=None, last_error=None,
                email_attempts=Notification.email_attempts + 1)
    )
    result.messages_sent += 1
    result.notifications_sent += len(batch.notification_ids)


def _record_failure(batch: _Batch, now: dt.datetime, error: str, result: DeliveryResult) -> None:
    """One more failed attempt: back off (base × 2^(attempts−1), at most a day), or give up after K."""
    config = current_app.config
    max_attempts = max(1, int(config["MAIL_MAX_ATTEMPTS"]))
    base = dt.timedelta(minutes=max(0, int(config["MAIL_RETRY_MINUTES"])))
    for notification in db.session.scalars(sa.select(Notification).where(Notification.id.in_(batch.notification_ids))):
        notification.email_attempts += 1
        notification.last_error = error[:2000]
        if notification.email_attempts >= max_attempts:
            notification.email_state = EMAIL_FAILED
            notification.next_attempt_at = None
            result.marked_failed += 1
        else:
            notification.email_state = EMAIL_PENDING
            notification.next_attempt_at = now + min(base * 2 ** (notification.email_attempts - 1), MAX_BACKOFF)
            result.failed_attempts += 1
    result.errors.append(error)
    db.session.flush()


def _still_claimed(batch: _Batch) -> bool:
    return bool(db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(
            Notification.id.in_(batch.notification_ids), Notification.email_state == EMAIL_SENDING
        )
    ))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}".strip()


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without their offset; they are stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def failed_notifications(limit: int = 200) -> list[Notification]:
    """E-mails given up on after MAIL_MAX_ATTEMPTS, newest first, for the admin."""
    return list(db.session.scalars(
        sa.select(Notification)
        .where(Notification.email_state == EMAIL_FAILED)
        .options(joinedload(Notification.recipient), joinedload(Notification.task))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ))


def retry_failed(actor: User | None = None) -> int:
    """Put every failed e-mail back in the queue with a fresh count of attempts (the admin's decision)."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.email_state == EMAIL_FAILED)
        .values(email_state=EMAIL_PENDING, email_attempts=0, next_attempt_at=None)
    )
    count = result.rowcount or 0
    if count and actor is not None:
        record(actor, "notifications", 0, "mail_retry", {"email_state": (EMAIL_FAILED, EMAIL_PENDING)},
               note=f"{count} thông báo")
    return count


# The messages.


def _letter(batch: _Batch, now: dt.datetime, workbooks: dict[int, tuple[str, bytes] | None]) -> Letter:
    notifications = _notifications(batch)
    user = batch.user
    today = now.astimezone(VIETNAM).date()
    if batch.kind == REPORT:
        return _report_letter(user, notifications[0], workbooks)
    items = [_item(notification, today) for notification in notifications]
    overdue = [item for item in items if item["kind"] == OVERDUE]
    due_soon = [item for item in items if item["kind"] == DUE_SOON]
    # Reminders that name their letter have a section of their own; older ones stay under "other".
    letters = [item for item in items if item["kind"] == APOLOGY_DUE and item["dossier_code"]]
    happened = [item for item in items if item["kind"] in EVENT_KINDS]
    other = [item for item in items
             if item["kind"] not in (OVERDUE, DUE_SOON, *EVENT_KINDS)
             and not (item["kind"] == APOLOGY_DUE and item["dossier_code"])]
    if batch.kind == MODE_IMMEDIATE:
        item = items[0]
        subject = f"[{item['kind_label']}] {item['title']}"
        if item["dossier_code"] and item["deadline"]:
            subject += f" (hạn {format_date(item['deadline'])})"
    else:
        counts = [f"{len(happened)} việc mới" if happened else "",
                  f"{len(overdue)} nhiệm vụ quá hạn" if overdue else "",
                  f"{len(due_soon)} nhiệm vụ sắp đến hạn" if due_soon else "",
                  f"{len(letters)} phiếu xin lỗi phải gửi" if letters else "",
                  f"{len(other)} việc khác" if other else ""]
        subject = f"Nhắc việc ngày {format_date(today)}: " + ", ".join(part for part in counts if part)
    context = {
        "user": user, "today": today, "overdue": overdue, "due_soon": due_soon, "letters": letters, "other": other,
        "happened": happened,
        "immediate": batch.kind == MODE_IMMEDIATE, "centre_url": public_url("notifications.index"),
        "settings_url": public_url("notifications.settings"), "subject": subject,
    }
    return Letter(subject, render_mail("notifications/email/digest.txt", **context),
                  render_mail("notifications/email/digest.html", **context))


def _item(notification: Notification, today: dt.date) -> dict:
    task = notification.task
    deadline = notification.deadline
    days = None
    if deadline is not None:
        calendar = current_calendar()
        days = calendar.working_days_between(today, deadline) if deadline >= today else \
            calendar.working_days_between(deadline, today)
    endpoint, values = notification_target(notification)
    try:
        url = public_url(endpoint, **values)
    except BuildError:  # the area the notification points to is not installed
        url = public_url("notifications.index")
    letter = notification.apology_letter
    unit = task.lead_unit.name if task and task.lead_unit else ""
    if task is not None:
        title = task.title
    elif letter is not None:
        title = apology_title(letter)
        unit = letter.unit.name
    elif notification.background_job is not None:
        title = job_title(notification.background_job)
    elif notification.kind == APOLOGY_DUE:
        title = "Hồ sơ trễ hạn: có phiếu xin lỗi phải gửi" + (f" (hạn {format_date(deadline)})" if deadline else "")
    else:
        title = KIND_LABELS.get(notification.kind, notification.kind)
    return {
        "kind": notification.kind,
        "kind_label": KIND_LABELS.get(notification.kind, notification.kind),
        "title": title,
        "unit": unit,
        "dossier_code": letter.dossier.code if letter is not None else "",
        "directive": task.directive.number if task and task.directive else "",
        "deadline": deadline,
        "working_days": days,
        "url": url,
        "note": notification.note or "",
        "actor": notification.actor.display_name if notification.actor is not None else "",
    }


def _report_letter(user: User, notification: Notification,
                   workbooks: dict[int, tuple[str, bytes] | None]) -> Letter:
    report = notification.report
    if report is None:  # the report was deleted after the notification was made
        raise ValueError("báo cáo không còn tồn tại")
    if report.id not in workbooks:  # built once per run, however many leaders receive it
        workbooks[report.id] = report_workbook(report)
    workbook = workbooks[report.id]
    view = report_view(report)
    context = {"user": user, "report": report, "view": view,
               "url": public_url("notifications.report", report_id=report.id),
               "task_url": lambda task_id: public_url("tasks.detail", task_id=task_id),
               "has_attachment": workbook is not None, "settings_url": public_url("notifications.settings")}
    subject = f"{report.title}: {view['totals'].get('overdue', 0)} nhiệm vụ quá hạn"
    return Letter(subject, render_mail("notifications/email/report.txt", **context),
                  render_mail("notifications/email/report.html", **context), [workbook] if workbook else [])
