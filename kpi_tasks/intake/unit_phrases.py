"""Who is assigned: unit names and group phrases read out of a sentence ("Giao X chủ trì, phối hợp Y",
"Phòng A và UBND các xã, thị trấn", "Đề nghị X:"). Names are read as the text writes them; matching them
against the recorded units is `unit_matching`'s work."""

from __future__ import annotations

import dataclasses
import re

from kpi_tasks.intake.text import Text, vn
from kpi_tasks.intake.unit_matching import (
    BARE_COMMUNES_PATTERN,
    GROUP_ALL_UNITS,
    GROUP_COMMUNES,
    GROUP_DEPARTMENTS,
    GROUP_PATTERNS,
    display_name,
    fuzzy_group_at,
)

# Titles before a unit's name: "Thủ trưởng các cơ quan", "Giám đốc Văn phòng ...", "Chủ tịch UBND các xã".
_TITLE_RE = vn(
    r"(?:thủ trưởng|người đứng đầu|lãnh đạo|phó giám đốc|giám đốc|chánh(?=\s+(?:văn phòng|thanh tra))"
    r"|phó chủ tịch|chủ tịch|tổ trưởng|hiệu trưởng|chi cục trưởng|cục trưởng|bí thư)\s+"
)
# "Trưởng phòng Tư pháp" names the unit with a lower-case head.
_HEAD_TITLE_RE = vn(r"trưởng\s+(?=phòng|ban)")

# Nouns a unit's name starts with, with the common words that begin the same way but are not units.
UNIT_HEAD_RE = vn(
    r"(?:văn phòng|phòng(?!\s*,|\s+(?:chống|ngừa|tránh))|ban(?!\s+hành)|bộ phận tiếp nhận và trả kết quả|bộ phận"
    r"|chi nhánh|trung tâm"
    r"|đoàn(?!\s+kết)|hội(?!\s+(?:nghị|thảo|nhập))|bưu điện|công an|cơ quan|tổ(?!\s+chức)|sở(?!\s+(?:dĩ|hữu))"
    r"|kho bạc|chi cục|đội(?!\s+ngũ)|liên đoàn|mặt trận|ủy ban|ubnd|hđnd|hội đồng|thanh tra|ngân hàng"
    r"|bảo hiểm|trường(?!\s+hợp)|bệnh viện|viện(?!\s+dẫn)|cục(?!\s+bộ)|huyện đoàn|tỉnh đoàn|thị đoàn"
    r"|huyện ủy|thị ủy|tỉnh ủy|quỹ|hạt kiểm lâm|đài|công ty|hợp tác xã|tòa án|chi đội|vp|bch|bql"
    r"|ubmttq|mttq|vnpt|viettel|điện lực|viễn thông|bộ(?!\s+(?:hồ sơ|máy|tiêu chí|công cụ|chỉ số|mặt)))"
    r"(?![^\W\d_])"
    r"|p\.(?=\s*[^\W\d_])"  # "P. Tư pháp", "P.TC-KH"
)

# Words that end a unit's name because the sentence's predicate (or a qualifier) starts there.
_PREDICATE_WORD_RE = vn(
    r"(?:chủ trì|phối hợp|thực hiện|triển khai|tham mưu|theo dõi|đôn đốc|cập nhật|sử dụng|chỉ đạo|tăng cường"
    r"|rà soát|kiểm tra|tổ chức|xây dựng|báo cáo|hướng dẫn|nghiêm túc|khẩn trương|kịp thời|thường xuyên"
    r"|định kỳ|chủ động|tiếp tục|tập trung|làm|khảo sát|lựa chọn|đẩy mạnh|quán triệt|gương mẫu|đề xuất"
    r"|nghiên cứu|bố trí|hoàn thành|ban hành|tuyên truyền|phổ biến|thống kê|tổng hợp|giải quyết|xử lý"
    r"|duy trì|nâng cao|cung cấp|lập|trình|chịu trách nhiệm|đảm bảo|bảo đảm|phấn đấu|thông báo|tham gia"
    r"|hỗ trợ|đánh giá|xem xét|điều chỉnh|bổ sung|soạn thảo|gửi|nộp|ưu tiên|chấp hành|công khai|niêm yết"
    r"|kiện toàn|thành lập|phân công|giao(?!\s+(?:thông|dịch|tiếp|lưu))|yêu cầu|đề nghị|căn cứ|theo"
    r"|trên địa bàn|có|để|nhằm|tại|trong"
    r"|trước|sau|khi|nếu|đối với|về|thuộc|được|phải|cần|là|đã|đang|sẽ|cùng|với|vào|ngay|từ|đến|tiến hành"
    r"|quan tâm|vận động|khuyến khích|phát huy|đổi mới|tiếp nhận|phát động|lấy|tích cực|quyết liệt|sớm"
    r"|khắc phục|chấn chỉnh|dự toán|bảo vệ|mở|rút|nghiêm|hàng|hằng|mỗi|chuẩn bị|xác định|hoàn thiện|thẩm định"
    r"|phê duyệt|giám sát|kiểm soát|bàn giao|giải trình|cử|mời|đăng tải|vận hành|áp dụng|rà|số hóa"
    r"|thu thập|cấp|tập huấn|bồi dưỡng|trả|tiếp thu|làm rõ|nắm|dừng|tạm dừng|ngừng|vừa|treo|tháo)"
    r"(?![^\W\d_])"
)

