"""The office's review of an uploaded directive: from the file to the directive and its tasks.

1. `read_upload` checks that the file is what its name says (by content) and reads its text.
2. `start_intake` parses the text, matches the unit names against the recorded units and keeps the header
   and the drafts in an `IntakeDraft` row.
3. The review page edits them: `save_intake` stores what the clerk typed (drafts marked dropped stay in the
   list, unchecked they come back), `merge_drafts` joins drafts into one.
4. `confirm_intake` creates the directive and every kept task through the directive and task services —
   all or nothing: one invalid draft and nothing is written, with a Vietnamese message per draft.

A draft's lead is a list of choices: `unit:<id>` for one unit, `kind:<kind>` for every unit of a kind
("UBND các xã, thị trấn" → one task per commune, grouped by `tasks.services.create_task_group`) and
`kind:all` for every unit. Each chosen unit gets its own task: a task has one lead unit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_use_intake
from kpi_tasks.attachments.filetypes import check_file, clean_name, sniff
from kpi_tasks.audit.services import record
from kpi_tasks.calendar.recurrence import describe, rule_from_code
from kpi_tasks.calendar.workdays import parse_period
from kpi_tasks.clock import VIETNAM, today, utcnow
from kpi_tasks.deletion import delete_rows
from kpi_tasks.directives.models import DIRECTIVE_KINDS, Directive
from kpi_tasks.directives.services import DuplicateDirectiveError, create_directive, find_same_number
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.intake.models import IntakeDraft
from kpi_tasks.intake.parser import parse_directive
from kpi_tasks.intake.readers import read_text
from kpi_tasks.intake.targets import create_targets
from kpi_tasks.intake.unit_matching import (
    GROUP_ALL_UNITS,
    GROUP_COMMUNES,
    GROUP_DEPARTMENTS,
    GROUP_PATTERNS,
    fold,
    group_token_for,
    match_unit,
    match_units,
)
from kpi_tasks.kpis.models import KpiTarget
from kpi_tasks.tasks.corrections import remove_directive_tasks
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import create_task, create_task_group
from kpi_tasks.units.models import UNIT_KINDS, Unit
from kpi_tasks.units.services import list_units
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

KIND_ALL = "all"
LEAD_ALL = f"kind:{KIND_ALL}"
DEADLINE_KINDS = ("none", "date", "working_days", "period", "recurring")
TITLE_LENGTH = 200  # a title is the assignment's first words; the whole text goes into the content
_MIN_TITLE_WORDS = 3
KEEP_DAYS = 30  # drafts left unconfirmed longer than this are removed at the next upload

_GROUP_KINDS = {GROUP_DEPARTMENTS: "department", GROUP_COMMUNES: "commune", GROUP_ALL_UNITS: KIND_ALL}
# The document-type abbreviation in a number and symbol ("15/KH-UBND"); a công văn has none ("45/UBND-VP").
_SYMBOL_KINDS = {"KH": "ke_hoach", "QĐ": "quyet_dinh", "TB": "thong_bao", "CT": "chi_thi"}
_SENTENCE_END_RE = re.compile(r"\.(?=\s|$)")
_LABELLED_UNITS_RE = re.compile(
    r"(?:(?:cơ quan|đơn vị)\s+(?:chủ trì|thực hiện|đầu mối|phối hợp)\s*:[^.;]*[.;]\s*)+", re.IGNORECASE)
# Errors of the task services, by the review form's field they belong to.
_TASK_FIELDS = {
    "title": "title",
    "content": "content",
    "section": "section",
    "lead_unit_id": "leads",
    "lead_unit_kind": "leads",
    "leader_id": "leads",
    "coordinating_unit_ids": "coordinating_unit_ids",
    "deadline": "deadline",
    "deadline_working_days": "working_days",
    "deadline_period": "period",
    "recurrence": "recurrence",
}


# -- values ------------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class HeaderValues:
    """The directive's header as the clerk confirms it."""

    number: str = ""
    kind: str = "cong_van"
    issued_on: dt.date | None = None
    issuer: str = ""
    subject: str = ""
    signer: str = ""

    def as_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["issued_on"] = self.issued_on.isoformat() if self.issued_on else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HeaderValues:
        values = {field.name: data.get(field.name) for field in dataclasses.fields(cls) if field.name in data}
        values["issued_on"] = _date(data.get("issued_on"))
        return cls(**values)


