"""The directive's text as HTML with the words each draft came from marked, for the review page."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

from kpi_tasks.intake.services import DraftValues


def marked_source(text: str, drafts: Sequence[DraftValues]) -> Markup:
    """`text` escaped, each draft's spans wrapped in `<mark>`: the first piece of a draft carries the id
    `src-<key>` that the draft's "Xem trong văn bản" link points at, and every piece links back to its
    draft. Spans of several drafts may touch or overlap (merged drafts, appendix rows); the text is cut at
    every span boundary, so marks never nest."""
    spans = [
        (draft, max(0, start), min(len(text), end))
        for draft in drafts
        for start, end in draft.spans
        if max(0, start) < min(len(text), end)
    ]
    bounds = sorted({0, len(text), *(start for _, start, _ in spans), *(end for _, _, end in spans)})
    # neighbouring drafts' sentences often touch: every other draft is marked in a second colour
    alternate = {draft.key for position, draft in enumerate(drafts) if position % 2}
    anchored: set[str] = set()
    html: list[str] = []
    for start, end in itertools.pairwise(bounds):
        piece = escape(text[start:end])
        covering = [draft for draft, s, e in spans if s <= start and end <= e]
        if not covering:
            html.append(piece)
            continue
        anchors = Markup("").join(
            Markup('<span id="src-{}" class="intake-anchor"></span>').format(draft.key)
            for draft in covering
            if draft.key not in anchored
        )
        anchored.update(draft.key for draft in covering)
        owner = covering[0]
        css = "intake-mark"
        if all(draft.dropped for draft in covering):
            css += " intake-mark-dropped"
        elif owner.key in alternate:
            css += " intake-mark-alt"
        html.append(
            anchors
            + Markup('<mark class="{}" data-drafts="{}"><a href="#draft-{}">{}</a></mark>').format(
                css, " ".join(draft.key for draft in covering), owner.key, piece
            )
        )
    return Markup("").join(html)


# What each piece of evidence is, in the review's words.
EVIDENCE_LABELS = {"unit": "đơn vị", "deadline": "thời hạn", "kpi": "chỉ tiêu"}


def marked_sentence(draft: DraftValues) -> Markup:
    """The draft's own text, escaped, with the words that gave its unit, deadline and figures marked
    (`intake-ev-unit`, `-deadline`, `-kpi`, each titled in Vietnamese for the reader)."""
    text = draft.content
    html: list[str] = []
    position = 0
    for start, end, what in sorted(draft.evidence):
        if start < position or end > len(text) or what not in EVIDENCE_LABELS:
            continue
        html.append(escape(text[position:start]))
        html.append(
            Markup('<mark class="intake-ev intake-ev-{}" title="{}">{}</mark>').format(
                what, EVIDENCE_LABELS[what], text[start:end]
            )
        )
        position = end
    html.append(escape(text[position:]))
    return Markup("").join(html)


LOW_CONFIDENCE = 60  # below this a draft is flagged for a careful look


SURE = 90  # at or above this a reading has nothing doubtful


def confidence_class(confidence: int) -> str:
    """The badge colour of a confidence: red below 60, amber below 90, green otherwise."""
    if confidence < LOW_CONFIDENCE:
        return "text-bg-danger"
    return "text-bg-warning" if confidence < SURE else "text-bg-success"
