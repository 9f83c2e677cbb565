from __future__ import annotations

import datetime as dt
import re
import unicodedata

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    CONFIDENTIAL_READER_ROLES,
    can_manage_tasks,
    can_view_directive,
)
from kpi_tasks.audit.services import record
from kpi_tasks.clock import today
from kpi_tasks.directives.models import DIRECTIVE_KINDS, Directive
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.text import fold, format_date
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


def number_key(number: str) -> str:
    """A number and symbol as compared for uniqueness: no spaces, no case ("999/UBND-VP" = "999/ubnd-vp ")."""
    return "".join(unicodedata.normalize("NFC", number).split()).casefold()


def _issuer_key(issuer: str) -> str:
    return " ".join(unicodedata.normalize("NFC", issuer).split()).casefold()


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
    number = check_text(errors, "number", number, "số, ký hiệu văn bản", required=True, max_length=80)
    issuer = check_text(errors, "issuer", issuer, "cơ quan ban hành", required=True, max_length=255)
    subject = check_text(errors, "subject", subject, "trích yếu", required=True, max_length=MAX_TEXT_LENGTH)
    signer = check_text(errors, "signer", signer, "người ký", max_length=255) or None
    kind = kind or "cong_van"
    if kind not in DIRECTIVE_KINDS:
        errors["kind"] = "Loại văn bản không hợp lệ."
    if issued_on is None:
        errors["issued_on"] = "Chưa nhập ngày ban hành."
    elif issued_on > today():
        errors["issued_on"] = "Ngày ban hành không được sau ngày hôm nay."
    if parent_id is not None and db.session.get(Directive, parent_id) is None:
        errors["parent_id"] = "Văn bản cấp trên không tồn tại."
    if errors:
        raise ValidationError("Thông tin văn bản chưa hợp lệ.", errors)
    if issued_on is not None:  # always: a missing date was refused above
        check_unique_number(number, issuer, issued_on)
    directive = Directive(
        number=number,
        issued_on=issued_on,
        issuer=issuer,
        subject=subject,
        subject_folded=fold(f"{number} {subject}"),
        signer=signer,
        kind=kind,
        parent_id=parent_id,
        confidential=bool(confidential),
        created_by_id=actor.id,
    )
    db.session.add(directive)
    db.session.flush()
    record(actor, "directive", directive.id, "create", {"number": (None, number)})
    return directive


def get_directive_or_404(directive_id: int, user: User) -> Directive:
    directive = db.session.get(Directive, directive_id)
    if directive is None or not can_view_directive(user, directive):
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    return directive


def list_directives_query(user: User, q: str | None = None) -> sa.Select:
    query = sa.select(Directive).order_by(Directive.issued_on.desc(), Directive.id.desc())
    if user.role not in CONFIDENTIAL_READER_ROLES:
        query = query.where(Directive.confidential.is_(False))
    for word in fold(q or "").split():
        query = query.where(Directive.subject_folded.contains(word, autoescape=True))
    return query