# Addressees below the commune and beside it, written in lower case after "các": "các tổ dân phố", "các
# đồng chí Trưởng thôn", "Ban cán sự các thôn" (typed "ban sán sự"), "các đoàn thể".
_PLACES = r"(?:thôn|ấp|tổ dân phố|khu phố|bản|buôn|xóm|khu dân cư)"
_VILLAGE_RE = vn(
    rf"(?:các\s+)?(?:đồng chí\s+)?(?P<name>(?:tổ trưởng\s+{_PLACES}|trưởng\s+{_PLACES}"
    rf"|ban\s+(?:nhân dân|[cs]án sự|điều hành|tự quản)\s+(?:các\s+)?{_PLACES}"
    rf"|(?<=các\s){_PLACES}|(?<=các\s)đoàn thể(?:\s+chính trị\s*-\s*xã hội)?))(?![^\W\d_])"
)


def _village_at(seg: Text, pos: int) -> tuple[str, int] | None:
    match = _VILLAGE_RE.match(seg.low, pos)
    if match is None:
        return None
    name = seg.text[match.start("name") : match.end("name")]
    if seg.low.startswith("các", pos) and not seg.low.startswith("ban", match.start("name")):
        name = name[:1].upper() + name[1:]  # "các tổ dân phố" → "Tổ dân phố", "các đoàn thể" → "Các đoàn thể"
        if name.lower().startswith("đoàn thể"):
            name = "Các " + name.lower()
    return display_name(name), match.end()


_UNIT_SEPARATOR_RE = vn(r"\s*(?:[,;]\s*(?:và\s+)?|\s+và\s+|\s+cùng\s+)")
# A level word closing a name, written in lower case ("Phòng Nội vụ huyện"; "Phòng Văn hóa - Xã hội" has none).
_LEVEL_END_RE = re.compile(r"(?<![^\W\d_])(?:huyện|tỉnh|xã|phường|thị trấn|thị xã|thành phố|quận)$")
_MAX_NAME_WORDS = 16


@dataclasses.dataclass(frozen=True, slots=True)
class _Units:
    names: list[str]
    end: int  # where the unit list ends in the text it was read from


def _normalise_units(names: list[str]) -> list[str]:
    """Each name once; "all units" makes departments and communes redundant."""
    unique = list(dict.fromkeys(name for name in names if name))
    if GROUP_ALL_UNITS in unique:
        unique = [name for name in unique if name not in (GROUP_DEPARTMENTS, GROUP_COMMUNES)]
    return unique


def read_units(seg: Text, pos: int) -> _Units:
    """Read a list of units starting exactly at `pos` ("Phòng A, Phòng B và UBND các xã, thị trấn")."""
    names: list[str] = []
    end = pos
    while True:
        if plural := _read_plural(seg, pos):
            names += plural.names
            pos = plural.end
        elif item := _read_one_unit(seg, pos, names):
            name, pos = item
            if name:
                names.append(name)
        else:
            break
        end = pos
        separator = _UNIT_SEPARATOR_RE.match(seg.low, pos)
        if separator is None or not _unit_starts_at(seg, separator.end()):
            break
        pos = separator.end()
    return _Units(_normalise_units(names), end)


