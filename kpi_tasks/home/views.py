from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from kpi_tasks.clock import today
from kpi_tasks.extensions import db
from kpi_tasks.tasks.queries import TaskFilters, status_totals, task_rows_query, unit_stats
from kpi_tasks.tasks.status import AWAITING_REVIEW, OVERDUE

bp = Blueprint("home", __name__)
HOME_LIST_LIMIT = 20


@bp.get("/")
@login_required
def index() -> str:
    user = current_user._get_current_object()
    day = today()
    due_soon_days = current_app.config["DUE_SOON_WORKING_DAYS"]

    def rows(filters: TaskFilters) -> list:
        query = task_rows_query(user, filters, day, due_soon_days).limit(HOME_LIST_LIMIT)
        return db.session.execute(query).all()

    if user.is_unit_user:
        unit_filter = {"unit_id": user.unit_id}
        return render_template(
            "home/unit.html",
            overdue=rows(TaskFilters(status=OVERDUE, **unit_filter)),
            due_soon=rows(TaskFilters(due_soon=True, **unit_filter)),
            awaiting=rows(TaskFilters(status=AWAITING_REVIEW, **unit_filter)),
            stats=unit_stats(day, unit_id=user.unit_id),
        )
    stats = unit_stats(day)
    return render_template(
        "home/overview.html",
        stats=stats,
        totals=status_totals(stats),
        overdue=rows(TaskFilters(status=OVERDUE)),
        awaiting=rows(TaskFilters(status=AWAITING_REVIEW)),
    )
