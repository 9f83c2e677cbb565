"""A draft task, and the drafts of one paragraph: a new draft starts at each sentence that hands the work
to a different unit ("Giao X ... . Giao Y ...")."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator

from kpi_tasks.intake.context import Context, Json
from kpi_tasks.intake.deadline_phrases import cell_deadline, find_deadline
from kpi_tasks.intake.kpi_phrases import cell_kpis, find_kpis
from kpi_tasks.intake.text import Text, vn
from kpi_tasks.intake.unit_phrases import (
    ABBREVIATION_RE,
    coordinating_units,
    lead_anywhere,
    lead_at_start,
    scope_lead,
)


@dataclasses.dataclass(slots=True)
class Draft:
    section: str
    seg: Text
    lead: list[str]
    coordinating: list[str]
    context: Context
    # Appendix rows and labelled fields carry their deadline and targets in cells of their own; a target
    # cell applies to the units given with it (a column per unit kind: "Cấp huyện | Cấp xã").
    deadline_cell: Text | None = None
    target_cells: tuple[tuple[Text, list[str]], ...] = ()
    # A time window stated apart from the item ("Thời gian treo cờ: từ ... đến hết ..."), when the text
    # gives no deadline of its own.
    window: Text | None = None

    def as_json(self) -> Json:
        deadline = find_deadline(self.seg, self.context)
        if self.deadline_cell is not None:
            deadline = cell_deadline(self.deadline_cell, self.context)
        elif deadline.kind == "none" and self.window is not None:
            deadline = find_deadline(self.window, self.context)
        kpis = find_kpis(self.seg, self.lead, deadline)
        in_cells = [kpi for cell, units in self.target_cells for kpi in cell_kpis(cell, self.seg, units, deadline)]
        kpis = in_cells or kpis
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
# "UBND các quận, huyện có trách nhiệm ...; Thủ trưởng các cơ quan, đơn vị kiểm tra ...": a clause after ";"
# opening with a capital may name another unit (kept apart only when it does, see drafts_from_paragraph).
_CLAUSE_CAPITAL_RE = re.compile(r";\s+(?=[^\W\d_])")
# Sentences that only set the scene for the next one ("Trên cơ sở thống kê ...", "Căn cứ ...").
_BACKGROUND_RE = vn(r"(?:trên cơ sở|căn cứ|nhằm|để|qua|thực hiện|với mục tiêu|theo)(?![^\W\d_])")
# The formulas that close a decision: when it takes effect, who executes it ("Quyết định này có hiệu lực
# kể từ ngày ký", "... chịu trách nhiệm thi hành Quyết định này"). They assign no work to track.
_FORMULA_RE = vn(
    r"(?:[^.;]*\snày\s+có hiệu lực|.*(?:chịu trách nhiệm|căn cứ\s+(?:quyết định|chỉ thị)(?:\s+này)?)\s+(?:thi\s+)?hành"
    r"|ban hành kèm theo\s+(?:quyết định|chỉ thị)\s+này)(?![^\W\d_])"
)


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
    for match in _CLAUSE_CAPITAL_RE.finditer(seg.text):
        clause_start = max((cut for cut in cuts if cut <= match.start()), default=0)
        if seg.text[match.end()].isupper() and _is_clause(seg, clause_start, match.start()):
            cuts.add(match.start() + 1)
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


def _is_clause(seg: Text, start: int, end: int) -> bool:
    """Whether `start:end` says what its units are to do, rather than listing units that the text after
    ";" goes on with ("Các cơ quan, đơn vị trực thuộc UBND huyện; UBND các xã, thị trấn nghiêm túc ...")."""
    lead = lead_at_start(seg.slice(start, end))
    return lead is None or len(seg.text[start + lead.end : end].split()) >= 2


@dataclasses.dataclass(slots=True)
class _Pending:
    """The draft being gathered from consecutive sentences of one paragraph."""

    start: int
    end: int
    lead: list[str]
    background_only: bool  # so far only scene-setting sentences, without a unit of their own

    def leads_to(self, found: list[str]) -> bool:
        """Whether a sentence naming `found` goes on with this draft rather than starting one: the same
        units, or this draft so far only set the scene or named nobody ("Thống nhất chủ trương tổ chức
        Hội chợ. Giao Phòng X xây dựng kế hoạch ...")."""
        return found == self.lead or self.background_only or not self.lead


def drafts_from_paragraph(seg: Text, section: str, inherited: list[str], context: Context) -> list[Draft]:
    """Drafts of one paragraph: a new draft starts at each sentence that names a different lead."""
    drafts: list[Draft] = []
    pending: _Pending | None = None
    for start, end in _pieces(seg):
        piece = seg.slice(start, end)
        if _FORMULA_RE.match(piece.low):
            continue
        found = lead_at_start(piece)
        if found and found.responsibility_only:
            continue  # "X chịu trách nhiệm trước ...": accountability, not work to track
        # the units the sentence names, the level it singles out ("Riêng đối với ... cấp xã, ..."), or those
        # it hands the work to after setting the scene ("Căn cứ ..., yêu cầu các sở, ban, ngành ...")
        units = found.units if found else (scope_lead(piece) or lead_anywhere(piece))
        if pending is None:
            background = not units and _BACKGROUND_RE.match(piece.low) is not None
            pending = _Pending(start, end, units or inherited, background)
        elif units and not pending.leads_to(units):
            drafts.append(_make_draft(seg, section, pending, context))
            pending = _Pending(start, end, units, False)
        else:
            # the same work goes on, or the scene-setting sentence leads to the unit named now
            pending.end = end
            if units:
                pending.lead, pending.background_only = units, False
    if pending is not None:
        drafts.append(_make_draft(seg, section, pending, context))
    return drafts


def _make_draft(paragraph: Text, section: str, pending: _Pending, context: Context) -> Draft:
    seg = paragraph.slice(pending.start, pending.end)
    return Draft(section, seg, pending.lead, coordinating_units(seg, pending.lead), context)
