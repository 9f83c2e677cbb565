"""The admin's pages of units: the list with a form to add one, and a unit's edit page with its change log."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import can_manage_units
from kpi_tasks.audit.services import ACTION_LABELS, history
from kpi_tasks.extensions import db
from kpi_tasks.forms import save
from kpi_tasks.units.forms import UnitEditForm, UnitForm, parent_choices
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit, list_all_units, unit_tree, update_unit

bp = Blueprint("units", __name__, url_prefix="/admin/units")


@bp.before_request
@login_required
def _admin_only() -> None:
    if not can_manage_units(current_user):
        abort(403)


@bp.route("", methods=["GET", "POST"])
def index() -> str | Response:
    form = UnitForm()
    tree = unit_tree(list_all_units())
    form.parent_id.choices = parent_choices(tree, None)
    if form.validate_on_submit() and save(
        form, lambda: create_unit(form.code.data or "", form.name.data or "", form.kind.data or "",
                                  form.parent_id.data or None, is_committee=bool(form.is_committee.data),
                                  actor=current_user),
        lambda unit: f"Đã thêm đơn vị {unit.name}.",
    ):
        return redirect(url_for("units.index"), 303)
    return render_template("units/list.html", form=form, tree=tree)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id: int) -> str | Response:
    unit = db.get_or_404(Unit, unit_id)
    form = UnitEditForm(obj=unit)
    form.parent_id.choices = parent_choices(unit_tree(list_all_units()), unit)
    if form.validate_on_submit() and save(
        form, lambda: update_unit(unit, current_user, code=form.code.data or "", name=form.name.data or "",
                                  kind=form.kind.data or "", parent_id=form.parent_id.data or None,
                                  active=bool(form.active.data), is_committee=bool(form.is_committee.data)),
        lambda changes: f"Đã lưu đơn vị {unit.name}." if changes else "Không có thay đổi nào.",
    ):
        return redirect(url_for("units.index"), 303)
    return render_template("units/edit.html", form=form, unit=unit, events=history("unit", unit.id),
                           action_labels=ACTION_LABELS)
