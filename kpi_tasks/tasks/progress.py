"""The checks every progress report shares, whether it is against a task or one of its occurrences."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.clock import today
from kpi_tasks.tasks.models import Task
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