def _read_one_unit(seg: Text, pos: int, names_so_far: list[str]) -> tuple[str, int] | None:
    """One unit (or group) at `pos`: its display name ("" for a level qualifier) and where it ends."""
    lowercase_head = False
    if title := _TITLE_RE.match(seg.low, pos):
        pos = title.end()
    elif head_title := _HEAD_TITLE_RE.match(seg.low, pos):
        pos, lowercase_head = head_title.end(), True
    if village := _village_at(seg, pos):
        return village
    if (plural_head := _PLURAL_NAMED_HEAD_RE.match(seg.low, pos)) and not _group_at(seg, pos):
        # "các cơ quan Trung ương đóng trên địa bàn": a kind of unit named in capitals after "các"
        head = UNIT_HEAD_RE.match(seg.low, plural_head.end())
        if head is not None and _names_a_unit(seg, plural_head.end(), head.end()):
            end = _extend_name(seg, plural_head.end(), head.end())
            return display_name(seg.text[pos:end][:1].upper() + seg.text[pos:end][1:]), end
    group = _group_at(seg, pos)
    if group is not None:
        token, end, bare = group
        if bare and names_so_far and _LEVEL_END_RE.search(names_so_far[-1]):
            return "", end  # "Tổ X huyện, các xã, thị trấn": the levels X works at, not the communes
        return token, end
    end = _unit_name_end(seg, pos, lowercase_head)
    if end is None:
        return None
    name = seg.text[pos:end]
    if name[:1].islower():  # "Trưởng phòng Tư pháp", "giao phòng Nội vụ": the unit is "Phòng ..."
        name = name[:1].upper() + name[1:]
    return display_name(name), end


_PLURAL_NAMED_HEAD_RE = vn(r"các\s+(?=\S)")
# "Các phòng: Nội vụ, Tư pháp, Tài chính - Kế hoạch": one head noun for several units.
_PLURAL_HEAD_RE = vn(r"các\s+(?P<head>phòng|sở|ban)\s*:?\s*")
_FIRST_WORD_RE = re.compile(r"[^\s,;:()\[\]]+")


def _read_plural(seg: Text, pos: int) -> _Units | None:
    head = _PLURAL_HEAD_RE.match(seg.low, pos)
    if head is None or not seg.text[head.end() : head.end() + 1].isupper():
        return None
    noun = seg.text[head.start("head") : head.end("head")].capitalize()
    names: list[str] = []
    cursor = head.end()
    while (first := _FIRST_WORD_RE.match(seg.text, cursor)) is not None:
        end = _extend_name(seg, cursor, first.end(), commas_in_name=False)
        names.append(display_name(f"{noun} {seg.text[cursor:end]}"))
        separator = _UNIT_SEPARATOR_RE.match(seg.low, end)
        if separator is None or not seg.text[separator.end() : separator.end() + 1].isupper():
            break
        if _unit_starts_at(seg, separator.end()):
            break  # "Các phòng: Nội vụ, Tư pháp và UBND các xã": the list goes on with other units
        cursor = separator.end()
    return _Units(names, end) if names else None


def _group_at(seg: Text, pos: int) -> tuple[str, int, bool] | None:
    for token, pattern in GROUP_PATTERNS:
        match = pattern.match(seg.folded, pos)
        if match and _word_ends(seg.folded, match.end()):
            return token, match.end(), False
    match = BARE_COMMUNES_PATTERN.match(seg.folded, pos)
    if match and _word_ends(seg.folded, match.end()):
        return GROUP_COMMUNES, match.end(), True
    if fuzzy := fuzzy_group_at(seg.folded, pos):
        return fuzzy[0], fuzzy[1], False
    return None


def _word_ends(text: str, pos: int) -> bool:
    return pos >= len(text) or not text[pos].isalnum()


