"""Vietnamese text helpers: accent folding for search, and the display formats of DESIGN.md §6."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal


def fold(text: str) -> str:
    """Lower-case, without diacritics ("Số hóa" → "so hoa"), spaces collapsed."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    from kpi_tasks.clock import VIETNAM

    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def format_number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """1234567 → "1.234.567"; 65.54 with decimals=2 → "65,54"."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def parse_vn_date(text: str) -> dt.date:
    """Accept dd/mm/yyyy (what users type) and yyyy-mm-dd (what date inputs send)."""
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(text)
