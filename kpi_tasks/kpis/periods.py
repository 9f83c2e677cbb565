"""Target periods: a year ("2023"), a quarter ("2023-Q1") or a month ("2023-03")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kpi_tasks.calendar.workdays import parse_period, period_end
from kpi_tasks.errors import ValidationError

ROMAN = ("I", "II", "III", "IV")
# Narrower first: a month target is more specific than its quarter's, a quarter's than its year's.
KIND_RANK = {"month": 1, "quarter": 2, "year": 3}
_KIND_RE = re.compile(r"\d{4}(?P<rest>-[qQ][1-4]|-\d{2})?")
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: str | None) -> Period:
        """"2023" → the year, "2023-Q1" → the quarter, "2023-03" → the month; a Vietnamese error otherwise."""
        raw = (text or "").strip()
        match = _KIND_RE.fullmatch(raw)
        if match is None:
            raise ValidationError(
                f"Kỳ “{raw}” không hợp lệ: ghi theo dạng 2023 (năm), 2023-Q1 (quý) hoặc 2023-03 (tháng).",
                {"period": "Ghi theo dạng 2023, 2023-Q1 hoặc 2023-03."},
            )
        start, end = parse_period(raw)
        if not MIN_YEAR <= start.year <= MAX_YEAR:
            raise ValidationError(f"Năm {start.year} nằm ngoài khoảng {MIN_YEAR}–{MAX_YEAR}.",
                                  {"period": "Năm không hợp lệ."})
        rest = match["rest"]
        kind = "year" if rest is None else ("quarter" if rest[1] in "qQ" else "month")
        return cls(kind, start, end)

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        """The year, quarter or month that contains `day`."""
        if kind == "year":
            return cls(kind, dt.date(day.year, 1, 1), period_end("year", day.year))
        if kind == "quarter":
            quarter = (day.month - 1) // 3 + 1
            return cls(kind, dt.date(day.year, quarter * 3 - 2, 1), period_end("quarter", day.year, quarter))
        if kind == "month":
            return cls(kind, day.replace(day=1), period_end("month", day.year, day.month))
        raise ValidationError(f"Loại kỳ “{kind}” không hợp lệ.", {"period": "Năm, quý hoặc tháng."})

    @property
    def code(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"Năm {self.start.year}"
        if self.kind == "quarter":
            return f"Quý {ROMAN[(self.start.month - 1) // 3]}/{self.start.year}"
        return f"Tháng {self.start.month}/{self.start.year}"

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end + dt.timedelta(days=1))

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def quarters(self) -> list[Period]:
        """The quarters of this period's year (for period pickers)."""
        return [Period.parse(f"{self.start.year}-Q{n}") for n in range(1, 5)]

    def __str__(self) -> str:
        return self.code