def _unit_starts_at(seg: Text, pos: int) -> bool:
    if _TITLE_RE.match(seg.low, pos) or _HEAD_TITLE_RE.match(seg.low, pos) or _group_at(seg, pos):
        return True
    if _village_at(seg, pos):
        return True
    plural = _PLURAL_HEAD_RE.match(seg.low, pos)
    if plural is not None and seg.text[plural.end() : plural.end() + 1].isupper():
        return True  # "..., các Ban Quản lý dự án chuyên ngành"
    named = _PLURAL_NAMED_HEAD_RE.match(seg.low, pos)
    named_head = UNIT_HEAD_RE.match(seg.low, named.end()) if named else None
    if named and named_head and _names_a_unit(seg, named.end(), named_head.end()):
        return True  # "...; các cơ quan Trung ương đóng trên địa bàn tỉnh"
    head = UNIT_HEAD_RE.match(seg.low, pos)
    return head is not None and _names_a_unit(seg, pos, head.end())


def _names_a_unit(seg: Text, pos: int, head_end: int) -> bool:
    """A head noun names a unit when written with a capital ("Phòng", "UBND"), or in lower case before a
    capitalised name ("phòng Nội vụ", "ban Quản lý dự án"): "phòng" alone is a room."""
    if seg.text[pos : pos + 1].isupper():
        return True
    word = _next_word(seg, head_end)
    return word is not None and seg.text[word.start("word")].isupper()


_NEXT_WORD_RE = re.compile(r"\s+(?P<word>[^\s,;:()\[\]]+)")
# "P.TC-KH": an abbreviated head may run into the name without a space.
_NEXT_WORD_AFTER_DOT_RE = re.compile(r"\s*(?P<word>[^\s,;:()\[\]]+)")


def _next_word(seg: Text, end: int) -> re.Match[str] | None:
    pattern = _NEXT_WORD_AFTER_DOT_RE if seg.text[end - 1 : end] == "." else _NEXT_WORD_RE
    return pattern.match(seg.text, end)


def _ends_at_level(seg: Text, pos: int, end: int, next_word: int) -> bool:
    """Whether the name `pos:end` has reached its level word, so that the lower-case word at `next_word`
    begins the predicate. "xã hội" is a word of its own ("Bảo hiểm xã hội huyện"), not the level "xã"."""
    if not seg.text[next_word].islower() or not _LEVEL_END_RE.search(seg.text, pos, end):
        return False
    return not (seg.low.startswith("hội", next_word) and seg.low.endswith("xã", 0, end))


_NAME_COMMA_RE = re.compile(r",\s+")
ABBREVIATION_RE = re.compile(r"[A-ZĐ]{1,3}\.")
_COUNCIL_BEFORE_RE = vn(r"(?:hđnd|hội đồng nhân dân)\s*$")


def _unit_name_end(seg: Text, pos: int, lowercase_head: bool = False) -> int | None:
    """Where the unit name beginning at `pos` ends, or None when no unit name begins there.

    A name goes on word by word until punctuation, a predicate word written in lower case, "và" before
    another unit ("HĐND và UBND" excepted: it is one office's name), or a lower-case word after the
    level it belongs to ("Phòng Nội vụ huyện | chuẩn bị ...": after "huyện" only a place name follows).
    """
    head = UNIT_HEAD_RE.match(seg.low, pos)
    if head is None or not (lowercase_head or _names_a_unit(seg, pos, head.end())):
        return None
    return _extend_name(seg, pos, head.end())


def _extend_name(seg: Text, pos: int, end: int, commas_in_name: bool = True) -> int:
    """Where the name `pos:end` read so far ends, word by word (see `_unit_name_end`); in a list under one
    head noun ("Các phòng: A, B") a comma always separates names."""
    for _ in range(_MAX_NAME_WORDS):
        word = _next_word(seg, end)
        if word is None:
            break
        start = word.start("word")
        if located := _LOCATED_IN_RE.match(seg.low, start):
            end = located.end()  # "các cơ quan Trung ương đóng trên địa bàn tỉnh": where the units sit
            continue
        if _is_predicate(seg, start) and (level_end := _level_after_verb_like_word(seg, start)):
            end = level_end  # "Ban Quản lý dự án đầu tư xây dựng huyện | chủ trì"
            continue
        if _is_predicate(seg, start) or _joins_another_unit(seg, start):
            break
        if _ends_at_level(seg, pos, end, start):
            break
        if word["word"].endswith(".") and not ABBREVIATION_RE.fullmatch(word["word"]):
            return word.end() - 1  # the sentence ends with this word
        end = _past_name_comma(seg, pos, word.end()) if commas_in_name else word.end()
    return end


