"""Dossier pages: list and detail, the import (upload → preview with the column mapping → confirm),
apology-letter obligations and their form no. 04, and the repeat-offender report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import (
    can_import_dossiers,
    can_record_apology_letter,
    can_view_repeat_offenders,
)
from kpi_tasks.attachments.views import send_stored_file
from kpi_tasks.audit.services import history
from kpi_tasks.clock import today
from kpi_tasks.documents.downloads import XLSX_MIME, send_bytes, send_document
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.documents.lists import filter_line, send_list
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.background import REJECTED, first_rejected, read_status, start_import
from kpi_tasks.dossiers.exports import (
    DOSSIER_LIST_COLUMNS,
    LETTER_LIST_COLUMNS,
    STREAM_BATCH,
    dossier_list_values,
    export_late_dossiers,
    letter_list_values,
    write_letter_register,
    write_repeat_offenders,
)
from kpi_tasks.dossiers.forms import ConfirmForm, LetterForm, UploadForm
from kpi_tasks.dossiers.letters import DOCX_MIME, letter_context, letter_docx
from kpi_tasks.dossiers.models import CHANNEL_LABELS, LETTER_STATUS_CSS, LETTER_STATUS_LABELS, LETTER_STATUSES
from kpi_tasks.dossiers.queries import (
    DOSSIER_STATUS_CSS,
    DOSSIER_STATUS_LABELS,
    DOSSIER_STATUSES,
    DossierFilters,
    at_risk_count,
    dossier_rows_query,
    dossier_status,
    letter_rows_query,
    letter_summary_by_unit,
    repeat_offenders,
)
from kpi_tasks.dossiers.services import (
    get_dossier_or_404,
    get_letter_or_404,
    letter_days_before,
    letter_horizon,
    letter_of,
    recent_imports,
    record_apology_letter,
)
from kpi_tasks.extensions import db
from kpi_tasks.forms import form_version, save, save_action
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.storage import file_store
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import list_units

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")
PER_PAGE = 50
REJECTED_SHOWN = 1000
UPLOAD_ENDPOINTS = {"dossiers.upload"}


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # A year's export is larger than MAX_CONTENT_LENGTH allows other forms. URL value preprocessors run
    # before every before_request hook, so the raised limit is in force when CSRF protection parses the form.
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["DOSSIER_MAX_UPLOAD"]


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"dossier_ui": {
        "status": DOSSIER_STATUS_LABELS, "status_css": DOSSIER_STATUS_CSS, "channel": CHANNEL_LABELS,
        "letter_status": LETTER_STATUS_LABELS, "letter_css": LETTER_STATUS_CSS,
    }}


def _month_arg(raw: str | None) -> dt.date | None:
    """The month filter (yyyy-mm); a bad one is said so and dropped, and the list shows every month."""
    raw = (raw or "").strip()
    try:
        return dt.date.fromisoformat(f"{raw}-01") if raw else None
    except ValueError:
        flash(f"Tháng “{raw}” không hợp lệ (chọn tháng trong danh sách, dạng yyyy-mm); bộ lọc này được bỏ qua, "
              "đang hiển thị tất cả các tháng.", "warning")
        return None


def _dossier_filters() -> DossierFilters:
    """The dossier list's filters from the query string (a unit's users see their unit's dossiers)."""
    args = request.args
    return DossierFilters(
        unit_id=current_user.unit_id if current_user.is_unit_user else args.get("unit_id", type=int),
        status=args.get("status") if args.get("status") in DOSSIER_STATUSES else None,
        q=(args.get("q") or "").strip()[:100] or None,
        month=_month_arg(args.get("month")),
    )


def _unit_name(unit_id: int | None) -> str:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else ""


def _dossier_filter_line(filters: DossierFilters) -> str:
    return filter_line([
        f"Tìm: “{filters.q}”" if filters.q else "",
        f"Tình trạng: {DOSSIER_STATUS_LABELS[filters.status]}" if filters.status else "",
        f"Đơn vị xử lý: {_unit_name(filters.unit_id)}" if filters.unit_id else "",
        f"Tháng hẹn trả: {filters.month:%m/%Y}" if filters.month else "",
    ])


