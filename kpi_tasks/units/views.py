"""The admin's pages of units: the list with a form to add one, and a unit's edit page with its change log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import can_manage_units
from kpi_tasks.audit.services import ACTION_LABELS, history
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import show_errors
from kpi_tasks.units.forms import UnitEditForm, UnitForm, unit_choices
from kpi_tasks.units.models import UNIT_KIND_LABELS, Unit
from kpi_tasks.units.services import create_unit, list_all_units, list_units, update_unit

bp = Blueprint("units", __name__, url_prefix="/admin/units")


@bp.before_request
@login_required
def _admin_only() -> None:
    if not can_manage_units(current_user):
        abort(403)


@bp.route("", methods=["GET", "POST"])
def index() -> str | Response:
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = create_unit(form.code.data or "", form.name.data or "", form.kind.data or "", actor=current_user)
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(f"Đã thêm đơn vị {unit.name}.", "success")
            return redirect(url_for("units.index"), 303)
    return render_template("units/list.html", form=form, units=list_all_units(), kinds=UNIT_KIND_LABELS)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id: int) -> str | Response:
    unit = db.get_or_404(Unit, unit_id)
    form = UnitEditForm(obj=unit)
    parents = [u for u in list_units() if u.id != unit.id]
    form.parent_id.choices = unit_choices("— Không có —", parents, keep=unit.parent)
    if form.validate_on_submit():
        try:
            changes = update_unit(unit, current_user, code=form.code.data or "", name=form.name.data or "",
                                  kind=form.kind.data or "", parent_id=form.parent_id.data or None,
                                  active=bool(form.active.data))
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(f"Đã lưu đơn vị {unit.name}." if changes else "Không có thay đổi nào.", "success")
            return redirect(url_for("units.index"), 303)
    return render_template("units/edit.html", form=form, unit=unit, events=history("unit", unit.id),
                           action_labels=ACTION_LABELS)