# Verbs that unit names hold in lower case ("Ban Quản lý dự án đầu tư xây dựng huyện"), followed within a few
# words by the district or province the unit belongs to.
_VERB_IN_NAME_RE = vn(
    r"(?:xây dựng|phát triển|bảo vệ|quản lý|đầu tư)(?:\s+[^\W\d_]+){0,3}?\s+(?:huyện|tỉnh)(?![^\W\d_])"
)


_LOCATED_IN_RE = vn(r"trên địa bàn\s+(?:huyện|tỉnh|xã|phường|thành phố|thị xã|quận)(?![^\W\d_])")


def _level_after_verb_like_word(seg: Text, pos: int) -> int | None:
    """The end of a name that goes on past a verb to its level word, when the sentence's predicate (or a
    colon) comes right after it: "Giao Ban Quản lý dự án đầu tư xây dựng huyện chủ trì ..."."""
    match = _VERB_IN_NAME_RE.match(seg.low, pos)
    if match is None or not seg.text[pos : match.end()].islower():
        return None
    if seg.text.startswith(":", match.end()):
        return match.end()
    after = _NEXT_WORD_RE.match(seg.text, match.end())
    return match.end() if after is not None and _is_predicate(seg, after.start("word")) else None


def _past_name_comma(seg: Text, pos: int, end: int) -> int:
    """Step over a comma inside a name ("Phòng Kinh tế, Hạ tầng và Đô thị"): one followed by a capital that
    starts no other unit, in a name that has not reached its level word yet."""
    comma = _NAME_COMMA_RE.match(seg.text, end)
    if comma is None or _LEVEL_END_RE.search(seg.text, pos, end):
        return end
    after = comma.end()
    if seg.text[after : after + 1].isupper() and not _unit_starts_at(seg, after):
        return comma.start() + 1
    return end


def _joins_another_unit(seg: Text, pos: int) -> bool:
    """Whether "và" here ends the unit's name: before another unit (except in "HĐND và UBND", one office's
    name) or before a lower-case word."""
    if not (seg.low.startswith("và", pos) and _word_ends(seg.low, pos + 2)):
        return False
    after = pos + 2
    while after < len(seg) and seg.text[after].isspace():
        after += 1
    if seg.text[after : after + 1].islower():
        return True  # "Kho bạc Nhà nước và các chủ đầu tư": names go on in capitals after "và"
    return _unit_starts_at(seg, after) and not _COUNCIL_BEFORE_RE.search(seg.low[:pos])


def _is_predicate(seg: Text, pos: int) -> bool:
    return seg.text[pos : pos + 1].islower() and _PREDICATE_WORD_RE.match(seg.low, pos) is not None


# Phrases that open a sentence without naming its subject yet: "Trên cơ sở đó, Thủ trưởng ...".
_CONNECTIVE_RE = vn(
    r"(?:(?:trên cơ sở đó|đồng thời|bên cạnh đó|ngoài ra|mặt khác|sau đó|trong đó|vì vậy|do đó|theo đó)\s*,?\s*)+"
)
_ASSIGNING_VERB_RE = vn(r"(?:giao(?:\s+cho)?|đề nghị|yêu cầu)\s+")
# "Chủ tịch UBND tỉnh (cũng / tiếp tục) giao X ...": the one named first hands out the work.
_HANDING_OUT_RE = vn(
    r"\s+(?:(?:cũng|đã|tiếp tục|đồng thời)\s+)?(?:thông báo\s+(?:và\s+)?)?(?:giao(?:\s+cho)?|đề nghị|yêu cầu)\s+"
)
_SINGLED_OUT_RE = vn(r"riêng\s+")  # "Riêng Phòng Tư pháp ..."
# "Riêng đối với TTHC ... tại cấp xã": the rest of the sentence concerns one level only.
_SCOPE_RE = vn(r"riêng\s+(?:đối với\s+)?[^.;:]{0,120}?(?P<level>cấp xã|các xã|cấp huyện|các phòng)(?![^\W\d_])")
_RESPONSIBILITY_ONLY_RE = vn(r"\s*(?:phải\s+)?(?:cùng\s+)?chịu trách nhiệm\s+(?:trước|với)")