@bp.get("/list.xlsx")
@login_required
def list_export() -> Response:
    """The dossier list as the page shows it: the same filters, the dossiers the user may see."""
    filters, day = _dossier_filters(), today()
    query = dossier_rows_query(current_user, filters, day).execution_options(yield_per=STREAM_BATCH)
    return send_list((dossier_list_values(row) for row in db.session.execute(query)), day=day,
                     file_name=f"danh-sach-ho-so-{day:%Y%m%d}.xlsx", title="Danh sách hồ sơ thủ tục hành chính",
                     filters=_dossier_filter_line(filters), columns=DOSSIER_LIST_COLUMNS,
                     empty="Không có hồ sơ nào theo bộ lọc đã chọn.", sheet_name="Hồ sơ TTHC")


@bp.get("/")
@login_required
def index() -> str:
    args = request.args
    filters = _dossier_filters()
    page = paginate_rows(dossier_rows_query(current_user, filters, today()), args.get("page", 1, type=int), PER_PAGE)
    # the pager's links keep the filters in force, not a bad month that was dropped
    page_args = {key: value for key, value in args.items()
                 if key != "page" and (key != "month" or filters.month is not None)}
    return render_template("dossiers/index.html", page=page, filters=filters, page_args=page_args,
                           units=[] if current_user.is_unit_user else list_units(),
                           month=filters.month.strftime("%Y-%m") if filters.month else "",
                           export_filters=_dossier_filter_line(filters),
                           late_month=(filters.month or today().replace(day=1)).strftime("%Y-%m"))


@bp.get("/late.xlsx")
@login_required
def late_export() -> Response:
    """The late dossiers of a month (default: this month) that the user may see, as an appendix workbook."""
    day = today()
    month = _month_arg(request.args.get("month")) or day.replace(day=1)
    unit_id = current_user.unit_id if current_user.is_unit_user else request.args.get("unit_id", type=int)
    return send_document(lambda target: export_late_dossiers(target, current_user, month, current_identity(), day,
                                                             unit_id),
                         XLSX_MIME, f"ho-so-tre-han-{month:%Y-%m}.xlsx")


@bp.get("/<int:dossier_id>")
@login_required
def detail(dossier_id: int) -> str:
    dossier = get_dossier_or_404(dossier_id, current_user)
    status = dossier_status(dossier.id, today())
    return render_template("dossiers/detail.html", dossier=dossier, status=status, letter=letter_of(dossier))


# ------------------------------------------------------------------------------------------------ import

