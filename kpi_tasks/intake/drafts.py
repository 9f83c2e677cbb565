"""A draft task, and the drafts of one paragraph: a new draft starts at each sentence that hands the work
to a different unit ("Giao X ... . Giao Y ...")."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator

from kpi_tasks.intake.context import Context, Json
from kpi_tasks.intake.deadlines import cell_deadline, find_deadline
from kpi_tasks.intake.kpis import cell_kpis, find_kpis
from kpi_tasks.intake.text import Text, vn
from kpi_tasks.intake.unit_phrases import ABBREVIATION_RE, coordinating_units, lead_at_start, scope_lead


@dataclasses.dataclass(slots=True)
class Draft:
    section: str
    seg: Text
    lead: list[str]
    coordinating: list[str]
    context: Context
    # Appendix rows carry their deadline and target in cells of their own.
    deadline_cell: Text | None = None
    target_cell: Text | None = None

    def as_json(self) -> Json:
        deadline = find_deadline(self.seg, self.context)
        if self.deadline_cell is not None:
            deadline = cell_deadline(self.deadline_cell, self.context)
        kpis = find_kpis(self.seg, self.lead, deadline)
        if self.target_cell is not None:
            kpis = cell_kpis(self.target_cell, self.seg, self.lead, deadline) or kpis
        return {
            "section": self.section,
            "text": self.seg.text,
            "lead_units": self.lead,
            "coordinating_units": self.coordinating,
            "deadline": deadline.as_json(),
            "kpis": kpis,
            "span": self.seg.span(),
        }


_SENTENCE_END_RE = re.compile(r"[.!?…][”\"’)]*\s+(?=[“\"(]?(?P<next>\w))")
_CLAUSE_ASSIGNMENT_RE = vn(r";\s+(?=(?:giao|đề nghị|yêu cầu)\s)")
# Sentences that only set the scene for the next one ("Trên cơ sở thống kê ...", "Căn cứ ...").
_BACKGROUND_RE = vn(r"(?:trên cơ sở|căn cứ|nhằm|để|qua|thực hiện|với mục tiêu|theo)(?![^\W\d_])")


def _sentence_breaks(text: str) -> Iterator[int]:
    """Where sentences begin: after ". " before a capital, but not after "TP." or "P." style abbreviations."""
    for match in _SENTENCE_END_RE.finditer(text):
        if not match["next"].isupper():
            continue
        word_before = text[: match.start() + 1].split()[-1] if text[: match.start() + 1].split() else ""
        if ABBREVIATION_RE.fullmatch(word_before):
            continue
        yield match.end()


def _pieces(seg: Text) -> list[tuple[int, int]]:
    """A paragraph cut into sentences, and at "; giao ..." where a clause hands work to another unit."""
    cuts = set(_sentence_breaks(seg.text)) | {m.start() + 1 for m in _CLAUSE_ASSIGNMENT_RE.finditer(seg.low)}
    bounds = [0, *sorted(cuts), len(seg)]
    pieces = []
    for start, end in itertools.pairwise(bounds):
        while start < end and seg.text[start] in " ;":
            start += 1
        while end > start and seg.text[end - 1] in " ;":
            end -= 1
        if end > start:
            pieces.append((start, end))
    return pieces


@dataclasses.dataclass(slots=True)
class _Pending:
    """The draft being gathered from consecutive sentences of one paragraph."""

    start: int
    end: int
    lead: list[str]
    background_only: bool  # so far only scene-setting sentences, without a unit of their own


def drafts_from_paragraph(seg: Text, section: str, inherited: list[str], context: Context) -> list[Draft]:
    """Drafts of one paragraph: a new draft starts at each sentence that names a different lead."""
    drafts: list[Draft] = []
    pending: _Pending | None = None
    for start, end in _pieces(seg):
        piece = seg.slice(start, end)
        found = lead_at_start(piece)
        if found and found.responsibility_only:
            continue  # "X chịu trách nhiệm trước ...": accountability, not work to track
        if pending is None:
            lead = found.units if found else (scope_lead(piece) or inherited)
            background = found is None and _BACKGROUND_RE.match(piece.low) is not None
            pending = _Pending(start, end, lead, background)
        elif found and found.units != pending.lead and not pending.background_only:
            drafts.append(_make_draft(seg, section, pending, context))
            pending = _Pending(start, end, found.units, False)
        else:
            # the same work goes on, or the scene-setting sentence leads to the unit named now
            pending.end = end
            if found:
                pending.lead, pending.background_only = found.units, False
    if pending is not None:
        drafts.append(_make_draft(seg, section, pending, context))
    return drafts


def _make_draft(paragraph: Text, section: str, pending: _Pending, context: Context) -> Draft:
    seg = paragraph.slice(pending.start, pending.end)
    return Draft(section, seg, pending.lead, coordinating_units(seg, pending.lead), context)
