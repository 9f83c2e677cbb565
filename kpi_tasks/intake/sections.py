"""The item tree: articles ("Điều 2."), numbered items, lettered sub-items, bullets and plain paragraphs,
with their section paths ("II.1", "2.1.a", "Điều 2.1"). An item that introduces a list ("... các nhiệm vụ
sau:", "2.3. Về ...") is a heading whose units its items inherit; an item whose lines below are labelled
fields ("- Cơ quan chủ trì: ...", "- Thời gian thực hiện: ...") is one draft; every other item gives
drafts."""

from __future__ import annotations

import dataclasses
import re

from kpi_tasks.intake.appendix import units_in_cell
from kpi_tasks.intake.context import Context
from kpi_tasks.intake.deadline_phrases import NO_DEADLINE
from kpi_tasks.intake.drafts import Draft, drafts_from_paragraph
from kpi_tasks.intake.kpi_phrases import find_kpis
from kpi_tasks.intake.paragraphs import Paragraph
from kpi_tasks.intake.text import Text, is_upper_block, vn
from kpi_tasks.intake.unit_phrases import group_mentioned, lead_anywhere, lead_at_start, read_units, scope_lead

_HEADING_END_RE = vn(r"(?::|(?:như|dưới đây|sau đây|cụ thể|các nội dung|nhiệm vụ|công việc|việc)\s+sau|sau)\s*$")
_TOPIC_START_RE = vn(r"(?:về|đối với|việc|công tác|lĩnh vực|nhiệm vụ|giải pháp)(?![^\W\d_])")
_NEW_CASE_RE = vn(r"(?:riêng|trường hợp|ngoài ra)(?![^\W\d_])")
# Headings of what a plan is for and what it covers: aims, requirements on the work, whom it concerns.
_SKIPPED_SECTION_RE = vn(r"(?:mục đích|căn cứ|tình hình|yêu cầu\s*$|đối tượng|phạm vi)(?![^\W\d_])")
_CLOSING_RE = vn(
    r"(?:(?:để\s[^,.;]{0,160},\s*)?(?P<verb>yêu cầu|đề nghị)\s.*(?:nghiêm túc|khẩn trương|triển khai|thực hiện)[^.]*"
    r"(?:\.\s*/\s*\.?)?\s*$"
    r"|trên đây là|trong quá trình (?:tổ chức\s+)?(?:triển khai\s+)?thực hiện,? nếu|nhận được (?:công văn|văn bản)"
    # the issuer (or its office) informing the addressees: "Vậy UBND xã thông báo tới ... biết và thực hiện"
    r"|(?:(?!đề nghị|yêu cầu|giao)[^.;:]){0,80}?\sthông báo\s[^.]*?(?:tới|đến|cho|để)\s[^.]*\sbiết)"
)
# What a closing request may say after its addressees: only "carry this out" in some words. Anything else
# ("... thông báo liên tục trên hệ thống truyền thanh ...") is work to track, even after "đề nghị".
_GENERIC_WORDS = frozenset(
    re.findall(
        r"\w+",
        "nghiem tuc khan truong trien khai to chuc thuc hien tot co hieu qua cac noi dung cua cong van thong bao ke"
        " hoach chi thi quyet dinh van ban nay tren dia xa huyen phuong tinh thanh pho thi quan va nhan dan biet de"
        " tich cuc dung quy theo day du kip thoi nghiem phoi hop lien quan",
    )
)
# A decision's closing article lists its executors, the office's head first: "Điều 3. Chánh Văn phòng UBND
# tỉnh, Giám đốc các Sở ... chịu trách nhiệm thi hành Quyết định này."
_EXECUTORS_RE = vn(r"(?:các ông/bà\s*:?\s*)?chánh văn phòng(?![^\W\d_])")
_SHORT_HEADING_WORDS = 25
_FINAL_MARK_RE = re.compile(r"\.\s*/\s*\.?\s*$")  # "./." ends an official text

