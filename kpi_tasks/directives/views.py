from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_attach_to_directive, can_manage_tasks
from kpi_tasks.attachments.forms import UploadForm
from kpi_tasks.attachments.services import FileTooLarge, attach_to_directive, directive_attachments, read_uploads
from kpi_tasks.audit.services import ACTION_LABELS, history
from kpi_tasks.clock import today
from kpi_tasks.directives.forms import DirectiveForm
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import (
    DuplicateDirectiveError,
    IssuedBy,
    create_directive,
    get_directive_or_404,
    list_directives_query,
    lower_committees,
    read_issued_by,
    update_directive,
)
from kpi_tasks.documents.appendix import DATE, INT, WRAP, Column, count_rows
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.documents.lists import filter_line, send_history, send_list
from kpi_tasks.errors import DomainError, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import REFUSALS, Saved, form_version, options, save, show_errors
from kpi_tasks.hooks import Provided

bp = Blueprint("directives", __name__, url_prefix="/directives")


@bp.get("/")
@login_required
def index() -> str:
    scope = _list_scope(current_user)
    # The page as every list reads it (request.args bounds integers); db.paginate's own reading does not.
    page = db.paginate(list_directives_query(current_user, scope.q, scope.issued_by),
                       page=request.args.get("page", 1, type=int), per_page=30, error_out=False)
    # Each directive's task counts come from tasks' template global `directive_task_counts`.
    return render_template("directives/list.html", page=page, q=scope.q, scope=scope, export_filters=scope.filters)


EXPORT_BATCH = 500
DIRECTIVE_COLUMNS = [
    Column("Số, ký hiệu", 18, WRAP),
    Column("Ngày ban hành", 12, DATE),
    Column("Trích yếu", 50, WRAP, count_rows(), "format:#,##0 \"văn bản\""),
    Column("Cơ quan ban hành", 22, WRAP),
    Column("Số nhiệm vụ", 10, INT, "sum"),
    Column("Quá hạn", 9, INT, "sum"),
    Column("Chờ xác nhận", 10, INT, "sum"),
    Column("Đã hoàn thành", 10, INT, "sum"),
]


OWN_LEVEL_LABEL = "Văn bản của cấp mình"
EVERY_LEVEL_LABEL = "Văn bản của mọi cấp"


@dataclass(frozen=True)
class ListScope:
    """The directive list's search and level (`commune`: "" the user's own level, "all", or a commune's id), as
    the page, its links and its export read them."""

    q: str
    commune: str
    issued_by: IssuedBy
    committees: list[tuple[int, str]]

    @property
    def filters(self) -> str:
        search = f"Tìm: “{self.q.strip()}”" if self.q.strip() else ""
        if not self.committees:
            return filter_line([search])
        if isinstance(self.issued_by, int):
            level = "Văn bản của " + dict(self.committees)[self.issued_by]
        else:
            level = OWN_LEVEL_LABEL if self.issued_by is None else EVERY_LEVEL_LABEL
        return filter_line([search, level])


def _list_scope(user: User) -> ListScope:
    issued_by, committees = read_issued_by(user, request.args.get("commune")), lower_committees(user)
    commune = "" if issued_by is None or not committees else str(issued_by)
    return ListScope(request.args.get("q", ""), commune, issued_by, committees)


# How many of each directive's tasks the user sees are in each state: the tasks package counts them
# (tasks.queries.directive_task_counts, given by web.init_app); it sits above this one.
TaskCounts = Callable[[User, list[int], dt.date], dict[int, dict[str, int]]]
task_counts: Provided[TaskCounts] = Provided("the task counts of directives")


@bp.get("/export.xlsx")
@login_required
def export() -> Response:
    """The directive list as the page shows it (the same search, the tasks the user may see)."""
    day, user = today(), current_user._get_current_object()
    scope = _list_scope(user)

    def rows() -> Iterator[list]:
        directives = list(db.session.scalars(list_directives_query(user, scope.q, scope.issued_by)))
        for start in range(0, len(directives), EXPORT_BATCH):
            batch = directives[start:start + EXPORT_BATCH]
            counts = task_counts()(user, [directive.id for directive in batch], day)
            for directive in batch:
                c = counts.get(directive.id, {})
                given = sum(c.values()) - c.get("withdrawn", 0)
                number = directive.number + (" (Mật)" if directive.confidential else "")
                yield [number, directive.issued_on, directive.subject, directive.issuer, given, c.get("overdue", 0),
                       c.get("awaiting_review", 0), c.get("done_on_time", 0) + c.get("done_late", 0)]

    return send_list(rows(), day=day, file_name=f"danh-sach-van-ban-chi-dao-{day:%Y%m%d}.xlsx",
                     title="Danh sách văn bản chỉ đạo", filters=scope.filters, columns=DIRECTIVE_COLUMNS,
                     empty="Không có văn bản nào theo bộ lọc đã chọn.", sheet_name="Văn bản chỉ đạo")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response:
    if not can_manage_tasks(current_user):
        abort(403)
    form = DirectiveForm()
    _parent_choices(form)
    duplicate: Directive | None = None
    if form.validate_on_submit():
        saved = save(form, lambda: create_directive(current_user, **_form_values(form)),
                     "Đã lưu văn bản. Tiếp theo, thêm các nhiệm vụ của văn bản.",
                     show=lambda error: _refused(form, error))
        if saved:
            return redirect(url_for("directives.detail", directive_id=saved.result.id), 303)
        duplicate = _duplicate(saved)
    elif request.method == "GET":
        form.issuer.data = form.issuer.data or current_identity().issuing_body_short
    return render_template("directives/form.html", form=form, duplicate=duplicate)


