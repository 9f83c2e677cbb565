from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from kpi_tasks.accounts.permissions import can_decide_extension, can_view_unacknowledged, committee_id_of
from kpi_tasks.accounts.roles import LEADER
from kpi_tasks.clock import today, utcnow
from kpi_tasks.extensions import db
from kpi_tasks.reports.queries import make_period
from kpi_tasks.tasks.queries import (
    TaskFilters,
    new_task_rows_query,
    pending_extension_count,
    returned_occurrences,
    returned_task_rows_query,
    status_totals,
    task_rows_query,
    unacknowledged_count,
    unit_stats,
)
from kpi_tasks.tasks.status import AWAITING_REVIEW, OVERDUE

bp = Blueprint("home", __name__)
HOME_LIST_LIMIT = 20
# Units in the home page's table: those with the most overdue tasks first. A province has some 2,000 units; the
# whole ranking is on Báo cáo, one click away.
HOME_UNIT_ROWS = 30
NEW_TASK_DAYS = 7  # "Mới được giao": tasks given in the last week


@bp.get("/")
@login_required
def index() -> str:
    user = current_user._get_current_object()
    day = today()
    due_soon_days = current_app.config["DUE_SOON_WORKING_DAYS"]

    def rows(filters: TaskFilters | sa.Select) -> list:
        query = filters if isinstance(filters, sa.Select) else task_rows_query(user, filters, day, due_soon_days)
        return db.session.execute(query.limit(HOME_LIST_LIMIT)).all()

    # The figures of the home pages are those of Báo cáo for its default period (this year), by the same query.
    period = make_period(None, None, day)
    if user.is_unit_user:
        unit_filter = {"unit_id": user.unit_id}
        since = utcnow() - dt.timedelta(days=NEW_TASK_DAYS)  # stored times are UTC
        return render_template(
            "home/unit.html",
            returned=rows(returned_task_rows_query(user, user.unit_id, day, due_soon_days)),
            returned_occurrences=returned_occurrences(user, user.unit_id, HOME_LIST_LIMIT),
            new_tasks=rows(new_task_rows_query(user, user.unit_id, since, day, due_soon_days)),
            new_task_days=NEW_TASK_DAYS,
            overdue=rows(TaskFilters(status=OVERDUE, **unit_filter)),
            due_soon=rows(TaskFilters(due_soon=True, **unit_filter)),
            awaiting=rows(TaskFilters(status=AWAITING_REVIEW, **unit_filter)),
            stats=unit_stats(day, period.start, period.end, unit_id=user.unit_id),
            period=period,
        )
    stats = unit_stats(day, period.start, period.end, level=committee_id_of(user))
    assigned = [item for item in stats if item["assigned"]]
    return render_template(
        "home/overview.html",
        stats=assigned[:HOME_UNIT_ROWS],
        units_with_tasks=len(assigned),
        totals=status_totals(stats),
        period=period,
        overdue=rows(TaskFilters(status=OVERDUE)),
        awaiting=rows(TaskFilters(status=AWAITING_REVIEW, own_level=True)),
        pending_extensions=pending_extension_count(user) if can_decide_extension(user) else 0,
        unacknowledged=unacknowledged_count(user, day) if can_view_unacknowledged(user) else 0,
        mine=rows(TaskFilters(mine=True)) if user.role == LEADER else [],
    )