# The labelled fields of a plan's item: who leads, who coordinates, when, what target.
_FIELD_RE = vn(
    r"(?P<label>(?:(?:cơ quan|đơn vị|bộ phận)\s+)?(?:chủ trì|thực hiện|đầu mối|phối hợp)"
    r"|thời gian(?:\s+(?:thực hiện|hoàn thành))?|thời hạn(?:\s+hoàn thành)?|hạn hoàn thành|tiến độ(?:\s+thực hiện)?"
    r"|chỉ tiêu|mục tiêu|kết quả(?:\s+cần đạt)?|sản phẩm)\s*:\s*"
)
_DEADLINE_FIELD_RE = vn(r"thời gian|thời hạn|hạn hoàn thành|tiến độ")
_LEAD_FIELD_RE = vn(r".*(?:chủ trì|thực hiện|đầu mối)")

_LEVELS = {"article": 1, "roman": 1, "letter": 20, "heading": 29, "-": 30, "+": 31, "plain": 40}


@dataclasses.dataclass(eq=False, slots=True)
class _Node:
    paragraph: Paragraph
    seg: Text
    level: int
    section: str
    parent: _Node | None
    children: list[_Node] = dataclasses.field(default_factory=list)


def _level(paragraph: Paragraph, seg: Text) -> int:
    marker = paragraph.marker
    if marker is None:
        return _LEVELS["heading"] if seg.text.endswith(":") else _LEVELS["plain"]
    if marker.kind == "number":
        return 1 + marker.label.count(".") + 1
    if marker.kind == "bullet":
        return _LEVELS[marker.label]
    return _LEVELS[marker.kind]


def _section(paragraph: Paragraph, parent: _Node | None) -> str:
    """The section path ("II", "II.1", "2.1", "2.1.a", "Điều 2.1"); bullets and plain paragraphs take their parent's."""
    marker = paragraph.marker
    if marker is None or marker.kind == "bullet":
        return parent.section if parent else ""
    if marker.kind in ("roman", "article"):
        return marker.label
    if marker.kind == "number":
        part = _ancestor_with_marker(parent, ("roman", "article"))
        return f"{part.section}.{marker.label}" if part else marker.label
    numbered = _ancestor_with_marker(parent, ("roman", "article", "number"))
    return f"{numbered.section}.{marker.label}" if numbered else marker.label


def _ancestor_with_marker(node: _Node | None, kinds: tuple[str, ...]) -> _Node | None:
    while node is not None and not (node.paragraph.marker and node.paragraph.marker.kind in kinds):
        node = node.parent
    return node


def _is_closing(paragraph: Paragraph, seg: Text, is_last: bool) -> bool:
    """The closing request ("Yêu cầu ... nghiêm túc thực hiện./.", "... thông báo để các đơn vị biết, thực
    hiện./."): an unnumbered paragraph in those words, or the last one when it ends the text with "./.",
    unless it asks its addressees for something concrete (then it is a task after the closing formula)."""
    if paragraph.marker is not None:
        return False
    closing = _CLOSING_RE.match(seg.low)
    if closing is not None:
        return closing["verb"] is None or _asks_nothing_more(seg, closing.end("verb"))
    if is_last and _FINAL_MARK_RE.search(seg.text) is not None:
        lead = lead_at_start(seg)
        return lead is None or _asks_nothing_more(seg, 0)
    return False


def _asks_nothing_more(seg: Text, after_verb: int) -> bool:
    """Whether the words after the addressees only ask to carry the document out."""
    verb = vn(r"\s*(?:yêu cầu|đề nghị)?\s*").match(seg.low, after_verb)
    units = read_units(seg, verb.end() if verb else after_verb)
    rest = seg.folded[units.end :]
    return all(word in _GENERIC_WORDS for word in re.findall(r"[a-z0-9]+", rest))


