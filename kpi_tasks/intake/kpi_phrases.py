"""KPI targets read from a draft's text: percentages ("đạt tối thiểu 90% đối với … và 70% đối với …"),
counts and sums of money, each with its direction, the unit kind it applies to and its period."""

from __future__ import annotations

import re

from kpi_tasks.intake.context import Json
from kpi_tasks.intake.deadline_phrases import Deadline, phrase
from kpi_tasks.intake.text import Text, vn
from kpi_tasks.intake.unit_matching import GROUP_ALL_UNITS, GROUP_COMMUNES, GROUP_DEPARTMENTS, GROUP_TOKENS
from kpi_tasks.intake.unit_phrases import read_units

_PERCENT_RE = re.compile(r"(?<![\d.,])(?P<value>\d{1,3}(?:[.,]\d{1,2})?)\s*%")
_AT_LEAST_RE = vn(
    r"(?:tối thiểu|ít nhất|không thấp hơn|không dưới|không ít hơn|trên|từ|vượt|cao hơn|đạt|đảm bảo|bảo đảm"
    r"|phấn đấu|sớm hơn|tăng)(?![^\W\d_])"
)
_AT_MOST_RE = vn(r"(?:tối đa|không quá|không vượt quá|dưới|thấp hơn|không cao hơn|giảm|ít hơn)(?![^\W\d_])")
_EXACTLY_RE = vn(r"(?:bằng|đúng)(?![^\W\d_])")
_OR_MORE_RE = vn(r"\s*trở lên")
_OR_LESS_RE = vn(r"\s*trở xuống")
_REPORTED_FIGURE_RE = vn(r"(?:chiếm|còn|chỉ đạt|mới đạt)\s*$")
# "... 98% đối với cơ quan chuyên môn", "ít nhất 65% tại UBND cấp xã", "tối thiểu 85% ở cấp xã"
_APPLIES_TO_RE = vn(r"\s*(?:đối với|với|cho|tại|ở)\s+(?P<target>[^;,.()]+?)(?=\s+và\s+\d|[;,.()]|$)")
_COMMUNE_WORDS_RE = vn(r"(?<![^\W\d_])(?:xã|thị trấn|phường|thôn|tổ dân phố)(?![^\W\d_])")
_DEPARTMENT_WORDS_RE = vn(r"(?<![^\W\d_])(?:cấp huyện|cấp tỉnh|chuyên môn|phòng|ban|ngành|sở)(?![^\W\d_])")
_COUNT_RE = vn(
    r"(?P<cue>tối thiểu|ít nhất|không dưới|không ít hơn|tối đa|không quá|trên)\s+"
    r"(?P<value>\d{1,3}(?:\.\d{3})+|\d+)\s+(?P<noun>(?!ngày|tháng|năm|quý|tuần|giờ|phút|lần\s+trong)[^\W\d_]+)"
    r"(?:\s+(?!mỗi|hàng|hằng|trong|trước|của)[^\W\d_]+){0,2}"
)
_MONEY_RE = vn(
    r"(?P<cue>tối thiểu|ít nhất|không dưới|tối đa|không quá|trên)\s+(?P<value>\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)"
    r"\s*(?P<scale>tỷ|triệu|nghìn|ngàn)?\s*đồng"
)
_MONEY_SCALES = {None: 1, "nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000, "tỷ": 1_000_000_000}
_CLAUSE_START_RE = re.compile(r"[;:.!?(]\s*|^")
_CLAUSE_END_RE = re.compile(r"[;:!?()]|\.(?:\s|$)")
_JOINER_RE = vn(r",\s+(?:và\s+)?|\s+và\s+")
# A comma before the words that open a target: "..., phấn đấu giải ngân đạt ít nhất 60%".
_TARGET_OPENING_RE = vn(r",\s+(?=(?:tỷ lệ|phấn đấu|đảm bảo|bảo đảm|đạt|giảm|tăng|nâng|trả kết quả)(?![^\W\d_]))")
_MAX_KPI_WORDS = 35  # syllables: a Vietnamese word is one to three of them
_MIN_KPI_WORDS = 4


def find_kpis(seg: Text, lead: list[str], deadline: Deadline) -> list[Json]:
    default_target = _default_applies_to(lead)
    kpis: list[Json] = []
    previous_direction = "at_least"
    for match in _PERCENT_RE.finditer(seg.text):
        before = seg.low[max(0, match.start() - 40) : match.start()]
        if _REPORTED_FIGURE_RE.search(before):
            continue
        direction = _direction(seg, match, before, previous_direction)
        previous_direction = direction
        applies_to, text_end = _applies_to(seg, match.end(), default_target)
        kpis.append(
            {
                "text": _kpi_text(seg, match.start(), max(match.end(), text_end)),
                "value": _number(match["value"]),
                "measure": "%",
                "direction": direction,
                "applies_to": applies_to,
                "period": deadline.period,
            }
        )
    kpis += _count_and_money_kpis(seg, default_target, deadline)
    return kpis


def _direction(seg: Text, match: re.Match[str], before: str, previous: str) -> str:
    if _OR_MORE_RE.match(seg.low, match.end()):
        return "at_least"
    if _OR_LESS_RE.match(seg.low, match.end()):
        return "at_most"
    # only the last few words count: "giảm ít nhất 10%" is at least a 10% cut
    last_word = re.search(r"(?:[^\W\d_]+\s+){0,4}$", before)
    window = last_word.group() if last_word else ""
    # the nearest cue decides, the longer one where two end together ("không dưới" over "dưới")
    cues = [(m.end(), -m.start(), "at_least") for m in _AT_LEAST_RE.finditer(window)]
    cues += [(m.end(), -m.start(), "at_most") for m in _AT_MOST_RE.finditer(window)]
    cues += [(m.end(), -m.start(), "exactly") for m in _EXACTLY_RE.finditer(window)]
    if cues:
        return max(cues)[2]
    # "… đạt tối thiểu 90% đối với A và 70% đối với B": the second figure shares the first one's cue
    return previous if re.search(r"\svà\s*$", before) else "at_least"


def _applies_to(seg: Text, pos: int, default: str) -> tuple[str, int]:
    match = _APPLIES_TO_RE.match(seg.low, pos)
    if match is None:
        return default, pos
    target = match["target"]
    if _COMMUNE_WORDS_RE.search(target):
        return "commune", match.end()
    if _DEPARTMENT_WORDS_RE.search(target):
        return "department", match.end()
    units = read_units(seg, match.start("target"))
    if units.names == [GROUP_ALL_UNITS]:
        return "all", match.end()
    if len(units.names) == 1 and units.names[0] not in GROUP_TOKENS:
        return units.names[0], match.end()
    return default, pos


def _default_applies_to(lead: list[str]) -> str:
    if lead == [GROUP_DEPARTMENTS]:
        return "department"
    if lead == [GROUP_COMMUNES]:
        return "commune"
    if len(lead) == 1 and lead[0] not in GROUP_TOKENS:
        return lead[0]
    return "all"


def _kpi_text(seg: Text, value_start: int, value_end: int) -> str:
    """The words that state one target: its clause (between ";", ":" or "."), narrowed to the part between
    the neighbouring figures ("… không quá 5%, tỷ lệ hài lòng không dưới 95%, …"), at most ~35 syllables
    before the figure and preferably from a comma."""
    start = max(m.end() for m in _CLAUSE_START_RE.finditer(seg.text, 0, value_start))
    clause_end = _CLAUSE_END_RE.search(seg.text, value_end)
    end = clause_end.start() if clause_end else len(seg)
    figures = [span for span in _figure_spans(seg) if start <= span[0] and span[1] <= end]
    before = [figure_end for figure_start, figure_end in figures if figure_end <= value_start]
    after = [figure_start for figure_start, _ in figures if figure_start >= value_end]
    if before:
        joiner = _JOINER_RE.search(seg.text, before[-1], value_start)
        start = joiner.end() if joiner else before[-1]
    openings = [m.end() for m in _TARGET_OPENING_RE.finditer(seg.low, start, value_start)]
    if openings:
        start = openings[-1]
    if after:
        joiners = list(_JOINER_RE.finditer(seg.text, value_end, after[0]))
        end = joiners[-1].start() if joiners else after[0]
    if len(seg.text[start:value_start].split()) > _MAX_KPI_WORDS:
        comma = seg.text.rfind(", ", start, value_start)
        if comma >= 0 and len(seg.text[comma:value_start].split()) >= _MIN_KPI_WORDS:
            start = comma + 2
        else:
            start = value_start - len(" ".join(seg.text[start:value_start].split()[-_MAX_KPI_WORDS:])) - 1
    return " ".join(seg.text[max(start, 0) : max(end, value_end)].split()).strip(" ,;:")


def _figure_spans(seg: Text) -> list[tuple[int, int]]:
    spans = [m.span() for m in _PERCENT_RE.finditer(seg.text)]
    spans += [m.span() for pattern in (_MONEY_RE, _COUNT_RE) for m in pattern.finditer(seg.low)]
    return sorted(spans)


def _count_and_money_kpis(seg: Text, applies_to: str, deadline: Deadline) -> list[Json]:
    kpis: list[Json] = []
    money_spans: list[tuple[int, int]] = []
    for match in _MONEY_RE.finditer(seg.low):
        money_spans.append(match.span())
        value = _number(match["value"]) * _MONEY_SCALES[match["scale"]]
        kpis.append(_simple_kpi(seg, match, value, "VND", applies_to, deadline))
    for match in _COUNT_RE.finditer(seg.low):
        if any(start <= match.start() < end for start, end in money_spans) or match["noun"] == "đồng":
            continue
        kpis.append(_simple_kpi(seg, match, _number(match["value"]), "count", applies_to, deadline))
    return kpis


def _simple_kpi(seg: Text, match: re.Match[str], value: float, measure: str, applies_to: str,
                deadline: Deadline) -> Json:  # fmt: skip
    cue = match["cue"]
    direction = "at_most" if _AT_MOST_RE.fullmatch(cue) else "at_least"
    return {
        "text": phrase(seg, match),
        "value": value,
        "measure": measure,
        "direction": direction,
        "applies_to": applies_to,
        "period": deadline.period,
    }


def _number(text: str) -> float | int:
    """A figure as written: "90" → 90, "2,5" → 2.5, "1.000.000" → 1000000 (dots group thousands)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return int(text.replace(".", ""))
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def cell_kpis(cell: Text, task: Text, lead: list[str], deadline: Deadline) -> list[Json]:
    kpis = find_kpis(cell, lead, deadline)
    if not kpis and (bare := re.fullmatch(r"\s*(?P<value>\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*", cell.text)):
        kpis = [{"text": "", "value": _number(bare["value"]), "measure": "count", "direction": "at_least",
                 "applies_to": _default_applies_to(lead), "period": deadline.period}]  # fmt: skip
    for kpi in kpis:
        # A row label that ends in its own colon ("Trong đó:") takes no second one.
        kpi["text"] = f"{task.text.rstrip().rstrip(':')}: {cell.text.strip()}"
    return kpis
