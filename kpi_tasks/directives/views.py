from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import can_manage_tasks
from kpi_tasks.clock import today
from kpi_tasks.directives.forms import DirectiveForm
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import (
    DuplicateDirectiveError,
    create_directive,
    get_directive_or_404,
    list_directives_query,
)
from kpi_tasks.errors import ConflictError, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import options, show_errors
from kpi_tasks.tasks.queries import TaskFilters, task_rows_query

bp = Blueprint("directives", __name__, url_prefix="/directives")


@bp.get("/")
@login_required
def index() -> str:
    q = request.args.get("q", "")
    page = db.paginate(list_directives_query(current_user, q), per_page=30, error_out=False)
    return render_template("directives/list.html", page=page, q=q)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response:
    if not can_manage_tasks(current_user):
        abort(403)
    form = DirectiveForm()
    recent = db.session.scalars(sa.select(Directive).order_by(Directive.issued_on.desc()).limit(200))
    form.parent_id.choices = options(
        [(0, "— Không —")] + [(d.id, f"{d.number} ({d.issued_on:%d/%m/%Y})") for d in recent]
    )
    duplicate: Directive | None = None
    if form.validate_on_submit():
        try:
            directive = create_directive(
                current_user,
                number=form.number.data or "",
                issued_on=form.issued_on.data,
                issuer=form.issuer.data or "",
                subject=form.subject.data or "",
                signer=form.signer.data,
                kind=form.kind.data,
                parent_id=form.parent_id.data or None,
                confidential=form.confidential.data,
            )
        except DuplicateDirectiveError as error:
            db.session.rollback()
            duplicate = error.existing
            form.number.errors = [*list(form.number.errors), error.fields["number"]]
        except (ValidationError, ConflictError) as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash("Đã lưu văn bản. Tiếp theo, thêm các nhiệm vụ của văn bản.", "success")
            return redirect(url_for("directives.detail", directive_id=directive.id), 303)
    elif request.method == "GET":
        form.issuer.data = form.issuer.data or current_app.config["ISSUER_NAME"]
    return render_template("directives/form.html", form=form, duplicate=duplicate)


@bp.get("/<int:directive_id>")
@login_required
def detail(directive_id: int) -> str:
    directive = get_directive_or_404(directive_id, current_user)
    rows = db.session.execute(
        task_rows_query(
            current_user,
            TaskFilters(directive_id=directive.id),
            today(),
            current_app.config["DUE_SOON_WORKING_DAYS"],
        )
    ).all()
    return render_template("directives/detail.html", directive=directive, rows=rows)
