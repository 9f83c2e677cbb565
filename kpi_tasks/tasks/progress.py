"""What every progress report shares, whether it is against a task or one of its occurrences: its checks and
how it is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import today, utcnow
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import STATE_AWAITING_REVIEW, ProgressUpdate, Task
from kpi_tasks.text import format_date


def check_report(
    errors: dict[str, str],
    task: Task,
    *,
    leads: bool,
    progress_percent: int | None,
    note: str | None,
    report_completed: bool,
    completed_on: dt.date | None,
    missing_note: str,
) -> tuple[int | None, dt.date | None]:
    """Check a progress report of a task (or of one of its occurrences) into `errors`.

    Returns the progress and completion date to store: a completion report is 100% on its date (today unless
    given), which can be neither in the future nor before the directive was issued.
    """
    if progress_percent is None:
        if leads and not report_completed:
            errors["progress_percent"] = "Chưa nhập tiến độ (%)."
    elif not 0 <= progress_percent <= 100:
        errors["progress_percent"] = "Tiến độ phải từ 0 đến 100%."
    if report_completed:
        completed_on = completed_on or today()
        if completed_on > today():
            errors["completed_on"] = "Ngày hoàn thành không được sau ngày hôm nay."
        elif completed_on < task.directive.issued_on:
            errors["completed_on"] = (
                "Ngày hoàn thành không được trước ngày ban hành văn bản "
                f"({format_date(task.directive.issued_on)})."
            )
        return 100, completed_on
    if not note and progress_percent is None:
        errors["note"] = missing_note
    return progress_percent, completed_on


def store_report(
    target: Any,
    task: Task,
    actor: User,
    *,
    leads: bool,
    progress_percent: int | None,
    note: str | None,
    report_completed: bool,
    completed_on: dt.date | None,
    occurrence_id: int | None = None,
) -> tuple[ProgressUpdate, dict[str, tuple[object, object]]]:
    """Store a checked report against `target` (the task, or one of its occurrences) and return the update and
    the changes for the history. Only the lead unit moves the target's progress or reports it complete."""
    update = ProgressUpdate(
        task_id=task.id,
        occurrence_id=occurrence_id,
        unit_id=actor.unit_id or task.lead_unit_id,
        author_id=actor.id,
        progress_percent=progress_percent,
        note=note,
        reports_completion=report_completed,
        completed_on=completed_on if report_completed else None,
    )
    db.session.add(update)
    changes: dict[str, tuple[object, object]] = {}
    if leads:
        if progress_percent is not None and progress_percent != target.progress_percent:
            changes["progress_percent"] = (target.progress_percent, progress_percent)
            target.progress_percent = progress_percent
        if report_completed:
            changes["state"] = (target.state, STATE_AWAITING_REVIEW)
            changes["completion_reported_on"] = (target.completion_reported_on, completed_on)
            target.state = STATE_AWAITING_REVIEW
            target.completion_reported_on = completed_on
    # Touching the row bumps `version`, so a concurrent report based on the old version is refused.
    target.updated_at = utcnow()
    db.session.flush()
    return update, changes