# A line that only gives the time window of the work around it: "Thời gian treo cờ Tổ quốc: Từ ngày ...",
# "Thời gian: từ ngày 29/4 đến hết ngày 03/5/2023". `activity` names the work it is the window of.
_WINDOW_RE = vn(
    r"(?:thời gian|thời hạn)(?P<activity>(?:\s+[^\W\d_]+){0,6}?)\s*:\s*(?:từ|trong|đến|trước|bắt đầu|ngày)(?![^\W\d_])"
)
_WINDOW_MAX_WORDS = 40


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    activity: str  # folded words naming the work ("treo co"), "" for any
    seg: Text

    def governs(self, draft_text: Text) -> bool:
        """Whether the window is the draft's: it names no work, or the draft names the same work (its first
        two words: "treo cờ" of "treo cờ Tổ quốc")."""
        words = self.activity.split()[:2]
        return not words or " ".join(words) in " ".join(draft_text.folded.split())


def time_window(seg: Text) -> Window | None:
    match = _WINDOW_RE.match(seg.low)
    if match is None or len(seg.text.split()) > _WINDOW_MAX_WORDS:
        return None
    activity = seg.folded[match.start("activity") : match.end("activity")]
    activity = " ".join(word for word in activity.split() if word not in ("thuc", "hien", "hoan", "thanh"))
    return Window(activity, seg)


def _build_tree(source: Text, paragraphs: list[Paragraph]) -> list[_Node]:
    nodes: list[_Node] = []
    stack: list[_Node] = []
    for index, paragraph in enumerate(paragraphs):
        if paragraph.is_table:
            continue
        seg = paragraph.content(source)
        if not seg.text or _is_closing(paragraph, seg, index == len(paragraphs) - 1) or time_window(seg):
            continue
        if paragraph.marker is not None and paragraph.marker.kind == "article" and _EXECUTORS_RE.match(seg.low):
            continue  # the decision's last article: who executes it, not work to track
        level = _level(paragraph, seg)
        while stack and stack[-1].level >= level:
            stack.pop()
        parent = stack[-1] if stack else None
        node = _Node(paragraph, seg, level, _section(paragraph, parent), parent)
        if parent:
            parent.children.append(node)
        nodes.append(node)
        stack.append(node)
    return nodes


def _is_heading(node: _Node) -> bool:
    """An item that introduces the items under it rather than assigning work itself."""
    if not node.children:
        return False
    text = node.seg.text.rstrip(" .")
    if _HEADING_END_RE.search(node.seg.low.rstrip(" .")) or _TOPIC_START_RE.match(node.seg.low):
        return True
    if is_upper_block(text):
        return True
    return len(text.split()) <= _SHORT_HEADING_WORDS and not node.seg.text.rstrip().endswith(".")


def _is_skipped(node: _Node) -> bool:
    """Under a heading such as "I. MỤC ĐÍCH, YÊU CẦU": aims, not assignments."""
    current: _Node | None = node
    while current is not None:
        if _is_heading(current) and _SKIPPED_SECTION_RE.match(current.seg.low):
            return True
        current = current.parent
    return False


@dataclasses.dataclass(slots=True)
class _Fields:
    lead: Text | None = None
    coordination: Text | None = None
    deadline: Text | None = None
    target: Text | None = None


def _fields(node: _Node) -> _Fields | None:
    """The labelled fields under an item, when every line below it is one ("- Cơ quan chủ trì: Phòng X.")."""
    if not node.children or any(child.children for child in node.children):
        return None
    fields = _Fields()
    for child in node.children:
        match = _FIELD_RE.match(child.seg.low)
        if match is None:
            return None
        value = child.seg.slice(match.end(), len(child.seg)).strip(" .;")
        label = match["label"]
        if _DEADLINE_FIELD_RE.match(label):
            fields.deadline = value
        elif "phối hợp" in label:
            fields.coordination = value
        elif _LEAD_FIELD_RE.match(label):
            fields.lead = value
        else:
            fields.target = value
    return fields if fields.lead or fields.deadline else None