@dataclasses.dataclass(frozen=True, slots=True)
class _Lead:
    units: list[str]
    responsibility_only: bool  # "X chịu trách nhiệm trước ...": not an assignment of work
    end: int = 0  # where the lead's names end in the sentence


# "Cơ quan chủ trì: Phòng A; cơ quan phối hợp: Phòng B. Xây dựng ...": the fields of a plan written inline.
LEAD_LABEL_RE = vn(r"(?:cơ quan|đơn vị)\s+(?:chủ trì|thực hiện|đầu mối)\s*:\s*")
COORDINATION_LABEL_RE = vn(r"(?:cơ quan|đơn vị)\s+phối hợp\s*:\s*")


def lead_at_start(seg: Text) -> _Lead | None:
    """The units a sentence opens with: "Giao X ...", "Đề nghị X:", "Phòng A và UBND các xã ...",
    "Cơ quan chủ trì: X"."""
    pos = 0
    if connective := _CONNECTIVE_RE.match(seg.low, pos):
        pos = connective.end()
    if label := LEAD_LABEL_RE.match(seg.low, pos):
        labelled = read_units(seg, label.end())
        return _Lead(labelled.names, False, labelled.end) if labelled.names else None
    if singled_out := _SINGLED_OUT_RE.match(seg.low, pos):
        pos = singled_out.end()
    if verb := _ASSIGNING_VERB_RE.match(seg.low, pos):
        pos = verb.end()
    units = read_units(seg, pos)
    if not units.names and verb and seg.low.startswith("giao", verb.start()):
        units = _given_to(seg, pos)
    if not units.names:
        return None
    # "Chủ tịch UBND huyện yêu cầu X ...", "UBND huyện giao X ...": the one named first hands out the work
    if (verb := _HANDING_OUT_RE.match(seg.low, units.end)) and (assigned := read_units(seg, verb.end())).names:
        units = assigned
    if _PASSIVE_RE.match(seg.low, units.end):
        return None  # "Trung tâm ... phải được bố trí ở vị trí thuận lợi": what is to be done to it, not by it
    responsibility = _RESPONSIBILITY_ONLY_RE.match(seg.low, units.end) is not None
    return _Lead(units.names, responsibility, units.end)


# A unit named as the object of a passive ("X phải được bố trí", "X được kiện toàn"); "X được giao ..." and
# "X được phân công ..." still hand X the work.
_PASSIVE_RE = vn(r"\s+(?:phải\s+|cần\s+|sẽ\s+)?(?:được|bị)\s+(?!giao(?![^\W\d_])|phân công(?![^\W\d_]))")


# "Giao chỉ tiêu ... cho các phòng, ban": the work is named first, the units after "cho", in the same clause.
_GIVEN_TO_RE = vn(r"[^.;:]{1,200}?\s+cho\s+")


def _given_to(seg: Text, pos: int) -> _Units:
    match = _GIVEN_TO_RE.match(seg.low, pos)
    return read_units(seg, match.end()) if match else _Units([], pos)


def scope_lead(seg: Text) -> list[str]:
    match = _SCOPE_RE.match(seg.low)
    if match is None:
        return []
    return [GROUP_COMMUNES] if "xã" in match["level"] else [GROUP_DEPARTMENTS]


# Where a heading or preamble hands out work: "yêu cầu" / "đề nghị" anywhere ("Chủ tịch UBND huyện yêu cầu
# Thủ trưởng ..."); "giao" where a clause begins or after the Committee's own name ("Chủ tịch UBND thành
# phố giao Phòng X ...").
_ASSIGNMENT_ANYWHERE_RE = vn(
    r"(?:(?<![^\W\d_])(?:yêu cầu|đề nghị)"
    r"|(?:^|(?<=[,;:.]\s)|(?<=huyện\s)|(?<=tỉnh\s)|(?<=xã\s)|(?<=phường\s)|(?<=phố\s)|(?<=quận\s)|(?<=ubnd\s))"
    r"giao(?:\s+cho)?)\s+"
)
# "nhiệm vụ do UBND huyện giao cho ..." names who gave the work, not who is to do it.
_GIVEN_BY_RE = vn(r"(?<![^\W\d_])(?:do|được|đã)\s+[^.;:]{0,60}$")


