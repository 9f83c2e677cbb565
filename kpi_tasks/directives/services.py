from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_manage_tasks,
    can_read_confidential,
    can_view_directive,
    committee_id_of,
    directive_visibility_clause,
    oversees_everything,
)
from kpi_tasks.audit.services import record
from kpi_tasks.clock import today
from kpi_tasks.directives.models import DIRECTIVE_KINDS, Directive
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.hooks import Subscribers
from kpi_tasks.input_bounds import MAX_INTEGER
from kpi_tasks.text import fold, format_date
from kpi_tasks.units.models import Unit
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

_LEADING_DIGITS_RE = re.compile(r"\d+")
_SUBJECT_SHOWN = 80  # characters of the existing directive's subject named in the refusal


class DuplicateDirectiveError(ConflictError):
    """The issuer already has a directive with this number and symbol in the year of issue."""

    def __init__(self, existing: Directive) -> None:
        subject = existing.subject if len(existing.subject) <= _SUBJECT_SHOWN else (
            existing.subject[:_SUBJECT_SHOWN].rsplit(" ", 1)[0] + "…"
        )
        super().__init__(
            f"Đã có văn bản số {existing.number} ngày {format_date(existing.issued_on)} của {existing.issuer} "
            f"(mã {existing.id}, “{subject}”). Số, ký hiệu của một cơ quan ban hành không lặp lại trong một năm: "
            "hãy mở văn bản đã có thay vì nhập lại, hoặc kiểm tra lại số, ký hiệu.",
            {"number": f"Số, ký hiệu “{existing.number}” của {existing.issuer} đã được dùng trong năm "
                       f"{existing.issued_on.year} (văn bản ngày {format_date(existing.issued_on)})."},
        )
        self.existing = existing



@dataclass(frozen=True)
class IssueDateFollower:
    """What counts from a directive's date of issue (its tasks' deadlines: tasks/) and so follows a correction:
    `refuse(directive, later_date)` may refuse a later date with the reason, `follow(directive, actor)` moves what
    counts from the new one. Registered by web.init_app: the packages above tell this one what depends on it."""

    refuse: Callable[[Directive, dt.date], str | None]
    follow: Callable[[Directive, User], None]


issue_date_followers: Subscribers[IssueDateFollower] = Subscribers("what follows a directive's date of issue")

def number_key(number: str) -> str:
    """A number and symbol as compared for uniqueness: no spaces, no case ("999/UBND-VP" = "999/ubnd-vp ")."""
    return "".join(unicodedata.normalize("NFC", number).split()).casefold()


def _issuer_key(issuer: str) -> str:
    return " ".join(unicodedata.normalize("NFC", issuer).split()).casefold()


def uniqueness_key(number: str, issuer: str, issued_on: dt.date) -> str:
    """What `directives.number_key` holds under its unique index: the year, the issuer and the number as
    compared (migration 0012 keeps a copy of this rule)."""
    return f"{issued_on.year}|{_issuer_key(issuer)}|{number_key(number)}"


def _flush_refusing_a_number_taken_meanwhile(number: str, issuer: str, issued_on: dt.date) -> None:
    """Flush. A directive with the same number committed by someone else since the check (two clerks entering
    one directive at once) makes the unique index refuse it: that is told as the check tells it. The session
    is then unusable until the caller rolls back, as after any refusal, so the first directive is read on a
    connection of its own."""
    try:
        db.session.flush()
    except IntegrityError as error:
        key = uniqueness_key(number, issuer, issued_on)
        with db.engine.connect() as connection:
            row = connection.execute(
                sa.select(*(Directive.__table__.c[name] for name in
                            ("id", "number", "kind", "issued_on", "issuer", "subject")))
                .where(Directive.__table__.c.number_key == key)
            ).mappings().first()
        if row is None:
            raise
        raise DuplicateDirectiveError(Directive(**row)) from error


def find_same_number(
    number: str, issuer: str, issued_on: dt.date, *, exclude_id: int | None = None
) -> Directive | None:
    """The directive of the same issuer with the same number and symbol issued in the same year (the number
    restarts each year), other than `exclude_id` (the directive being edited); None if there is none."""
    key, issuer_key = number_key(number), _issuer_key(issuer)
    if not key:
        return None
    query = sa.select(Directive).where(
        Directive.issued_on.between(dt.date(issued_on.year, 1, 1), dt.date(issued_on.year, 12, 31))
    )
    digits = _LEADING_DIGITS_RE.match(key)
    if digits:  # narrows the year's directives to a few candidates; the comparison itself is below
        query = query.where(sa.func.replace(Directive.number, " ", "").contains(digits[0], autoescape=True))
    if exclude_id is not None:
        query = query.where(Directive.id != exclude_id)
    for candidate in db.session.scalars(query.order_by(Directive.id)):
        if number_key(candidate.number) == key and _issuer_key(candidate.issuer) == issuer_key:
            return candidate
    return None


