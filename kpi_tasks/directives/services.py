from __future__ import annotations

import datetime as dt

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
from kpi_tasks.errors import NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.text import fold
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text


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
