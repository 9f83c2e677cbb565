"""The part of a Word document's context every kind shares: the header, the signer and "Nơi nhận"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kpi_tasks.documents.identity import Identity
from kpi_tasks.documents.kinds import COMMITTEE, OFFICE, WORD_KINDS

NUMBER_BLANK = " " * 8  # the number is written in when the document is registered


def header(identity: Identity, issued_by: str, day: dt.date | None, *, symbol: str = "",
           unit_name: str = "", unit_is_committee: bool = False) -> dict[str, Any]:
    """Issuing body (and the body above it), "Số:      /BC-VP", "Quảng Ngãi, ngày 16 tháng 3 năm 2026".

    The committee prints its own name (and its superior body, if any); the office and the units print the
    committee above their own name, except a commune's People's Committee, which is a committee itself.
    """
    if issued_by == COMMITTEE:
        superior, lines = identity.superior_body.upper(), identity.committee_lines()
    elif issued_by == OFFICE:
        superior, lines = identity.issuing_body_short.upper(), [identity.office_header.upper()]
    elif unit_is_committee:
        superior, lines = "", _committee_lines(unit_name)
    else:
        superior, lines = identity.issuing_body_short.upper(), [unit_name.upper()]
    return {
        "superior": superior,
        "issuer_lines": lines,
        "number": f"Số:{NUMBER_BLANK}/{symbol}" if symbol else "",
        "place_date": identity.place_and_date(day),
    }


def _committee_lines(name: str) -> list[str]:
    """"UBND xã Bình Thạnh" → ["ỦY BAN NHÂN DÂN", "XÃ BÌNH THẠNH"]."""
    for prefix in ("ubnd ", "ủy ban nhân dân ", "uỷ ban nhân dân "):
        if name.lower().startswith(prefix):
            return ["ỦY BAN NHÂN DÂN", name[len(prefix):].strip().upper()]
    return [name.upper()]


def signature(identity: Identity, kind: str, name: str | None = None) -> dict[str, str]:
    signer = identity.signer(kind)
    return {"authority": signer.authority.upper(), "title": signer.title.upper(),
            "name": signer.name if name is None else name}


def base_context(identity: Identity, kind: str, day: dt.date | None, *, symbol: str = "", unit_name: str = "",
                 unit_is_committee: bool = False, signer_name: str | None = None) -> dict[str, Any]:
    """The header, signature and recipients of a document of `kind` dated `day`."""
    issued_by = WORD_KINDS[kind].issued_by
    context: dict[str, Any] = {
        "header": header(identity, issued_by, day, symbol=symbol, unit_name=unit_name,
                         unit_is_committee=unit_is_committee),
    }
    if WORD_KINDS[kind].signed:
        context["signature"] = signature(identity, kind, signer_name)
        context["recipients"] = identity.recipients(kind)
    return context


def table(groups: list[tuple[str, list[list[str]]]], *, total: list[str] | None = None, intro: str = "",
          empty: str = "") -> dict[str, Any]:
    """A table of a Word template: its groups (label, rows of texts), total row, introduction and the
    sentence printed instead when it has no row."""
    kept = [{"label": label, "rows": rows} for label, rows in groups if rows]
    return {"groups": kept, "total": total or [], "intro": intro, "empty": empty}


_ROMAN = (("M", 1000), ("CM", 900), ("D", 500), ("CD", 400), ("C", 100), ("XC", 90), ("L", 50), ("XL", 40),
          ("X", 10), ("IX", 9), ("V", 5), ("IV", 4), ("I", 1))


def roman(number: int) -> str:
    """3 → "III": the numbering of a document's parts and of an appendix's groups."""
    text = ""
    for letters, value in _ROMAN:
        while number >= value:
            text += letters
            number -= value
    return text