def check_unique_number(number: str, issuer: str, issued_on: dt.date, *, exclude_id: int | None = None) -> None:
    """Raise `DuplicateDirectiveError` (409) naming the directive that already has this number."""
    existing = find_same_number(number, issuer, issued_on, exclude_id=exclude_id)
    if existing is not None:
        raise DuplicateDirectiveError(existing)


def _checked_fields(
    errors: dict[str, str],
    *,
    number: str,
    issued_on: dt.date | None,
    issuer: str,
    subject: str,
    signer: str | None,
    kind: str | None,
    parent_id: int | None,
    directive_id: int | None = None,
) -> dict[str, Any]:
    """The fields of a directive as stored, with what is wrong with them added to `errors`."""
    values: dict[str, Any] = {
        "number": check_text(errors, "number", number, "số, ký hiệu văn bản", required=True, max_length=80),
        "issuer": check_text(errors, "issuer", issuer, "cơ quan ban hành", required=True, max_length=255),
        "subject": check_text(errors, "subject", subject, "trích yếu", required=True, max_length=MAX_TEXT_LENGTH),
        "signer": check_text(errors, "signer", signer, "người ký", max_length=255) or None,
        "kind": kind or "cong_van",
        "issued_on": issued_on,
        "parent_id": parent_id,
    }
    if values["kind"] not in DIRECTIVE_KINDS:
        errors["kind"] = "Loại văn bản không hợp lệ."
    if issued_on is None:
        errors["issued_on"] = "Chưa nhập ngày ban hành."
    elif issued_on > today():
        errors["issued_on"] = "Ngày ban hành không được sau ngày hôm nay."
    if parent_id is not None:
        if db.session.get(Directive, parent_id) is None:
            errors["parent_id"] = "Văn bản cấp trên không tồn tại."
        elif directive_id is not None and _implements(parent_id, directive_id):
            errors["parent_id"] = "Văn bản cấp trên không thể là chính văn bản này hoặc văn bản thực hiện nó."
    return values


def _implements(directive_id: int, ancestor_id: int) -> bool:
    """Whether `directive_id` is `ancestor_id` or implements it, directly or down a chain."""
    seen: set[int] = set()
    current: int | None = directive_id
    while current is not None and current not in seen:
        if current == ancestor_id:
            return True
        seen.add(current)
        current = db.session.scalar(sa.select(Directive.parent_id).where(Directive.id == current))
    return False