def _field_draft(node: _Node, fields: _Fields, inherited: list[str], context: Context) -> Draft:
    lead = units_in_cell(fields.lead) if fields.lead else inherited
    coordinating = units_in_cell(fields.coordination) if fields.coordination else []
    return Draft(
        node.section,
        node.seg,
        lead,
        [unit for unit in coordinating if unit not in lead],
        context,
        deadline_cell=fields.deadline,
        target_cells=((fields.target, lead),) if fields.target else (),
    )


def drafts_from_items(source: Text, items: list[Paragraph], context: Context) -> list[Draft]:
    nodes = _build_tree(source, items)
    leads: dict[int, list[str]] = {}
    field_items = {id(node): fields for node in nodes if (fields := _fields(node)) is not None}

    def lead_of(node: _Node | None) -> list[str]:
        if node is None:
            return context.default_lead
        if id(node) not in leads:
            own = lead_anywhere(node.seg) if _is_heading(node) else _own_lead(node.seg)
            leads[id(node)] = own or lead_of(node.parent)
        return leads[id(node)]

    drafts: list[Draft] = []
    last_node: _Node | None = None  # the node the last draft came from
    for node in nodes:
        if _is_skipped(node) or (node.parent is not None and id(node.parent) in field_items):
            continue
        if drafts and _continues(node, last_node):
            # a plain paragraph under an item, naming nobody, goes on with the item's work
            drafts[-1].seg = Text.join([drafts[-1].seg, node.seg])
            last_node = node
            continue
        if id(node) in field_items:
            drafts.append(_field_draft(node, field_items[id(node)], lead_of(node.parent), context))
            continue
        if _is_heading(node):
            continue
        own = drafts_from_paragraph(node.seg, node.section, lead_of(node.parent), context)
        if own:
            # a paragraph that goes on below a draft continues with the unit it named last
            leads[id(node)] = own[-1].lead
            last_node = node
        drafts += own
    return drafts


def _continues(node: _Node, last: _Node | None) -> bool:
    """Whether `node` is a plain paragraph carrying on the item the last draft came from (right under it,
    or after another such paragraph) without a unit, a scope or a group of its own."""
    if last is None or node.paragraph.marker is not None or node.level != _LEVELS["plain"] or node.children:
        return False
    after_sibling = last.parent is node.parent and last.paragraph.marker is None
    if node.parent is None or not (last is node.parent or after_sibling):
        return False
    if _TOPIC_START_RE.match(node.seg.low) or _NEW_CASE_RE.match(node.seg.low):
        return False  # "Đối với các nhiệm vụ có tính chất lâu dài, ... phải ...": other work, under the same unit
    return not (lead_at_start(node.seg) or lead_anywhere(node.seg) or scope_lead(node.seg) or group_mentioned(node.seg))


def _own_lead(seg: Text) -> list[str]:
    lead = lead_at_start(seg)
    return lead.units if lead else []


def drafts_from_flat_text(source: Text, paragraphs: list[Paragraph], context: Context) -> list[Draft]:
    """A directive without numbered items: every paragraph that assigns work is a draft."""
    drafts: list[Draft] = []
    for paragraph in paragraphs:
        seg = paragraph.content(source)
        if not seg.text or _is_closing(paragraph, seg, paragraph is paragraphs[-1]) or time_window(seg):
            continue
        lead = lead_anywhere(seg)
        if lead:
            drafts += drafts_from_paragraph(seg, "", lead, context)
        elif _TARGET_CUE_RE.search(seg.low) and find_kpis(seg, [], NO_DEADLINE):
            # the plan's targets ("đặt mục tiêu ...; tỷ lệ ... phải đạt ít nhất 65% tại UBND cấp xã"), whose unit
            # the office picks
            drafts.append(Draft("", seg, [], [], context))
    return drafts


_TARGET_CUE_RE = vn(
    r"(?<![^\W\d_])(?:mục tiêu|chỉ tiêu|phấn đấu|phải đạt|cần đạt|tối thiểu|ít nhất|không thấp hơn)(?![^\W\d_])"
)