@dataclasses.dataclass(slots=True)
class DraftValues:
    """One proposed task. The first group of fields is what the clerk edits; the rest comes from the
    document and is only shown (where the draft came from, the KPI phrases, the names not recognised)."""

    key: str
    section: str = ""
    title: str = ""
    content: str = ""
    leads: list[str] = dataclasses.field(default_factory=list)
    coordinating_unit_ids: list[int] = dataclasses.field(default_factory=list)
    deadline_kind: str = "none"
    deadline: dt.date | None = None
    working_days: int | None = None
    period: str = ""
    recurrence: str = ""
    dropped: bool = False

    spans: list[list[int]] = dataclasses.field(default_factory=list)
    kpis: list[str] = dataclasses.field(default_factory=list)
    unmatched: list[str] = dataclasses.field(default_factory=list)
    deadline_text: str = ""
    # The figures read ({text, value, measure, direction, applies_to, period}): confirmation sets them as
    # KPI targets. Where in `content` the unit, deadline and figures were read ([start, end, what]), and how
    # sure the reading is (0-100), for the review page.
    targets: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    evidence: list[list[Any]] = dataclasses.field(default_factory=list)
    confidence: int = 100

    def as_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftValues:
        values = {field.name: data[field.name] for field in dataclasses.fields(cls) if field.name in data}
        values["deadline"] = _date(data.get("deadline"))
        return cls(**values)

    def with_edits(self, **edits: Any) -> DraftValues:
        """This draft with the clerk's edits applied; what came from the document is kept."""
        return dataclasses.replace(self, **edits)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)) if value else None


def header_of(intake: IntakeDraft) -> HeaderValues:
    return HeaderValues.from_json(intake.payload["header"])


def drafts_of(intake: IntakeDraft) -> list[DraftValues]:
    return [DraftValues.from_json(data) for data in intake.payload["drafts"]]


def implemented_of(intake: IntakeDraft) -> list[str]:
    """The directives the document says it implements, as written ("88/QĐ-UBND ngày 5/1/2025")."""
    return list(intake.payload.get("implements", []))


# -- access --------------------------------------------------------------------------------------------