def create_directive(
    actor: User,
    *,
    number: str,
    issued_on: dt.date | None,
    issuer: str,
    subject: str,
    signer: str | None = None,
    kind: str | None = None,
    parent_id: int | None = None,
    confidential: bool = False,
) -> Directive:
    if not can_manage_tasks(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được nhập văn bản chỉ đạo.")
    errors: dict[str, str] = {}
    values = _checked_fields(errors, number=number, issued_on=issued_on, issuer=issuer, subject=subject,
                             signer=signer, kind=kind, parent_id=parent_id)
    if errors:
        raise ValidationError("Thông tin văn bản chưa hợp lệ.", errors)
    check_unique_number(values["number"], values["issuer"], values["issued_on"])
    directive = Directive(
        **values,
        subject_folded=fold(f"{values['number']} {values['subject']}"),
        number_key=uniqueness_key(values["number"], values["issuer"], values["issued_on"]),
        confidential=bool(confidential),
        committee_id=committee_id_of(actor),
        created_by_id=actor.id,
    )
    db.session.add(directive)
    _flush_refusing_a_number_taken_meanwhile(values["number"], values["issuer"], values["issued_on"])
    record(actor, "directive", directive.id, "create", {"number": (None, values["number"])})
    return directive


def _directive_snapshot(directive: Directive) -> dict[str, Any]:
    return {
        "number": directive.number,
        "directive_kind": directive.kind,
        "issued_on": directive.issued_on.isoformat(),
        "issuer": directive.issuer,
        "signer": directive.signer,
        "subject": directive.subject,
        "parent_directive": directive.parent.number if directive.parent else None,
        "confidential": directive.confidential,
    }


def update_directive(
    directive: Directive,
    actor: User,
    *,
    expected_version: int | None,
    number: str,
    issued_on: dt.date | None,
    issuer: str,
    subject: str,
    signer: str | None = None,
    kind: str | None = None,
    parent_id: int | None = None,
    confidential: bool = False,
) -> dict[str, Any]:
    """The office corrects what it typed. A new date of issue moves the deadlines counted in working days from
    it (a task with an approved extension keeps its extended deadline). Returns the changes logged."""
    if not can_manage_tasks(actor, directive):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được sửa văn bản chỉ đạo.")
    if expected_version is not None and expected_version != directive.version:
        raise ConflictError(
            f"Văn bản vừa được người khác sửa (phiên bản {directive.version}, bạn đang sửa phiên bản "
            f"{expected_version}). Vui lòng tải lại trang để xem thay đổi mới nhất rồi thực hiện lại."
        )
    errors: dict[str, str] = {}
    values = _checked_fields(errors, number=number, issued_on=issued_on, issuer=issuer, subject=subject,
                             signer=signer, kind=kind, parent_id=parent_id, directive_id=directive.id)
    if issued_on is not None and "issued_on" not in errors and issued_on > directive.issued_on:
        for follower in issue_date_followers:
            if refusal := follower.refuse(directive, issued_on):
                errors["issued_on"] = refusal
    if errors:
        raise ValidationError("Thông tin văn bản chưa hợp lệ.", errors)
    check_unique_number(values["number"], values["issuer"], values["issued_on"], exclude_id=directive.id)
    before = _directive_snapshot(directive)
    old_issued_on = directive.issued_on
    for name, value in values.items():
        setattr(directive, name, value)
    directive.confidential = bool(confidential)
    directive.subject_folded = fold(f"{directive.number} {directive.subject}")
    directive.number_key = uniqueness_key(directive.number, directive.issuer, directive.issued_on)
    _flush_refusing_a_number_taken_meanwhile(directive.number, directive.issuer, directive.issued_on)
    db.session.refresh(directive, ["parent"])
    after = _directive_snapshot(directive)
    changes = {key: (old, after[key]) for key, old in before.items() if after[key] != old}
    if not changes:
        return changes
    record(actor, "directive", directive.id, "update", changes)
    if directive.issued_on != old_issued_on:
        for follower in issue_date_followers:
            follower.follow(directive, actor)
    return changes


def get_directive_or_404(directive_id: int, user: User) -> Directive:
    directive = db.session.get(Directive, directive_id)
    if directive is None or not can_view_directive(user, directive):
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    return directive


EVERY_LEVEL: Final = "all"
# Whose directives a list keeps to: one committee's own (None: the root's), or every one the user sees.
IssuedBy = int | None | Literal["all"]


def list_directives_query(user: User, q: str | None = None, issued_by: IssuedBy = EVERY_LEVEL) -> sa.Select:
    query = (sa.select(Directive).where(directive_visibility_clause(user, Directive.committee_id))
             .order_by(Directive.issued_on.desc(), Directive.id.desc()))
    if issued_by != EVERY_LEVEL:
        query = query.where(Directive.committee_id.is_(None) if issued_by is None
                            else Directive.committee_id == issued_by)
    if not can_read_confidential(user):
        query = query.where(Directive.confidential.is_(False))
    for word in fold(q or "").split():  # the subject's words, or the number and symbol ("287/UBND-VP")
        query = query.where(sa.or_(Directive.subject_folded.contains(word, autoescape=True),
                                   Directive.number_key.contains(word, autoescape=True)))
    return query


def lower_committees(user: User) -> list[tuple[int, str]]:
    """(id, name) of the committees below whose own directives `user` reads (the root's staff: each commune's);
    none for anyone else, who sees their own committee's and the root's alone."""
    if not oversees_everything(user):
        return []
    return [(row.id, row.name) for row in db.session.execute(
        sa.select(Unit.id, Unit.name).where(Unit.is_committee.is_(True), Unit.active.is_(True)).order_by(Unit.name))]


def read_issued_by(user: User, asked: str | None) -> IssuedBy:
    """Whose directives the list shows. The province steers and the communes steer their own (DESIGN.md §1): the
    root's staff list the root's own directives unless they ask for every level ("all") or one commune's (its
    unit id); anyone else lists every directive they see, which is already their own committee's and the root's."""
    if not oversees_everything(user):
        return EVERY_LEVEL
    if not asked:
        return None
    if asked == EVERY_LEVEL:
        return EVERY_LEVEL
    unit_id = int(asked) if asked.isascii() and asked.isdigit() else 0
    committee = db.session.get(Unit, unit_id) if 0 < unit_id <= MAX_INTEGER else None
    if committee is None or not (committee.is_committee and committee.active):
        raise NotFound("Không có UBND xã, phường nào như vậy.")
    return committee.id
