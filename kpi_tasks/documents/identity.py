"""The committee's document identity: read as a snapshot every document prints from, changed by the admin
with a change log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.audit.services import record
from kpi_tasks.documents.kinds import SIGNED_KINDS, WORD_KINDS
from kpi_tasks.documents.models import DocumentIdentity, DocumentSigner
from kpi_tasks.errors import ConflictError, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.validation import check_text

ENTITY = "document_identity"
BLANK = "……"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
_COMMITTEE_PREFIX = "ủy ban nhân dân "
# (field, label, required, longest) of the identity's own fields, in the order the form shows them.
FIELDS = (
    ("issuing_body", "tên cơ quan ban hành", True, 255),
    ("issuing_body_short", "tên viết tắt của cơ quan ban hành", True, 255),
    ("superior_body", "cơ quan chủ quản", False, 255),
    ("place_name", "địa danh", True, 120),
    ("office_name", "tên Văn phòng", True, 255),
    ("office_header", "tên Văn phòng trên tiêu đề", True, 120),
    ("committee_symbol", "chữ viết tắt của cơ quan ban hành", True, 20),
    ("office_symbol", "chữ viết tắt của Văn phòng", True, 20),
)
SIGNER_FIELDS = (("authority", "quyền hạn ký", 120), ("title", "chức vụ người ký", 120),
                 ("name", "họ tên người ký", 120), ("recipients", "nơi nhận", 2000))


@dataclass(frozen=True)
class Signer:
    authority: str
    title: str
    name: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class Identity:
    """What documents print about who issues them; `stored` is False until the admin has entered it."""

    issuing_body: str = "Ủy ban nhân dân"
    issuing_body_short: str = "UBND"
    superior_body: str = ""
    place_name: str = ""
    office_name: str = "Văn phòng"
    office_header: str = "Văn phòng"
    committee_symbol: str = "UBND"
    office_symbol: str = "VP"
    signers: dict[str, Signer] = field(default_factory=dict)
    stored: bool = False

    def committee_lines(self) -> list[str]:
        """The issuing body as the header prints it: "ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG NGÃI"."""
        name = self.issuing_body.strip()
        if name.lower().startswith(_COMMITTEE_PREFIX) and len(name) > len(_COMMITTEE_PREFIX):
            return ["ỦY BAN NHÂN DÂN", name[len(_COMMITTEE_PREFIX):].upper()]
        return [name.upper()]

    def chairman(self) -> str:
        """"Chủ tịch Ủy ban nhân dân tỉnh Quảng Ngãi"."""
        return f"Chủ tịch {self.issuing_body}"

    def place_and_date(self, day: dt.date | None) -> str:
        return f"{self.place_name or BLANK}, {long_date(day)}"

    def signer(self, kind: str) -> Signer:
        stored = self.signers.get(kind)
        if stored is not None:
            return stored
        default = WORD_KINDS[kind]
        return Signer(default.authority, default.title, "", default.recipients)

    def recipients(self, kind: str, archive: str = "VT") -> list[str]:
        """"Nơi nhận": "- Như trên;", the kind's heads, "- Lưu: VT." (each line as printed)."""
        heads = [line.strip().rstrip(";.").strip() for line in self.signer(kind).recipients]
        return ["- Như trên;", *[f"- {line};" for line in heads if line], f"- Lưu: {archive}."]


def long_date(day: dt.date | None) -> str:
    """"ngày 05 tháng 02 năm 2026" (Decree 30/2020: a leading zero for days below 10 and months 1 and 2);
    blanks for the clerk to fill in when there is no day."""
    if day is None:
        return "ngày …… tháng …… năm ……"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def root_identity_row() -> DocumentIdentity | None:
    return db.session.scalar(sa.select(DocumentIdentity).where(DocumentIdentity.unit_id.is_(None)))


def current_identity() -> Identity:
    """The root committee's identity as documents print it (defaults with blanks until it is entered)."""
    row = root_identity_row()
    if row is None:
        return Identity()
    signers = {
        signer.kind: Signer(signer.authority, signer.title, signer.name,
                            tuple(line for line in signer.recipients.splitlines() if line.strip()))
        for signer in row.signers
    }
    return Identity(**{name: getattr(row, name) for name, *_ in FIELDS}, signers=signers, stored=True)


def _snapshot(row: DocumentIdentity) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(row, name) for name, *_ in FIELDS}
    for signer in row.signers:
        for name, *_ in SIGNER_FIELDS:
            values[f"{signer.kind}.{name}"] = getattr(signer, name)
    return values


def _checked(values: dict[str, Any], signers: dict[str, dict[str, str]]) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    fields = {name: check_text(errors, name, values.get(name), label, required=required, max_length=longest)
              for name, label, required, longest in FIELDS}
    for name in ("committee_symbol", "office_symbol"):
        if fields[name] and not all(char.isalnum() or char in "-Đđ" for char in fields[name]):
            errors[name] = "Chữ viết tắt chỉ gồm chữ cái, chữ số và dấu “-” (ví dụ: UBND, VP)."
    checked = {}
    for kind in SIGNED_KINDS:
        given = signers.get(kind.code, {})
        checked[kind.code] = {name: check_text(errors, f"{kind.code}.{name}", given.get(name), label,
                                               required=name == "title", max_length=longest)
                              for name, label, longest in SIGNER_FIELDS}
        lines = [line.strip() for line in checked[kind.code]["recipients"].splitlines()]
        checked[kind.code]["recipients"] = "\n".join(line for line in lines if line)
    if errors:
        raise ValidationError("Thông tin cơ quan ban hành văn bản chưa hợp lệ.", errors)
    return fields, checked


def save_identity(actor: User | None, values: dict[str, Any], signers: dict[str, dict[str, str]],
                  version: int | None = None) -> dict[str, tuple[Any, Any]]:
    """Create or change the root committee's identity; returns the changes, as logged."""
    fields, checked = _checked(values, signers)
    row = root_identity_row()
    created = row is None
    if row is None:
        row = DocumentIdentity(unit_id=None, **fields)
        db.session.add(row)
        before: dict[str, Any] = {}
    else:
        if version is not None and version != row.version:
            raise ConflictError("Thông tin cơ quan ban hành vừa được người khác sửa; hãy tải lại trang và nhập lại.")
        before = _snapshot(row)
        for name, value in fields.items():
            setattr(row, name, value)
    by_kind = {signer.kind: signer for signer in row.signers}
    for kind, given in checked.items():
        signer = by_kind.get(kind)
        if signer is None:
            row.signers.append(DocumentSigner(kind=kind, **given))
        else:
            for name, value in given.items():
                setattr(signer, name, value)
    db.session.flush()
    after = _snapshot(row)
    changes = {key: (before.get(key), value) for key, value in after.items() if before.get(key) != value}
    if changes:
        record(actor, ENTITY, row.id, "create" if created else "update", changes)
    return changes


def default_signers() -> dict[str, dict[str, str]]:
    """The signed kinds' defaults, as the form first shows them."""
    return {kind.code: {"authority": kind.authority, "title": kind.title, "name": "",
                        "recipients": "\n".join(kind.recipients)} for kind in SIGNED_KINDS}