def _check_access(actor: User) -> None:
    if not can_use_intake(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được nhập nhiệm vụ từ văn bản.")


def get_intake_or_404(intake_id: int, actor: User) -> IntakeDraft:
    _check_access(actor)
    intake = db.session.get(IntakeDraft, intake_id)
    if intake is None:
        raise NotFound("Không tìm thấy bản nháp (có thể đã bị hủy).")
    return intake


def open_intakes(actor: User, limit: int = 20) -> list[IntakeDraft]:
    """Drafts not yet confirmed, newest first: the office works on them together."""
    _check_access(actor)
    query = (
        sa.select(IntakeDraft)
        .where(IntakeDraft.directive_id.is_(None))
        .order_by(IntakeDraft.created_at.desc(), IntakeDraft.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _check_open(intake: IntakeDraft, expected_version: int | None = None) -> None:
    if intake.directive_id is not None:
        raise ConflictError("Bản nháp này đã được xác nhận; văn bản và nhiệm vụ đã được tạo.")
    if expected_version is not None and expected_version != intake.version:
        raise ConflictError(
            "Bản nháp vừa được người khác lưu. Vui lòng tải lại trang để xem bản mới nhất rồi sửa tiếp."
        )


# -- 1. the file ---------------------------------------------------------------------------------------

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def check_file_type(filename: str, data: bytes) -> None:
    """Refuse a file whose content is not the type its name claims (a program renamed .txt, a PDF named
    .docx): the readers would otherwise report it as damaged, or read binary bytes as text. Word and PDF
    files are checked by the attachments' validator (magic bytes, the Word package's main part); plain
    text has no signature, so it must not be binary: no NUL byte outside UTF-16, no known file type."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".docx", ".pdf"):
        check_file(filename, data)
    elif suffix == ".txt" and (sniff(data) is not None or (b"\x00" in data and not data.startswith(_UTF16_BOMS))):
        message = f"Tệp “{filename}” không phải tệp văn bản thuần (.txt): nội dung là dữ liệu nhị phân."
        raise ValidationError(message, {"file": message})
    # any other suffix: `read_text` explains which types are accepted


def read_upload(filename: str, data: bytes) -> tuple[str, str]:
    """The name to show and the text of an uploaded directive, after checking its type by content."""
    name = clean_name(filename)
    check_file_type(name, data)
    return name, read_text(name, data)


# -- 2. parse and match --------------------------------------------------------------------------------


def start_intake(actor: User, *, filename: str, text: str) -> IntakeDraft:
    """Parse the directive's text and keep its header and drafts for review."""
    _check_access(actor)
    if not text.strip():
        raise ValidationError(
            "Chưa có nội dung văn bản: hãy chọn tệp hoặc dán nội dung văn bản.", {"text": "Chưa có nội dung."}
        )
    _purge_stale()
    parsed = parse_directive(text)
    units = list_units()
    header = _header_from(parsed["directive"])
    drafts = [_draft_from(index, task, units) for index, task in enumerate(parsed["tasks"], start=1)]
    intake = IntakeDraft(
        created_by_id=actor.id,
        filename=(filename or "")[:255],
        source_text=text,
        payload={
            "header": header.as_json(),
            "implements": parsed["directive"]["implements"],
            "drafts": [draft.as_json() for draft in drafts],
        },
    )
    db.session.add(intake)
    db.session.flush()
    return intake


def _purge_stale() -> None:
    cutoff = utcnow() - dt.timedelta(days=KEEP_DAYS)
    db.session.execute(
        sa.delete(IntakeDraft).where(IntakeDraft.directive_id.is_(None), IntakeDraft.created_at < cutoff)
    )


def _header_from(directive: dict[str, Any]) -> HeaderValues:
    number = directive["number_symbol"]
    symbol_kind = re.search(r"/([A-ZĐ]{2})-", number)
    return HeaderValues(
        number=number,
        kind=_SYMBOL_KINDS.get(symbol_kind[1], "cong_van") if symbol_kind else "cong_van",
        issued_on=_date(directive.get("issued_on")),
        issuer=directive["issuer"],
        subject=directive["subject"],
    )


def _draft_from(index: int, task: dict[str, Any], units: Sequence[Unit]) -> DraftValues:
    leads, unmatched = lead_choices(task["lead_units"], units)
    coordinating = match_units(task["coordinating_units"], units)
    lead_unit_ids = {_choice_id(choice) for choice in leads if choice.startswith("unit:")}
    kind, deadline, working_days, period, recurrence = _deadline_values(task["deadline"])
    return DraftValues(
        key=f"d{index}",
        section=task["section"],
        title=title_of(task["text"]),
        content=task["text"],
        leads=leads,
        coordinating_unit_ids=[unit_id for unit_id in coordinating.unit_ids if unit_id not in lead_unit_ids],
        deadline_kind=kind,
        deadline=deadline,
        working_days=working_days,
        period=period,
        recurrence=recurrence,
        spans=[list(task["span"])],
        kpis=[kpi["text"] for kpi in task["kpis"]],
        unmatched=unmatched + coordinating.unmatched,
        deadline_text=task["deadline"]["text"],
        targets=[{name: kpi.get(name) for name in _TARGET_FIELDS} for kpi in task["kpis"]],
        evidence=evidence_in(task),
        confidence=confidence_of(task, leads, unmatched + coordinating.unmatched),
    )


_TARGET_FIELDS = ("text", "value", "measure", "direction", "applies_to", "period")
# Addressees that stand for every village of the commune, as the parser writes them.
_VILLAGES_RE = re.compile(
    r"(?:(?:ban (?:nhan dan|can su|dieu hanh|tu quan)|to truong|truong)\s+(?:cac\s+)?)?"
    r"(?:thon|ap|to dan pho|khu pho|ban|buon|xom)(?:,\s*(?:thon|ap|to dan pho|khu pho|ban|buon|xom))*"
)


def evidence_in(task: dict[str, Any]) -> list[list[Any]]:
    """Where in the draft's text the reading came from: the lead's words ("unit"), the deadline's phrase
    ("deadline"), each figure's phrase ("kpi"), as [start, end, what], in order, without overlaps."""
    text = task["text"]
    folded = fold(text).lower()
    found: list[list[Any]] = []
    for name in task["lead_units"]:
        span = _find_unit(folded, name)
        if span is not None:
            found.append([*span, "unit"])
    for phrase, what in [(task["deadline"].get("text") or "", "deadline")] + [(k["text"], "kpi") for k in task["kpis"]]:
        start = folded.find(fold(phrase).lower()) if phrase else -1
        if start >= 0:
            found.append([start, start + len(phrase), what])
    found.sort()
    kept: list[list[Any]] = []
    for span in found:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _find_unit(folded: str, name: str) -> tuple[int, int] | None:
    """The unit's words in the folded text: its name as written, or the group phrase that stands for it."""
    token = group_token_for(name)
    if token is None:
        start = folded.find(fold(name).lower())
        return (start, start + len(name)) if start >= 0 else None
    for group, pattern in GROUP_PATTERNS:
        if group == token and (match := pattern.search(folded)):
            return match.start(), match.end()
    return None


# How much each doubt takes off a draft's confidence (out of 100).
_NO_LEAD, _UNMATCHED, _LEAD_NOT_IN_TEXT, _NO_DEADLINE, _LONG_TEXT = 50, 20, 20, 10, 10
_LONG_WORDS = 120


def confidence_of(task: dict[str, Any], leads: list[str], unmatched: list[str]) -> int:
    """How sure the reading is: no lead found, names matching no recorded unit, a lead taken from a heading
    or the preamble rather than the draft's own words, no deadline, a very long text each lower it."""
    score = 100
    if not leads:
        score -= _NO_LEAD
    if unmatched:
        score -= _UNMATCHED
    folded = fold(task["text"]).lower()
    if task["lead_units"] and not any(_find_unit(folded, name) for name in task["lead_units"]):
        score -= _LEAD_NOT_IN_TEXT
    if (task["deadline"].get("kind") or "none") == "none":
        score -= _NO_DEADLINE
    if len(task["text"].split()) > _LONG_WORDS:
        score -= _LONG_TEXT
    return max(score, 0)


def lead_choices(names: Iterable[str], units: Sequence[Unit]) -> tuple[list[str], list[str]]:
    """The lead choices the names designate (a group → its kind, a name → its unit) and the names that
    match no recorded unit, which the clerk has to pick by hand."""
    choices: list[str] = []
    unmatched: list[str] = []
    for name in names:
        token = group_token_for(name)
        if token is not None:
            named = [f"kind:{_GROUP_KINDS[token]}"]
        elif _VILLAGES_RE.fullmatch(fold(" ".join(name.split())).lower()) and any(u.kind == "village" for u in units):
            named = ["kind:village"]  # "Ban nhân dân các thôn", "Tổ dân phố", "Trưởng thôn": every village
        else:
            # one unit, or each unit a name joins ("Phòng Nội vụ và Tư pháp")
            named = [f"unit:{unit_id}" for unit_id in match_unit(name, units)]
            if not named:
                unmatched.append(name)
        choices.extend(choice for choice in named if choice not in choices)
    return choices, unmatched


def title_of(text: str) -> str:
    """A task title from an assignment's text: its first sentence, cut at a word within TITLE_LENGTH.
    Addressees before a colon ("Giao Văn phòng …: Khảo sát, lựa chọn …") are left to the lead field."""
    text = " ".join(text.split())
    labels = _LABELLED_UNITS_RE.match(text)
    if labels and len(text[labels.end():].split()) >= _MIN_TITLE_WORDS:
        text = text[labels.end():]  # "Cơ quan chủ trì: X; cơ quan phối hợp: Y. Xây dựng …": the work is after
    head, colon, rest = text.partition(": ")
    if colon and len(head) <= TITLE_LENGTH and "." not in head and len(rest.split()) >= _MIN_TITLE_WORDS:
        text = rest[:1].upper() + rest[1:]
    end = _SENTENCE_END_RE.search(text)
    first = text[: end.start()] if end and end.start() > 0 else text
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first.rfind(" ", 0, TITLE_LENGTH)
    return first[: cut if cut > 0 else TITLE_LENGTH].rstrip(" ,;") + "…"


def _deadline_values(deadline: dict[str, Any]) -> tuple[str, dt.date | None, int | None, str, str]:
    """(kind, date, working days, period, recurrence code) the review form starts from."""
    kind, day = deadline["kind"], _date(deadline.get("date"))
    if kind == "recurring":
        return "recurring", None, None, "", deadline["rule"]
    if kind == "period_end":
        period = deadline.get("period") or ""
        # "6 tháng đầu năm" ends on 30/06, which no period code says: keep it as a date
        if period and parse_period(period)[1] == day:
            return "period", None, None, period, ""
        return "date", day, None, "", ""
    if kind == "date":
        if deadline.get("working_days"):
            # counted from the day of issue, which the clerk may only fill in on the review page
            return "working_days", None, int(deadline["working_days"]), "", ""
        return "date", day, None, "", ""
    return "none", None, None, "", ""


def recurrence_label(code: str) -> str:
    """The Vietnamese reading of a rule code, or "" when the code is not valid (the form says why)."""
    try:
        return describe(rule_from_code(code))
    except ValidationError:
        return ""


# -- 3. edit -------------------------------------------------------------------------------------------


def save_intake(
    intake: IntakeDraft,
    actor: User,
    header: HeaderValues,
    drafts: list[DraftValues],
    *,
    expected_version: int | None = None,
) -> IntakeDraft:
    """Keep what the clerk typed, valid or not: checks happen at confirmation."""
    _check_access(actor)
    _check_open(intake, expected_version)
    intake.payload = {
        **intake.payload,
        "header": header.as_json(),
        "drafts": [draft.as_json() for draft in drafts],
    }
    db.session.flush()
    return intake


def merge_drafts(drafts: list[DraftValues], keys: Iterable[str]) -> list[DraftValues]:
    """The list with the drafts of `keys` joined into one, where the first of them stood: texts joined,
    units united, the first deadline given kept; what each came from stays highlighted."""
    wanted = set(keys)
    chosen = [draft for draft in drafts if draft.key in wanted]
    if len(chosen) < 2:
        raise ValidationError("Chọn ít nhất hai mục để gộp thành một nhiệm vụ.")
    first = chosen[0]
    leads = _unique(choice for draft in chosen for choice in draft.leads)
    lead_units = {_choice_id(choice) for choice in leads if choice.startswith("unit:")}
    dated = next((draft for draft in chosen if draft.deadline_kind != "none"), first)
    sections = _unique(draft.section for draft in chosen if draft.section)
    merged = dataclasses.replace(
        first,
        section=", ".join(sections)[:40],
        content="\n".join(draft.content for draft in chosen if draft.content),
        leads=leads,
        coordinating_unit_ids=[
            unit_id
            for unit_id in _unique(unit_id for draft in chosen for unit_id in draft.coordinating_unit_ids)
            if unit_id not in lead_units
        ],
        deadline_kind=dated.deadline_kind,
        deadline=dated.deadline,
        working_days=dated.working_days,
        period=dated.period,
        recurrence=dated.recurrence,
        dropped=False,
        spans=[span for draft in chosen for span in draft.spans],
        kpis=[kpi for draft in chosen for kpi in draft.kpis],
        targets=[target for draft in chosen for target in draft.targets],
        evidence=[],  # the joined text's offsets differ; each part stays marked in the document
        confidence=min(draft.confidence for draft in chosen),
        unmatched=_unique(name for draft in chosen for name in draft.unmatched),
        deadline_text="; ".join(_unique(draft.deadline_text for draft in chosen if draft.deadline_text)),
    )
    return [merged if draft is first else draft for draft in drafts if draft.key not in wanted or draft is first]


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def discard_intake(intake: IntakeDraft, actor: User) -> None:
    _check_access(actor)
    _check_open(intake)
    db.session.delete(intake)
    db.session.flush()


# -- 4. confirm ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Confirmed:
    directive: Directive
    tasks: list[Task]


class IntakeRefusal(ValidationError):
    """The confirmation refused; `duplicate` is the directive that already has the header's number, if any,
    for the review page to link to."""

    def __init__(self, message: str, fields: dict[str, str], duplicate: Directive | None = None) -> None:
        super().__init__(message, fields)
        self.duplicate = duplicate


def confirm_intake(
    intake: IntakeDraft,
    actor: User,
    header: HeaderValues,
    drafts: list[DraftValues],
    *,
    expected_version: int | None = None,
) -> Confirmed:
    """Create the directive and the tasks of every kept draft, or nothing.

    Raises `ValidationError` whose `fields` are keyed `header.<field>` and `drafts.<key>.<field>` (or
    `drafts.<key>` for the draft as a whole), every invalid draft at once, so the clerk fixes them in one
    pass; the session is then as it was before the call.
    """
    _check_access(actor)
    _check_open(intake, expected_version)
    kept = [draft for draft in drafts if not draft.dropped]
    errors: dict[str, str] = {}
    if not drafts:
        raise ValidationError("Văn bản không có nhiệm vụ nào để tạo: hãy nhập văn bản và giao nhiệm vụ bằng tay.")
    if not kept:
        raise ValidationError("Chưa có nhiệm vụ nào được giữ lại: bỏ chọn “Bỏ mục này” ở ít nhất một mục.")
    errors.update(_header_errors(header))
    # The same number and symbol of the same issuer in the year: the directive was entered already.
    duplicate = None
    if "header.number" not in errors and header.issued_on is not None:
        duplicate = find_same_number(header.number, header.issuer, header.issued_on)
        if duplicate is not None:
            errors["header.number"] = DuplicateDirectiveError(duplicate).fields["number"]
    for draft in kept:
        errors.update({f"drafts.{draft.key}.{name}": message for name, message in _draft_errors(draft).items()})
    units = {unit.id: unit for unit in list_units()}
    # a savepoint, so that a refusal leaves the caller's session as it found it
    with db.session.begin_nested():
        directive, tasks = _create_all(actor, header, kept, units, errors)
        if errors or directive is None:
            raise _refusal(errors, kept, duplicate)
    save_intake(intake, actor, header, drafts)
    intake.directive_id = directive.id
    db.session.flush()
    record(actor, "directive", directive.id, "intake_confirm", {"tasks": (None, len(tasks))},
           note=f"Tạo từ văn bản tải lên “{intake.filename or 'nội dung dán vào'}”.")  # fmt: skip
    return Confirmed(directive, tasks)


def undo_confirmation(intake: IntakeDraft, actor: User, *, note: str | None) -> IntakeDraft:
    """Undo a confirmation made today by mistake: its directive and tasks are deleted (no one has worked on them
    yet, else they are withdrawn instead) and the draft is open again to be corrected; the log keeps all of it."""
    _check_access(actor)
    directive = db.session.get(Directive, intake.directive_id) if intake.directive_id is not None else None
    if directive is None:
        raise ConflictError("Bản nháp này chưa được xác nhận.")
    if not confirmed_today(intake):
        raise ConflictError("Chỉ hủy được kết quả xác nhận trong ngày; sau đó hãy thu hồi văn bản hoặc từng nhiệm vụ.")
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, "lý do hủy", required=True, max_length=MAX_TEXT_LENGTH)
    if errors:
        raise ValidationError("Chưa nêu lý do hủy.", errors)
    removed = remove_directive_tasks(directive, actor, note=note)
    record(actor, "directive", directive.id, "intake_undo",
           {"number": (directive.number, None), "tasks": (removed, None)}, note=note)
    intake.directive_id = None
    db.session.flush()
    # The targets the confirmation read from the directive go with it: they cite it and exist for no other reason.
    target_ids = list(db.session.scalars(sa.select(KpiTarget.id).where(KpiTarget.directive_id == directive.id)))
    delete_rows(KpiTarget.__table__, target_ids)
    delete_rows(Directive.__table__, [directive.id])
    return intake


def confirmed_today(intake: IntakeDraft) -> bool:
    """Whether the draft's directive was created by its confirmation today (Vietnam time)."""
    if intake.directive_id is None:
        return False
    created = db.session.scalar(sa.select(Directive.created_at).where(Directive.id == intake.directive_id))
    if created is None:
        return False
    if created.tzinfo is None:  # SQLite gives back the stored UTC time without its zone
        created = created.replace(tzinfo=dt.UTC)
    return created.astimezone(VIETNAM).date() == today()


def _create_all(
    actor: User, header: HeaderValues, kept: list[DraftValues], units: dict[int, Unit], errors: dict[str, str]
) -> tuple[Directive | None, list[Task]]:
    try:
        directive = create_directive(
            actor,
            number=header.number,
            issued_on=header.issued_on,
            issuer=header.issuer,
            subject=header.subject,
            signer=header.signer or None,
            kind=header.kind,
        )
    except (ValidationError, DuplicateDirectiveError) as error:
        for name, message in (error.fields or {"number": error.message}).items():
            errors.setdefault(f"header.{name}", message)
        return None, []
    tasks: list[Task] = []
    for draft in kept:
        if any(_concerns(name, draft.key) for name in errors):
            continue  # already refused by the form checks
        try:
            created = _create_tasks(directive, actor, draft, units)
            create_targets(directive, actor, title=draft.title, content=draft.content, targets=draft.targets,
                           leads=draft.leads, period=draft.period, deadline=draft.deadline, tasks=created,
                           units=units)  # fmt: skip
            tasks += created
        except ValidationError as error:
            for name, message in (error.fields or {"": error.message}).items():
                field = _TASK_FIELDS.get(name)
                errors.setdefault(f"drafts.{draft.key}.{field}" if field else f"drafts.{draft.key}", message)
    return directive, tasks


def _refusal(errors: dict[str, str], kept: list[DraftValues], duplicate: Directive | None = None) -> IntakeRefusal:
    invalid = {draft.key for draft in kept if any(_concerns(name, draft.key) for name in errors)}
    parts = []
    if duplicate is not None:
        parts.append(f"văn bản số {duplicate.number} ngày {duplicate.issued_on:%d/%m/%Y} của {duplicate.issuer} "
                     "đã có trên hệ thống (số, ký hiệu không lặp lại trong một năm)")
    if any(name.startswith("header.") for name in errors if name != "header.number" or duplicate is None):
        parts.append("thông tin văn bản chưa hợp lệ")
    if invalid:
        parts.append(f"{len(invalid)} nhiệm vụ chưa hợp lệ")
    return IntakeRefusal(
        f"Chưa tạo văn bản và nhiệm vụ: {' và '.join(parts)}. Chưa có dữ liệu nào được lưu; "
        "sửa các mục được đánh dấu rồi xác nhận lại.",
        errors,
        duplicate,
    )


def _concerns(field: str, key: str) -> bool:
    return field == f"drafts.{key}" or field.startswith(f"drafts.{key}.")


def _header_errors(header: HeaderValues) -> dict[str, str]:
    errors: dict[str, str] = {}
    # A directive being entered has been issued: "Số: /UBND-VP" is the blank of an unsigned draft.
    if header.number.strip().startswith("/"):
        errors["header.number"] = "Chưa điền số của văn bản (ví dụ 123/UBND-VP)."
    if header.kind not in DIRECTIVE_KINDS:
        errors["header.kind"] = "Loại văn bản không hợp lệ."
    return errors


def _draft_errors(draft: DraftValues) -> dict[str, str]:
    """What the form alone shows to be missing, before any service is asked."""
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = "Chưa nhập tên nhiệm vụ."
    if not draft.leads:
        errors["leads"] = "Chưa chọn đơn vị chủ trì."
        if draft.unmatched:
            errors["leads"] += " Văn bản ghi: " + "; ".join(draft.unmatched) + "."
    if draft.deadline_kind not in DEADLINE_KINDS:
        errors["deadline_kind"] = "Cách tính thời hạn không hợp lệ."
    elif draft.deadline_kind == "date" and draft.deadline is None:
        errors["deadline"] = "Chưa nhập hạn xử lý (dd/mm/yyyy)."
    elif draft.deadline_kind == "working_days" and draft.working_days is None:
        errors["working_days"] = "Chưa nhập số ngày làm việc."
    elif draft.deadline_kind == "period" and not draft.period.strip():
        errors["period"] = "Chưa nhập kỳ (ví dụ 2024-Q1, 2024-03 hoặc 2024)."
    elif draft.deadline_kind == "recurring" and not draft.recurrence.strip():
        errors["recurrence"] = "Chưa nhập mã định kỳ (ví dụ weekly:fri)."
    return errors


def _deadline_arguments(draft: DraftValues) -> dict[str, Any]:
    kind = draft.deadline_kind
    return {
        "deadline_kind": kind,
        "deadline": draft.deadline if kind == "date" else None,
        "deadline_working_days": draft.working_days if kind == "working_days" else None,
        "deadline_period": draft.period.strip() if kind == "period" else None,
        "recurrence": draft.recurrence.strip() if kind == "recurring" else None,
    }


def _create_tasks(directive: Directive, actor: User, draft: DraftValues, units: dict[int, Unit]) -> list[Task]:
    """One task per chosen unit; a chosen kind gives one task per unit of that kind, grouped. A unit also
    covered by a chosen kind gets only its group's copy."""
    kinds = [kind for kind in UNIT_KINDS if f"kind:{kind}" in draft.leads]
    if LEAD_ALL in draft.leads:
        kinds = [kind for kind in UNIT_KINDS if any(unit.kind == kind for unit in units.values())]
    unit_ids = []
    for choice in draft.leads:
        if choice.startswith("unit:"):
            unit_id = _choice_id(choice)
            unit = units.get(unit_id)
            if unit is None or unit.kind not in kinds:
                unit_ids.append(unit_id)
        elif choice != LEAD_ALL and choice.removeprefix("kind:") not in UNIT_KINDS:
            message = f"Lựa chọn “{choice}” không hợp lệ."
            raise ValidationError("Đơn vị chủ trì không hợp lệ.", {"lead_unit_id": message})
    values: dict[str, Any] = {"content": draft.content, "section": draft.section, **_deadline_arguments(draft)}
    tasks: list[Task] = []
    for kind in kinds:
        _group, group_tasks = create_task_group(
            directive,
            actor,
            unit_kind=kind,
            title=draft.title,
            coordinating_unit_ids=draft.coordinating_unit_ids,
            **values,
        )
        tasks += group_tasks
    for unit_id in _unique(unit_ids):
        tasks.append(
            create_task(
                directive,
                actor,
                title=draft.title,
                lead_unit_id=unit_id,
                # A unit ticked both to lead and to coordinate is refused by the task service, naming it, as on
                # the task form (the page's script no longer offers it; a form sent without it can still).
                coordinating_unit_ids=draft.coordinating_unit_ids,
                **values,
            )
        )
    return tasks


def _choice_id(choice: str) -> int:
    try:
        return int(choice.removeprefix("unit:"))
    except ValueError:
        raise ValidationError("Đơn vị chủ trì không hợp lệ.", {"lead_unit_id": "Đơn vị không hợp lệ."}) from None
