from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from kpi_tasks.accounts.permissions import can_manage_calendar
from kpi_tasks.calendar.models import CALENDAR_DAY_KINDS
from kpi_tasks.calendar.services import (
    current_calendar,
    delete_calendar_day,
    list_calendar_days,
    record_calendar_day,
)
from kpi_tasks.clock import today
from kpi_tasks.forms import Form, VnDateField, options, save, save_action

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")


class CalendarDayForm(Form):
    day = VnDateField("Ngày", validators=[DataRequired("Chưa nhập ngày (dd/mm/yyyy).")])
    kind = SelectField("Loại", choices=options(CALENDAR_DAY_KINDS.items()))
    note = StringField("Ghi chú (văn bản quy định)", validators=[Optional(), Length(max=255)])


@bp.before_request
@login_required
def _admin_only() -> None:
    if not can_manage_calendar(current_user):
        abort(403)


@bp.route("/", methods=["GET", "POST"])
def index() -> str | Response:
    year = request.args.get("year", today().year, type=int)
    form = CalendarDayForm()
    if form.validate_on_submit() and save(
        form, lambda: record_calendar_day(form.day.data, form.kind.data, form.note.data or ""), "Đã ghi nhận ngày.",
    ):
        return redirect(url_for("calendar.index", year=form.day.data.year), 303)
    calendar = current_calendar()
    holidays = calendar.holidays_in_year(year)
    return render_template(
        "calendar/index.html", form=form, year=year, days=list_calendar_days(year), holidays=holidays,
        kinds=CALENDAR_DAY_KINDS,
    )


@bp.post("/<int:calendar_day_id>/delete")
def delete(calendar_day_id: int) -> Response:
    save_action(lambda: delete_calendar_day(calendar_day_id), "Đã xoá ngày.", category="info")
    return redirect(url_for("calendar.index"), 303)
