"""Pages of the directive intake: upload or paste a directive, review its drafts, confirm.

The review is one form (header and every draft) with three buttons: save, merge the selected drafts,
confirm. Each keeps what the clerk typed; only "Xác nhận" creates anything, all at once.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import Field, SelectChoice

from kpi_tasks.accounts.permissions import can_use_intake
from kpi_tasks.errors import DomainError
from kpi_tasks.extensions import db
from kpi_tasks.forms import form_version, save, save_action
from kpi_tasks.intake.forms import DEADLINE_KIND_LABELS, RECURRENCE_CHOICES, ReviewForm, UploadForm, review_data
from kpi_tasks.intake.highlight import confidence_class, marked_sentence, marked_source
from kpi_tasks.intake.models import IntakeDraft
from kpi_tasks.intake.services import (
    KIND_ALL,
    DraftValues,
    IntakeRefusal,
    confirm_intake,
    confirmed_today,
    discard_intake,
    drafts_of,
    get_intake_or_404,
    header_of,
    implemented_of,
    merge_drafts,
    open_intakes,
    read_upload,
    recurrence_label,
    save_intake,
    start_intake,
    undo_confirmation,
)
from kpi_tasks.units.models import UNIT_KIND_LABELS, UNIT_KINDS, Unit
from kpi_tasks.units.services import list_units

bp = Blueprint("intake", __name__, url_prefix="/intake")

# How the lead select names a whole kind; choosing one gives every unit of the kind its own task.
KIND_CHOICE_LABELS = {
    KIND_ALL: "Tất cả cơ quan, đơn vị, địa phương",
    # the words of the two-tier government since 1 July 2025: no district, the province's departments and
    # the communes, wards and special zones below it
    "department": "Các sở, ban, ngành, phòng chuyên môn",
    "commune": "UBND các xã, phường, đặc khu",
    "village": "Các thôn, ấp, tổ dân phố",
    "other": "Các đơn vị khác",
}
GROUP_OPTGROUP = "Cả nhóm đơn vị (mỗi đơn vị một nhiệm vụ)"


def _require_access() -> None:
    if not can_use_intake(current_user):
        abort(403)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> str | Response:
    _require_access()
    form = UploadForm()
    if form.validate_on_submit():
        read = form.file if form.file.data is not None and form.file.data.filename else form.text
        saved = save(form, lambda: _start(form, read), lambda intake: (
            f"Đã đọc văn bản: {len(intake.payload['drafts'])} nhiệm vụ đề xuất. Kiểm tra, sửa rồi bấm “Xác nhận”."
        ), show=lambda error: _add_error(read, error.message))
        if saved:
            return redirect(url_for("intake.review", intake_id=saved.result.id), 303)
    return render_template("intake/upload.html", form=form, intakes=open_intakes(current_user))


def _start(form: UploadForm, read: Field) -> IntakeDraft:
    """A draft from the uploaded file, or from the pasted text (`read` is the form's field that has it)."""
    if read is form.file:
        filename, text = read_upload(form.file.data.filename, form.file.data.read())
    else:
        # a browser sends a textarea's line ends as CRLF; the drafts' offsets count "\n" only
        filename, text = "", (form.text.data or "").replace("\r\n", "\n")
    return start_intake(current_user, filename=filename, text=text)


def _add_error(field: Field, message: str) -> None:
    field.errors = [*list(field.errors), message]


@bp.route("/<int:intake_id>", methods=["GET", "POST"])
@login_required
def review(intake_id: int) -> str | Response:
    _require_access()
    intake = get_intake_or_404(intake_id, current_user)
    if intake.directive_id is not None:
        flash("Bản nháp này đã được xác nhận; đây là văn bản và các nhiệm vụ đã tạo.", "info")
        return redirect(url_for("directives.detail", directive_id=intake.directive_id), 303)
    drafts = drafts_of(intake)
    if request.method == "GET":
        form = ReviewForm(data=review_data(header_of(intake), drafts, intake.version))
    else:
        form = ReviewForm()
    draft_messages: dict[str, list[str]] = {}
    duplicate = None
    if request.method == "POST":
        if form.validate_on_submit():
            edited = form.draft_forms()
            drafts = [draft.with_edits(**edited[draft.key].edits()) if draft.key in edited else draft
                      for draft in drafts]  # fmt: skip
            saved = save(form, lambda: _act(intake, form, request.form.get("action", "save"), drafts),
                         lambda done: done.message,
                         show=lambda error: draft_messages.update(_place_errors(form, error)))
            if saved:
                return redirect(saved.result.page, 303)
            duplicate = saved.error.duplicate if isinstance(saved.error, IntakeRefusal) else None
        else:
            flash("Một số ô chưa hợp lệ (xem các ô được đánh dấu). Chưa có gì được lưu.", "danger")
    _set_choices(form, list_units())
    by_key = {draft.key: draft for draft in drafts}
    entries = [(entry.form, by_key[entry.form.key.data]) for entry in form.drafts if entry.form.key.data in by_key]
    entries.sort(key=lambda entry: entry[1].confidence)  # the least certain readings first (a stable sort)
    return render_template(
        "intake/review.html",
        form=form,
        intake=intake,
        entries=entries,
        implements=implemented_of(intake),
        marked=marked_source(intake.source_text, drafts),
        marked_sentence=marked_sentence,
        confidence_class=confidence_class,
        target_scope_labels={"department": "mỗi phòng, ban chuyên môn", "commune": "mỗi xã, phường"},
        draft_messages=draft_messages,
        duplicate=duplicate,
        invalid=_invalid_entries(entries, draft_messages),
        kept=sum(not draft.dropped for draft in drafts),
        recurrence_label=recurrence_label,
        deadline_kind_labels=DEADLINE_KIND_LABELS,
    )


class Done(NamedTuple):
    message: str  # what was done
    page: str  # where to go next


def _act(intake: IntakeDraft, form: ReviewForm, action: str, drafts: list[DraftValues]) -> Done:
    """Confirm the draft (the directive and its tasks are made), or save it, merging the drafts ticked."""
    header, version = form.header_values(), form_version(form)
    if action == "confirm":
        confirmed = confirm_intake(intake, current_user, header, drafts, expected_version=version)
        return Done(f"Đã tạo văn bản {confirmed.directive.number} và {len(confirmed.tasks)} nhiệm vụ.",
                    url_for("directives.detail", directive_id=confirmed.directive.id))
    anchor = None
    if action == "merge":
        selected = [key for key, draft_form in form.draft_forms().items() if draft_form.selected.data]
        drafts = merge_drafts(drafts, selected)
        anchor = f"draft-{selected[0]}"
    save_intake(intake, current_user, header, drafts, expected_version=version)
    return Done("Đã gộp các mục đã chọn thành một nhiệm vụ." if action == "merge" else "Đã lưu bản nháp.",
                url_for("intake.review", intake_id=intake.id, _anchor=anchor))


def _place_errors(form: ReviewForm, error: DomainError) -> dict[str, list[str]]:
    """Put the service's messages on the fields they concern (`header.number`, `drafts.d3.leads`); a
    message about a draft as a whole goes above it; the rest is flashed with the summary."""
    header = form.header.form
    drafts = form.draft_forms()
    per_draft: dict[str, list[str]] = defaultdict(list)
    general: list[str] = []
    for name, message in error.fields.items():
        area, _, rest = name.partition(".")
        key, _, field_name = rest.partition(".")
        if area == "header" and hasattr(header, rest):
            field = getattr(header, rest)
        elif area == "drafts" and key in drafts and field_name and hasattr(drafts[key], field_name):
            field = getattr(drafts[key], field_name)
        elif area == "drafts" and key in drafts:
            per_draft[key].append(message)
            continue
        else:
            general.append(message)
            continue
        field.errors = [*list(field.errors), message]
    flash(" ".join([error.message, *general]), "danger")
    return dict(per_draft)


def _invalid_entries(entries: list[tuple], messages: dict[str, list[str]]) -> list[tuple[str, str, list[str]]]:
    """(key, section, messages) of every draft with an error, for the summary above the form."""
    invalid = []
    for draft_form, draft in entries:
        found = [message for field in draft_form for message in field.errors] + messages.get(draft.key, [])
        if found:
            invalid.append((draft.key, draft.section, found))
    return invalid


def _set_choices(form: ReviewForm, units: list[Unit]) -> None:
    groups = [SelectChoice(f"kind:{kind}", label, optgroup=GROUP_OPTGROUP) for kind, label in KIND_CHOICE_LABELS.items()
              if kind == KIND_ALL or any(unit.kind == kind for unit in units)]  # fmt: skip
    by_kind = {kind: [unit for unit in units if unit.kind == kind] for kind in UNIT_KINDS}
    leads = groups + [
        SelectChoice(f"unit:{unit.id}", unit.name, optgroup=UNIT_KIND_LABELS[kind])
        for kind in UNIT_KINDS
        for unit in by_kind[kind]
    ]
    coordinating = [
        SelectChoice(unit.id, unit.name, optgroup=UNIT_KIND_LABELS[kind])
        for kind in UNIT_KINDS
        for unit in by_kind[kind]
    ]
    rules = [(code, recurrence_label(code)) for code in RECURRENCE_CHOICES]
    for entry in form.drafts:
        entry.form.leads.choices = leads
        entry.form.coordinating_unit_ids.choices = coordinating
        entry.form.recurrence.choices = _recurrence_choices(rules, entry.form.recurrence.data)


def _recurrence_choices(rules: list[tuple[str, str]], current: str | None) -> list[tuple[str, str]]:
    """The rules in words; the draft's own rule (read from the document, or kept from an earlier save) first
    when it is not a usual one, so nothing read is lost and no code is shown."""
    choices = [("", "— Chọn chu kỳ —")]
    current = (current or "").strip()
    if current and current not in dict(rules):
        choices.append((current, recurrence_label(current) or f"Chu kỳ đọc được chưa hợp lệ ({current}): chọn lại"))
    return choices + rules


@bp.post("/<int:intake_id>/discard")
@login_required
def discard(intake_id: int) -> Response:
    _require_access()
    intake = get_intake_or_404(intake_id, current_user)
    save_action(lambda: discard_intake(intake, current_user), "Đã hủy bản nháp.")
    return redirect(url_for("intake.index"), 303)


@bp.post("/<int:intake_id>/undo")
@login_required
def undo(intake_id: int) -> Response:
    """Undo a confirmation of the day (the directive page's form): the draft opens again to be corrected."""
    _require_access()
    intake = get_intake_or_404(intake_id, current_user)
    directive_id = intake.directive_id
    if save(None, lambda: undo_confirmation(intake, current_user, note=request.form.get("note")),
            "Đã hủy kết quả xác nhận: văn bản và các nhiệm vụ vừa tạo đã được xóa (ghi trong nhật ký). "
            "Bản nháp được mở lại để sửa."):
        return redirect(url_for("intake.review", intake_id=intake_id), 303)
    if directive_id is None:
        return redirect(url_for("intake.index"), 303)
    return redirect(url_for("directives.detail", directive_id=directive_id), 303)


@bp.app_template_global()
def undoable_intake(directive_id: int) -> IntakeDraft | None:
    """The intake draft whose confirmation today created this directive, for the office to undo it."""
    if not can_use_intake(current_user):
        return None
    intake = db.session.scalar(sa.select(IntakeDraft).where(IntakeDraft.directive_id == directive_id))
    return intake if intake is not None and confirmed_today(intake) else None


@bp.get("/recurrence")
@login_required
def recurrence() -> str:
    """How a rule code reads ("Định kỳ vào thứ Sáu hàng tuần"): the fragment htmx puts beside the code
    field as it is typed (without JavaScript the page shows it after saving)."""
    _require_access()
    code = next((value for name, value in request.args.items() if name.endswith("recurrence")), "")
    return render_template("intake/_recurrence.html", code=code.strip(), label=recurrence_label(code))