@bp.route("/<int:directive_id>/edit", methods=["GET", "POST"])
@login_required
def edit(directive_id: int) -> str | Response:
    directive = get_directive_or_404(directive_id, current_user)
    if not can_manage_tasks(current_user, directive):
        abort(403)
    form = DirectiveForm(obj=directive if request.method == "GET" else None)
    _parent_choices(form, directive)
    if request.method == "GET":
        form.parent_id.data = directive.parent_id or 0
        form.version.data = str(directive.version)
    duplicate: Directive | None = None
    if form.validate_on_submit():
        saved = save(form, lambda: update_directive(
            directive, current_user, expected_version=form_version(form), **_form_values(form),
        ), lambda changes: "Đã lưu thay đổi của văn bản." if changes else "Không có thay đổi nào.",
            show=lambda error: _refused(form, error))
        if saved:
            return redirect(url_for("directives.detail", directive_id=directive_id), 303)
        duplicate = _duplicate(saved)
        directive = get_directive_or_404(directive_id, current_user)
    return render_template("directives/form.html", form=form, duplicate=duplicate, directive=directive,
                           events=history("directive", directive.id), action_labels=ACTION_LABELS)


def _refused(form: DirectiveForm, error: DomainError) -> None:
    if isinstance(error, DuplicateDirectiveError):  # the page links the directive that has the number
        form.number.errors = [*list(form.number.errors), error.fields["number"]]
    else:
        show_errors(form, error)


def _duplicate(saved: Saved) -> Directive | None:
    """The directive that already has the number, when that was the refusal."""
    return saved.error.existing if isinstance(saved.error, DuplicateDirectiveError) else None


def _parent_choices(form: DirectiveForm, directive: Directive | None = None) -> None:
    """The 200 latest directives, and the current parent of the one edited, wherever it is in the list."""
    query = sa.select(Directive).order_by(Directive.issued_on.desc(), Directive.id.desc()).limit(200)
    if directive is not None:
        query = query.where(Directive.id != directive.id)
    choices = list(db.session.scalars(query))
    if directive is not None and directive.parent is not None and directive.parent not in choices:
        choices.append(directive.parent)
    form.parent_id.choices = options(
        [(0, "— Không —")] + [(d.id, f"{d.number} ({d.issued_on:%d/%m/%Y})") for d in choices]
    )


def _form_values(form: DirectiveForm) -> dict:
    return {
        "number": form.number.data or "",
        "issued_on": form.issued_on.data,
        "issuer": form.issuer.data or "",
        "subject": form.subject.data or "",
        "signer": form.signer.data,
        "kind": form.kind.data,
        "parent_id": form.parent_id.data or None,
        "confidential": form.confidential.data,
    }


@bp.get("/<int:directive_id>")
@login_required
def detail(directive_id: int) -> str:
    directive = get_directive_or_404(directive_id, current_user)
    # Its tasks come from tasks' template global `directive_task_rows`.
    return render_template("directives/detail.html", directive=directive,
                           events=history("directive", directive.id), action_labels=ACTION_LABELS)


@bp.get("/<int:directive_id>/history.xlsx")
@login_required
def history_export(directive_id: int) -> Response:
    """The directive's change log, to whoever may open the directive's page."""
    directive, day = get_directive_or_404(directive_id, current_user), today()
    return send_history(history("directive", directive.id), day=day, subject=f"Văn bản số {directive.number}",
                        file_name=f"lich-su-van-ban-{directive.id}-{day:%Y%m%d}.xlsx")


# -- the directive's files (the office uploads) -------------------------------------------------------------


@bp.route("/<int:directive_id>/attachments", methods=["GET", "POST"])
@login_required
def files(directive_id: int) -> str | Response:
    directive = get_directive_or_404(directive_id, current_user)
    may_upload = can_attach_to_directive(current_user, directive)
    form = UploadForm()
    if form.is_submitted():
        if not may_upload:
            abort(403)
        if form.validate() and save(form, lambda: _attach(directive, form),
                                    lambda count: f"Đã đính kèm {count} tệp vào văn bản.",
                                    refused=(*REFUSALS, FileTooLarge),
                                    show=lambda error: show_errors(form, _on_files_field(error))):
            return redirect(url_for("directives.files", directive_id=directive_id), 303)
        directive = get_directive_or_404(directive_id, current_user)
    return render_template("directives/files.html", directive=directive, files=directive_attachments(directive),
                           form=form if may_upload else None)


def _attach(directive: Directive, form: UploadForm) -> int:
    """Attach the form's files to the directive (all checked before any is saved); how many."""
    uploads = read_uploads(form.files.data or [])
    if not uploads:
        raise ValidationError("Chưa chọn tệp.", {"files": "Chọn ít nhất một tệp để tải lên."})
    attach_to_directive(directive, current_user, uploads)
    return len(uploads)


def _on_files_field(error: DomainError) -> ValidationError:
    """Service messages name the field `file`; the page's field is `files`."""
    fields = {("files" if name == "file" else name): message for name, message in error.fields.items()}
    return ValidationError(error.message, fields)