@bp.route("/import", methods=["GET", "POST"], endpoint="upload")
@login_required
def upload() -> str | Response:
    if not can_import_dossiers(current_user):
        abort(403)
    form = UploadForm()
    if form.validate_on_submit():
        # Committed: the database store keeps it for the preview, on whichever host serves it.
        saved = save(form, lambda: importing.store_upload(file_store(), current_user.id, form.file.data.stream,
                                                          form.file.data.filename or ""),
                     None, refused=(importing.FileRefused,))
        if saved:
            return redirect(url_for("dossiers.preview", token=saved.result.token), 303)
    return render_template("dossiers/upload.html", form=form, imports=recent_imports(),
                           days_before=letter_days_before(),
                           max_mb=current_app.config["DOSSIER_MAX_UPLOAD"] // (1024 * 1024))


@bp.route("/import/<token>", methods=["GET", "POST"])
@login_required
def preview(token: str) -> str | Response:
    if not can_import_dossiers(current_user):
        abort(403)
    store = file_store()
    if read_status(store, current_user.id, token) is not None:  # confirmed already
        return redirect(url_for("dossiers.import_status", token=token), 303)
    stored = importing.stored_upload(store, current_user.id, token)
    if stored is None:
        flash("Tệp tải lên không còn (đã hủy hoặc quá 24 giờ). Vui lòng tải tệp lên lại.", "warning")
        return redirect(url_for("dossiers.upload"), 303)
    form = ConfirmForm()
    if request.method == "POST" and request.form.get("action") == "cancel" and form.validate_on_submit():
        save_action(lambda: importing.discard_upload(store, stored), "Đã hủy tệp tải lên; chưa có hồ sơ nào được ghi.",
                    category="info")
        return redirect(url_for("dossiers.upload"), 303)
    if form.validate_on_submit():
        save_action(lambda: start_import(stored, current_user._get_current_object()))
        return redirect(url_for("dossiers.import_status", token=token), 303)
    try:
        with store.local_path(stored.key) as path:
            shown = importing.preview(path, stored.kind)
    except importing.FileRefused as error:
        save_action(lambda: importing.discard_upload(store, stored), error.message, category="danger")
        return redirect(url_for("dossiers.upload"), 303)
    return render_template("dossiers/preview.html", form=form, preview=shown, stored=stored,
                           fields=importing.FIELDS)


@bp.get("/import/<token>/status")
@login_required
def import_status(token: str) -> str | Response:
    """Where a confirmed import reports; the fragment polls itself (htmx) until the import has ended."""
    if not can_import_dossiers(current_user):
        abort(403)
    status = read_status(file_store(), current_user.id, token)
    if status is None:
        flash("Không có lần nhập nào như vậy (hoặc đã quá 24 giờ).", "warning")
        return redirect(url_for("dossiers.upload"), 303)
    rejected = first_rejected(file_store(), current_user.id, token, REJECTED_SHOWN) if status.state == REJECTED \
        else []
    template = "dossiers/_import_status.html" if request.htmx else "dossiers/import_status.html"
    return render_template(template, status=status, token=token, rejected=rejected)


@bp.get("/import/<token>/rejected.csv")
@login_required
def rejected_csv(token: str) -> Response:
    if not can_import_dossiers(current_user):
        abort(403)
    key = importing.pending_key(current_user.id, token, ".rejected.csv")
    store = file_store()
    if key is None or not store.exists(key):
        abort(404)
    return send_stored_file(store, key, "text/csv", "cac-dong-bi-tu-choi.csv")


# --------------------------------------------------------------------------------------- apology letters

def _letter_filters() -> tuple[str | None, int | None, bool]:
    """(status, unit_id, overdue only) of the apology-letter list, from the query string."""
    args = request.args
    status = args.get("status") if args.get("status") in LETTER_STATUSES else None
    overdue_only = args.get("overdue") == "1"
    if current_user.is_unit_user:
        unit_id = current_user.unit_id
        # A unit opens on what it still owes.
        if "status" not in args and not overdue_only:
            status = "pending"
    else:
        unit_id = args.get("unit_id", type=int)
    return status, unit_id, overdue_only


def _letter_filter_line(status: str | None, unit_id: int | None, overdue_only: bool) -> str:
    return filter_line([
        f"Tình trạng: {LETTER_STATUS_LABELS[status]}" if status else "",
        f"Đơn vị: {_unit_name(unit_id)}" if unit_id else "",
        "Chỉ phiếu quá hạn gửi" if overdue_only else "",
    ])


@bp.get("/apology-letters/list.xlsx")
@login_required
def letters_list_export() -> Response:
    """The apology-letter list as the page shows it: the same filters, the letters the user may see."""
    status, unit_id, overdue_only = _letter_filters()
    day = today()
    query = letter_rows_query(current_user, day, status=status, unit_id=unit_id, overdue_only=overdue_only)
    return send_list((letter_list_values(row) for row in db.session.execute(query)), day=day,
                     file_name=f"danh-sach-phieu-xin-loi-{day:%Y%m%d}.xlsx",
                     title="Danh sách phiếu xin lỗi và hẹn lại ngày trả kết quả",
                     filters=_letter_filter_line(status, unit_id, overdue_only), columns=LETTER_LIST_COLUMNS,
                     empty="Không có phiếu nào theo bộ lọc đã chọn.", sheet_name="Phiếu xin lỗi")


@bp.get("/apology-letters")
@login_required
def letters() -> str:
    args = request.args
    day = today()
    status, unit_id, overdue_only = _letter_filters()
    page = paginate_rows(letter_rows_query(current_user, day, status=status, unit_id=unit_id,
                                           overdue_only=overdue_only),
                         args.get("page", 1, type=int), PER_PAGE)
    page_args = {key: value for key, value in args.items() if key != "page"}
    summary = [] if current_user.is_unit_user else letter_summary_by_unit(current_user, day)
    at_risk = at_risk_count(current_user.unit_id, day, letter_horizon(day)) if current_user.is_unit_user else 0
    return render_template("dossiers/letters.html", page=page, page_args=page_args, status=status, year=day.year,
                           unit_id=unit_id, overdue_only=overdue_only, summary=summary,
                           units=[] if current_user.is_unit_user else list_units(), at_risk=at_risk,
                           export_filters=_letter_filter_line(status, unit_id, overdue_only))


@bp.route("/apology-letters/<int:letter_id>", methods=["GET", "POST"])
@login_required
def letter(letter_id: int) -> str | Response:
    letter = get_letter_or_404(letter_id, current_user)
    editable = can_record_apology_letter(current_user, letter.unit_id)
    if request.method == "POST" and not editable:
        abort(403)
    form = LetterForm(obj=letter if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(letter.version)
        form.issued_on.data = letter.issued_on or (today() if letter.status == "pending" else None)
    if editable and form.validate_on_submit() and save(
        form, lambda: record_apology_letter(letter, current_user, issued_on=form.issued_on.data,
                                            new_appointment_on=form.new_appointment_on.data, reason=form.reason.data,
                                            signer=form.signer.data, expected_version=form_version(form)),
        lambda _: f"Đã ghi nhận phiếu xin lỗi của hồ sơ {letter.dossier.code}: {letter.status_label.lower()}.",
    ):
        return redirect(url_for("dossiers.letter", letter_id=letter_id), 303)
    return render_template("dossiers/letter.html", letter=letter, form=form if editable else None,
                           events=history("apology_letter", letter.id), day=today())


@bp.get("/apology-letters.xlsx")
@login_required
def letters_export() -> Response:
    """The register of apology letters due in a year, by unit (the letters the user may see)."""
    day = today()
    year = _year_arg(day)
    return send_document(lambda target: write_letter_register(target, current_user, year, current_identity(), day),
                         XLSX_MIME, f"so-theo-doi-phieu-xin-loi-{year}.xlsx")


def _year_arg(day: dt.date) -> int:
    year = request.args.get("year", type=int) or day.year
    return year if 2000 <= year <= 2100 else day.year


@bp.get("/apology-letters/<int:letter_id>/print")
@login_required
def letter_print(letter_id: int) -> str:
    letter = get_letter_or_404(letter_id, current_user)
    return render_template("dossiers/letter_print.html", letter=letter,
                           content=letter_context(letter, current_identity()))


@bp.get("/apology-letters/<int:letter_id>/letter.docx")
@login_required
def letter_word(letter_id: int) -> Response:
    letter = get_letter_or_404(letter_id, current_user)
    return send_bytes(letter_docx(letter, current_identity()), DOCX_MIME,
                      f"phieu-xin-loi-{letter.dossier.code}.docx")


# ----------------------------------------------------------------------------------------------- reports

@bp.get("/repeat-offenders")
@login_required
def offenders() -> str:
    if not can_view_repeat_offenders(current_user):
        abort(403)
    day = today()
    year = _year_arg(day)
    return render_template("dossiers/offenders.html", offenders=repeat_offenders(day, year), year=year)


@bp.get("/repeat-offenders.xlsx")
@login_required
def offenders_export() -> Response:
    if not can_view_repeat_offenders(current_user):
        abort(403)
    day = today()
    year = _year_arg(day)
    return send_document(lambda target: write_repeat_offenders(target, repeat_offenders(day, year), year,
                                                               current_identity(), day),
                         XLSX_MIME, f"don-vi-tre-han-lien-tiep-{year}.xlsx")