def lead_anywhere(seg: Text) -> list[str]:
    """Units a heading or preamble assigns work to, wherever the assigning verb stands."""
    if lead := lead_at_start(seg):
        return lead.units
    found: list[str] = []
    verbs = [*_ASSIGNMENT_ANYWHERE_RE.finditer(seg.low), *_GIVEN_AFTER_NAME_RE.finditer(seg.low)]
    for verb in sorted(verbs, key=lambda match: match.start()):
        if seg.low.startswith("giao", verb.start()) and _GIVEN_BY_RE.search(seg.low, 0, verb.start()):
            continue
        if verb.re is _GIVEN_AFTER_NAME_RE and not _after_capitalised_word(seg, verb.start()):
            continue
        units = read_units(seg, verb.end())
        if units.names:
            found = units.names
    return found


# "Phó Chủ tịch UBND tỉnh Nguyễn Huy Ngọc giao Sở ...": "giao" after the name of the official who assigns.
_GIVEN_AFTER_NAME_RE = vn(r"(?<![^\W\d_])giao(?:\s+cho)?\s+")


def _after_capitalised_word(seg: Text, pos: int) -> bool:
    before = seg.text[:pos].split()
    return bool(before) and before[-1][:1].isupper() and before[-1][-1:].isalpha()


def group_mentioned(seg: Text) -> list[str]:
    """The first group the text mentions anywhere ("Tại trụ sở ... của các cơ quan, đơn vị treo cờ ..."):
    the addressee of a bullet that names nobody where a subject stands."""
    for start in (m.start() for m in re.finditer(r"(?<![a-z0-9])(?:cac|moi|ubnd|uy)\b", seg.folded)):
        if group := _group_at(seg, start):
            token, _, bare = group
            if not bare:
                return [token]
    return []


# "phối hợp" where a clause begins (typed text may leave out the space after the comma) or after "chủ trì"
_COORDINATION_RE = vn(
    r"(?:(?<=[,;:.(]\s)|(?<=[,;:.(])|^|(?<=chủ trì\s)|(?<=chủ trì,\s)|(?<=chủ trì,))phối hợp(?:\s+với)?\s+"
)
# "Giao Phòng A phối hợp với Phòng B ...": A leads, working with B.
_LEAD_COORDINATES_WITH_RE = vn(r"\s+(?:cùng\s+)?phối hợp(?:\s+với)?\s+")
_LEAD_THEN_COORDINATORS_RE = vn(r"chủ trì\s*,\s*")
_COORDINATOR_VERB_RE = vn(r"\s+(?:cùng\s+)?phối hợp")
_PARENTHESIS_RE = re.compile(r"\(([^()]{3,200})\)")
_SUPPORTING_ROLE_RE = vn(r"\s*(?:có trách nhiệm|chịu trách nhiệm|phối hợp|cung cấp)")


def coordinating_units(seg: Text, lead: list[str]) -> list[str]:
    """Units the text asks to coordinate: "chủ trì, phối hợp (với) Y", "chủ trì, Y phối hợp",
    "Phối hợp Y ..." at a clause start, "X phối hợp với Y ..." after the lead, "(Y chịu trách nhiệm cung
    cấp)"."""
    found: list[str] = []
    for verb in _COORDINATION_RE.finditer(seg.low):
        found += read_units(seg, verb.end()).names
    for label in COORDINATION_LABEL_RE.finditer(seg.low):
        found += read_units(seg, label.end()).names
    if (opening := lead_at_start(seg)) and (verb := _LEAD_COORDINATES_WITH_RE.match(seg.low, opening.end)):
        found += read_units(seg, verb.end()).names
    for verb in _LEAD_THEN_COORDINATORS_RE.finditer(seg.low):
        units = read_units(seg, verb.end())
        if units.names and _COORDINATOR_VERB_RE.match(seg.low, units.end):
            found += units.names
    for parenthesis in _PARENTHESIS_RE.finditer(seg.text):
        units = read_units(seg, parenthesis.start(1))
        if units.names and _SUPPORTING_ROLE_RE.match(seg.low, units.end):
            found += units.names
    return [name for name in _normalise_units(found) if name not in lead]
