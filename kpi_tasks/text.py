"""Vietnamese text helpers: accent folding for search, and the display formats of DESIGN.md §6."""

from __future__ import annotations

import datetime as dt
import re
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


def date_range_label(start: dt.date | None, end: dt.date | None) -> str:
    """A range of days in words: "từ ngày 01/03/2026 đến ngày 31/03/2026"; either bound may be open."""
    if start and end:
        return f"từ ngày {format_date(start)} đến ngày {format_date(end)}"
    if start:
        return f"từ ngày {format_date(start)}"
    if end:
        return f"đến ngày {format_date(end)}"
    return "toàn bộ thời gian"


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


DATE_INPUT_ERROR = "Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy."
# What people type: day first, separated by "/", "-" or "." (30/03/2026, 1/3/2026, 30-03-2026, 30.03.2026).
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
# What links built by the application and API-like callers send.
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A four-digit year outside this range is a typo (0226, 2206), not a deadline anyone means.
MIN_YEAR, MAX_YEAR = 1900, 2100


def parse_user_date(text: str) -> dt.date:
    """A calendar date typed by a user (dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy) or in ISO (yyyy-mm-dd).

    Raises ValueError for anything else, and for days that do not exist (31/02/2026)."""
    text = text.strip()
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := _ISO.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise ValueError(text)
    return _date_in_range(year, month, day, text)


def parse_iso_date(text: str) -> dt.date:
    """A date as the API and the links send it, YYYY-MM-DD, within the same years as what people type.

    Raises ValueError for anything else (0001-01-01 and 9999-12-31 included: no deadline means them)."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    return _date_in_range(int(match[1]), int(match[2]), int(match[3]), text)


def _date_in_range(year: int, month: int, day: int, text: str) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(text)
    try:
        return dt.date(year, month, day)
    except ValueError:  # 31/02, month 13, day 0
        raise ValueError(text) from None
