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
