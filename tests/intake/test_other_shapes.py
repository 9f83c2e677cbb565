"""The parser on directives written by hand for these tests, in shapes the seed directives do not have:
a plan ("Kế hoạch") with Roman parts, items whose lines are labelled fields and a "Tổ chức thực hiện" part
that assigns units paragraph by paragraph; a meeting's conclusions ("Thông báo kết luận") with "Giao ...
chủ trì, phối hợp với ..." sentences; a decision ("Quyết định") with articles and an appendix of targets
per kind of unit; a letter typed carelessly (irregular spacing, lower-case names, "P.TC-KH",
"VP HĐND&UBND"). The files are in `directives/`; each test states what the office should find in the
drafts. Pure: no app, no database."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from kpi_tasks.calendar.recurrence import rule_from_code
from kpi_tasks.intake.parser import parse_directive
from kpi_tasks.intake.unit_matching import match_units

DIRECTIVES = Path(__file__).parent / "directives"
PLAN = "ke_hoach_chuyen_doi_so.txt"
CONCLUSIONS = "thong_bao_ket_luan.txt"
DECISION = "quyet_dinh_giao_chi_tieu.txt"
CARELESS_LETTER = "cong_van_go_voi.txt"
ALL = [PLAN, CONCLUSIONS, DECISION, CARELESS_LETTER]

OFFICE = "Văn phòng HĐND và UBND huyện"
CULTURE = "Phòng Văn hóa và Thông tin"


def _read(name: str) -> str:
    return (DIRECTIVES / name).read_text(encoding="utf-8")


def _summary(result: dict[str, Any]) -> list[tuple[str, list[str], list[str], str, str | None]]:
    return [
        (
            t["section"],
            t["lead_units"],
            t["coordinating_units"],
            t["deadline"]["kind"],
            t["deadline"]["date"] or t["deadline"]["rule"] or None,
        )
        for t in result["tasks"]
    ]


def _targets(task: dict[str, Any]) -> list[tuple[float, str, str]]:
    return [(k["value"], k["direction"], k["applies_to"]) for k in task["kpis"]]


def _wrapped(text: str, width: int) -> str:
    """The text as a PDF's text layer gives it: every line broken at `width` (table rows left whole)."""
    return "\n".join(
        line if "\t" in line else textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False)
        for line in text.split("\n")
    )


def test_plan_with_roman_parts_labelled_fields_and_units_by_paragraph() -> None:
    result = parse_directive(_read(PLAN))
    assert result["directive"] == {
        "number_symbol": "118/KH-UBND",
        "issuer": "UBND huyện Cam Lâm",
        "year": 2024,
        "issued_on": "2024-04-22",
        "subject": "Thực hiện công tác chuyển đổi số trên địa bàn huyện năm 2024",
        "implements": ["2150/KH-UBND ngày 05/3/2024"],
    }
    # Part I (aims) assigns nothing; an item whose lines are "Cơ quan chủ trì: ...", "Thời gian thực hiện:
    # ..." is one task; under "III. TỔ CHỨC THỰC HIỆN" each unit's title gives its paragraphs their lead.
    assert _summary(result) == [
        ("II.1", [CULTURE], [OFFICE, "@communes"], "period_end", "2024-06-30"),
        ("II.2", ["@departments", "@communes"], [], "recurring", "monthly"),
        ("II.3", [], [], "period_end", "2024-12-31"),
        ("III.1", [CULTURE], [], "date", "2024-12-15"),
        ("III.2", ["Phòng Tài chính - Kế hoạch"], [], "none", None),
        ("III.3", ["Phòng Nội vụ"], [], "recurring", "yearly"),
        ("III.4", ["@departments"], [], "date", "2024-05-15"),
        ("III.5", ["@communes"], [], "period_end", "2024-05-31"),
        ("III.5", ["@communes"], [], "recurring", "monthly:day20"),
    ]
    tasks = result["tasks"]
    # the task is the item's title, not its field lines
    assert tasks[0]["text"] == "Tổ chức hội nghị quán triệt, triển khai Kế hoạch đến cán bộ, công chức"
    assert tasks[0]["deadline"]["text"] == "Quý II/2024"
    assert tasks[0]["deadline"]["period"] == "2024-Q2"
    assert _targets(tasks[1]) == [(100, "at_least", "all")]
    assert tasks[1]["kpis"][0]["text"].endswith(": 100% hồ sơ tiếp nhận mới được số hóa")
    assert _targets(tasks[2]) == [(50, "at_least", "department"), (30, "at_least", "commune")]
    # a unit's title and its text are two paragraphs, not one sentence
    assert tasks[3]["text"].startswith("Là cơ quan thường trực, tham mưu UBND huyện")


def test_conclusions_with_assignments_each_led_and_coordinated() -> None:
    result = parse_directive(_read(CONCLUSIONS))
    assert result["directive"]["number_symbol"] == "245/TB-UBND"
    assert result["directive"]["issuer"] == "UBND huyện Duy Xuyên"
    assert result["directive"]["subject"] == (
        "Kết luận của Chủ tịch UBND huyện tại cuộc họp giao ban tháng 6 năm 2024"
    )
    # the account of the meeting and the closing line are not tasks; "Về ..." titles are headings; a
    # paragraph with two "Giao ..." sentences gives two tasks; "Thống nhất ..." goes with the work it leads to
    assert _summary(result) == [
        ("1", ["Ban Quản lý dự án đầu tư xây dựng huyện"],
         ["Phòng Tài nguyên và Môi trường", "UBND xã Duy Hải", "UBND xã Duy Nghĩa"], "date", "2024-07-31"),
        ("1", ["Trung tâm Phát triển quỹ đất huyện"], [], "date", "2024-08-15"),
        ("2", [], [], "date", "2024-09-30"),
        ("2", ["Phòng Tài chính - Kế hoạch"], ["Kho bạc Nhà nước huyện"], "recurring", "weekly:mon"),
        ("3", [OFFICE], ["Phòng Nội vụ"], "date", "2024-07-20"),
        ("4", ["Phòng Kinh tế và Hạ tầng"], [], "date", "2024-07-22"),  # 10 working days after 08/07/2024
    ]  # fmt: skip
    tasks = result["tasks"]
    assert tasks[-1]["text"].startswith("Thống nhất chủ trương tổ chức Hội chợ thương mại huyện")
    assert tasks[-1]["deadline"]["working_days"] == 10
    # "các chủ đầu tư" is nobody the district records: no lead, for the office to choose; both targets kept
    assert _targets(tasks[2]) == [(60, "at_least", "all"), (100, "at_least", "all")]


def test_decision_with_articles_and_an_appendix_of_targets_per_kind_of_unit() -> None:
    result = parse_directive(_read(DECISION))
    assert result["directive"] == {
        "number_symbol": "1520/QĐ-UBND",
        "issuer": "UBND huyện Hoài Đức",
        "year": 2025,
        "issued_on": "2025-01-15",
        "subject": "giao chỉ tiêu cải cách hành chính và chuyển đổi số năm 2025",
        "implements": ["356/QĐ-UBND ngày 10/01/2025", "12/TTr-NV ngày 13/01/2025"],
    }
    both = ["@departments", "@communes"]
    # "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN ..." above the grounds is the authority, nobody's task; article 3 (when
    # the decision takes effect, who executes it) assigns nothing
    assert _summary(result) == [
        ("Điều 1", both, [], "none", None),
        ("Điều 2.1", both, [], "date", "2025-01-31"),
        ("Điều 2.2", ["Phòng Nội vụ"], [], "recurring", "quarterly"),
        ("Điều 2.3", [OFFICE], [], "date", "2025-01-22"),  # 5 working days after 15/01/2025
        ("Phụ lục.1", both, [], "recurring", "monthly"),
        ("Phụ lục.2", both, [], "date", "2025-12-31"),
        ("Phụ lục.3", both, [], "period_end", "2025-12-31"),
        ("Phụ lục.4", both, [], "recurring", "monthly"),
    ]
    rows = result["tasks"][4:]
    assert [row["text"] for row in rows] == [
        "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn",
        "Tỷ lệ hồ sơ được số hóa kết quả giải quyết",
        "Tỷ lệ hồ sơ nộp trực tuyến toàn trình",
        "Tỷ lệ hồ sơ giải quyết trễ hạn",
    ]
    # each kind of unit gets the figure of its own column, in the column's direction
    assert [_targets(row) for row in rows] == [
        [(98, "at_least", "department"), (95, "at_least", "commune")],
        [(100, "at_least", "department"), (100, "at_least", "commune")],
        [(60, "at_least", "department"), (40, "at_least", "commune")],
        [(2, "at_most", "department"), (5, "at_most", "commune")],
    ]
    assert rows[2]["kpis"][0]["period"] == "2025-Q4"


def test_a_carelessly_typed_letter_reads_like_a_tidy_one() -> None:
    result = parse_directive(_read(CARELESS_LETTER))
    assert result["directive"] == {
        "number_symbol": "312/UBND-VP",
        "issuer": "UBND huyện Phù Ninh",
        "year": 2024,
        "issued_on": "2024-09-10",
        "subject": "tăng cường kỷ luật, kỷ cương hành chính",
        "implements": [],
    }
    # "1.Giao" without a space, "2 . P.TC-KH", "3. ubnd các xã" in lower case, "chủ trì,phối hợp",
    # "phòng Nội vụ" and "phòng TN&MT" in lower case, double spaces everywhere
    assert _summary(result) == [
        ("1", ["Phòng Nội vụ"], [OFFICE], "date", "2024-09-30"),
        ("2", ["Phòng TC-KH"], [], "period_end", "2024-12-31"),
        ("3", ["@communes"], [], "recurring", "monthly"),
        ("4", [OFFICE], [], "recurring", "weekly:fri"),
        ("5", ["Phòng TN&MT"], ["Phòng KT&HT"], "date", "2024-10-15"),
    ]
    assert result["tasks"][0]["text"].startswith("Giao phòng Nội vụ chủ trì,phối hợp VP HĐND&UBND huyện kiểm tra")


# A district's units as the administration records them (id, code, name, kind).
DISTRICT_UNITS = [
    (1, "VP", "Văn phòng HĐND và UBND huyện", "department"),
    (2, "NV", "Phòng Nội vụ", "department"),
    (3, "TCKH", "Phòng Tài chính - Kế hoạch", "department"),
    (4, "TNMT", "Phòng Tài nguyên và Môi trường", "department"),
    (5, "KTHT", "Phòng Kinh tế và Hạ tầng", "department"),
    (6, "VHTT", "Phòng Văn hóa và Thông tin", "department"),
    (7, "BQLDA", "Ban Quản lý dự án đầu tư xây dựng huyện", "other"),
    (8, "PTQD", "Trung tâm Phát triển quỹ đất huyện", "other"),
    (9, "KBNN", "Kho bạc Nhà nước huyện", "other"),
    (10, "DH", "UBND xã Duy Hải", "commune"),
    (11, "DN", "UBND xã Duy Nghĩa", "commune"),
    (12, "NP", "UBND thị trấn Nam Phước", "commune"),
]


@pytest.mark.parametrize("name", [CONCLUSIONS, CARELESS_LETTER])
def test_every_unit_named_loosely_resolves_to_a_recorded_unit(name: str) -> None:
    tasks = parse_directive(_read(name))["tasks"]
    names = [unit for task in tasks for unit in task["lead_units"] + task["coordinating_units"]]
    resolved = match_units(names, DISTRICT_UNITS)
    assert resolved.unmatched == []
    codes = {code for unit_id, code, _, _ in DISTRICT_UNITS if unit_id in resolved.unit_ids}
    if name == CARELESS_LETTER:
        # the communes' group stands for every commune
        assert codes == {"NV", "VP", "TCKH", "TNMT", "KTHT", "DH", "DN", "NP"}
    else:
        assert {"BQLDA", "PTQD", "TNMT", "KBNN", "TCKH", "VP", "NV", "KTHT", "DH", "DN"} == codes


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("width", [65, 80, 95])
def test_the_same_directive_wrapped_at_a_fixed_width_gives_the_same_drafts(name: str, width: int) -> None:
    text = _read(name)
    wrapped = _wrapped(text, width)
    assert wrapped != text
    keep = ("section", "text", "lead_units", "coordinating_units", "deadline", "kpis")
    expected = [{key: task[key] for key in keep} for task in parse_directive(text)["tasks"]]
    assert [{key: task[key] for key in keep} for task in parse_directive(wrapped)["tasks"]] == expected


@pytest.mark.parametrize("name", ALL)
def test_each_draft_points_at_its_own_words_and_its_rule_is_one_the_tasks_take(name: str) -> None:
    text = _read(name)
    tasks = parse_directive(text)["tasks"]
    assert tasks
    for task in tasks:
        start, end = task["span"]
        assert " ".join(text[start:end].split()) == task["text"]
        if task["deadline"]["kind"] == "recurring":
            rule_from_code(task["deadline"]["rule"])


# -- rules the seeds need, shown on other wordings ------------------------------------------------------

HEADER = "ỦY BAN NHÂN DÂN\nHUYỆN QUẾ SƠN\nSố: 61/UBND-VP\nQuế Sơn, ngày 4 tháng 6 năm 2025\n"
PREAMBLE = "Chủ tịch UBND huyện yêu cầu Thủ trưởng các cơ quan, đơn vị, địa phương thực hiện:\n"


def _item(text: str) -> list[dict[str, Any]]:
    return parse_directive(f"{HEADER}{PREAMBLE}1. {text}\n")["tasks"]


@pytest.mark.parametrize(
    ("sentence", "leads"),
    [
        # "Riêng ... cấp xã / các xã": the sentence concerns the communes only
        ("Triển khai số hóa hồ sơ. Riêng các xã miền núi hoàn thành việc số hóa trong quý III.",
         [["@all_units"], ["@communes"]]),
        ("Triển khai số hóa hồ sơ. Riêng đối với hồ sơ đất đai tại cấp xã, cập nhật ngay trong ngày.",
         [["@all_units"], ["@communes"]]),
        # a named unit's level, then bare "các xã, thị trấn": the levels it works at, not the communes
        ("Giao Ban Chỉ đạo chuyển đổi số huyện, các xã, thị trấn rà soát kế hoạch.",
         [["Ban Chỉ đạo chuyển đổi số huyện"]]),
        # with "UBND" they are the communes
        ("Giao Phòng Nông nghiệp và UBND các xã, thị trấn rà soát phương án.",
         [["Phòng Nông nghiệp", "@communes"]]),
        # "xã hội" is no level
        ("Giao Bảo hiểm xã hội huyện chủ trì, phối hợp với Ngân hàng Chính sách xã hội huyện rà soát.",
         [["Bảo hiểm xã hội huyện"]]),
        # one head noun for several units
        ("Các phòng: Nội vụ, Tư pháp, Tài chính - Kế hoạch rà soát các quy định.",
         [["Phòng Nội vụ", "Phòng Tư pháp", "Phòng Tài chính - Kế hoạch"]]),
        ("Các sở Tài chính, Kế hoạch và Đầu tư thẩm định.", [["Sở Tài chính", "Sở Kế hoạch và Đầu tư"]]),
        # the work named first, the units after "cho"
        ("Giao nhiệm vụ tổ chức Hội nghị cho Phòng Văn hóa và Thông tin.", [[CULTURE]]),
    ],
)  # fmt: skip
def test_units_in_other_wordings(sentence: str, leads: list[list[str]]) -> None:
    assert [task["lead_units"] for task in _item(sentence)] == leads


def test_a_supporting_unit_in_parentheses_coordinates() -> None:
    (task,) = _item("Giao Phòng Tư pháp rà soát hồ sơ (Phòng Nội vụ có trách nhiệm phối hợp).")
    assert (task["lead_units"], task["coordinating_units"]) == (["Phòng Tư pháp"], ["Phòng Nội vụ"])


def test_the_fields_of_a_plan_written_inline_name_the_lead_and_the_coordinators() -> None:
    (task,) = _item("Cơ quan chủ trì: Phòng Tài chính - Kế hoạch; cơ quan phối hợp: Phòng Nội vụ, Phòng Tư pháp. "
                    "Xây dựng kế hoạch đầu tư công năm 2027, thời hạn trong tháng 5/2026.")
    assert task["lead_units"] == ["Phòng Tài chính - Kế hoạch"]
    assert task["coordinating_units"] == ["Phòng Nội vụ", "Phòng Tư pháp"]
    assert (task["deadline"]["kind"], task["deadline"]["date"]) == ("period_end", "2026-05-31")
    (task,) = _item("Đơn vị thực hiện: UBND các xã, thị trấn. Cập nhật dữ liệu dân cư hằng tháng.")
    assert task["lead_units"] == ["@communes"]


def test_who_gave_the_work_is_not_who_does_it() -> None:
    text = (
        f"{HEADER}Để theo dõi các nhiệm vụ do Chủ tịch UBND huyện giao cho Phòng Nội vụ, đề nghị Văn phòng "
        "HĐND và UBND huyện thực hiện:\n1. Cập nhật tiến độ trên phần mềm.\n"
    )
    assert [task["lead_units"] for task in parse_directive(text)["tasks"]] == [[OFFICE]]


@pytest.mark.parametrize(
    ("phrase", "date"),
    [
        ("trước 17 giờ 00 ngày 15/6/2025", "2025-06-15"),
        ("trước 16h30, ngày 20/6/2025", "2025-06-20"),
        ("chậm nhất 10 giờ ngày 25 tháng 6 năm 2025", "2025-06-25"),
    ],
)
def test_a_deadline_with_its_hour(phrase: str, date: str) -> None:
    (task,) = _item(f"Giao Phòng Nội vụ gửi báo cáo {phrase}.")
    assert (task["deadline"]["kind"], task["deadline"]["date"]) == ("date", date)


def test_the_effect_and_execution_formulas_of_a_decision_are_not_tasks() -> None:
    text = (
        f"{HEADER}Điều 1. Giao Phòng Nội vụ tổ chức thi tuyển công chức trong quý III/2025.\n"
        "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.\n"
        "Điều 3. Chánh Văn phòng HĐND và UBND huyện, Trưởng phòng Nội vụ chịu trách nhiệm thi hành Quyết định "
        "này.\n"
    )
    assert _summary(parse_directive(text)) == [("Điều 1", ["Phòng Nội vụ"], [], "period_end", "2025-09-30")]


def test_a_pasted_letter_without_addressees_keeps_its_subject_apart_from_its_first_item() -> None:
    text = ("ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN\nSố: 120/UBND-VP\nBình Sơn, ngày 02 tháng 3 năm 2026\n"
            "V/v triển khai nhiệm vụ cải cách hành chính\n\n"
            "1. Các phòng Nội vụ và Tư pháp rà soát thủ tục hành chính, hoàn thành trước ngày 30/3/2026.\n"
            "2. Phòng Văn hóa và Thông tin tuyên truyền kết quả trong quý II/2026.\n"
            "a) về cải cách hành chính.\n")
    result = parse_directive(text)
    assert result["directive"]["subject"] == "triển khai nhiệm vụ cải cách hành chính"
    assert [task["section"] for task in result["tasks"]][:2] == ["1", "2"]
    assert result["tasks"][0]["deadline"]["date"] == "2026-03-30"


# -- appendix tables as converters leave them -----------------------------------------------------------

GROUPED_APPENDICES = "ke_hoach_phu_luc_nhom_chi_tieu.txt"


def test_appendix_rows_grouped_under_roman_numerals_with_markup_formulas_and_a_period_header() -> None:
    """Cells in HTML fragments, rows "I.1", "I.2" under a group row "I", a title cell that is only the
    indicator's formula, the period in the target column's header ("Thực hiện trong năm 2023"), and three
    appendices without a number of their own, each numbered from 1."""
    tasks = parse_directive(_read(GROUPED_APPENDICES))["tasks"]
    rows = [task for task in tasks if task["section"].startswith("Phụ lục")]
    assert [(t["section"], t["lead_units"], t["deadline"]["kind"], t["deadline"]["date"]) for t in rows] == [
        ("Phụ lục 1.I.1", ["@departments", "@communes"], "period_end", "2023-12-31"),
        ("Phụ lục 1.I.2", ["@communes"], "period_end", "2023-12-31"),
        ("Phụ lục 1.II.1", ["@departments"], "period_end", "2023-12-31"),
        ("Phụ lục 2.1", [OFFICE], "date", "2023-06-30"),
        ("Phụ lục 3.1", [CULTURE], "period_end", "2023-09-30"),
    ]
    assert rows[0]["text"] == "Tỷ lệ hồ sơ giải quyết đúng hạn"  # "<p>…</p>" dropped
    # the formula-only title is read under its group's title, not as the task's name by itself
    assert rows[1]["text"].startswith("Nhóm chỉ tiêu về thủ tục hành chính: Theo công thức (b/a).")
    assert [(k["value"], k["direction"], k["period"]) for k in rows[0]["kpis"]] == [(98, "at_least", "2023")]
    assert [(k["value"], k["applies_to"]) for k in rows[1]["kpis"]] == [(100, "commune")]


COMMUNE_HEADER = "ỦY BAN NHÂN DÂN\nXÃ HÒA VANG\nSố: 12/UBND-VP\nHòa Vang, ngày 4 tháng 8 năm 2025\n"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        # the 2025 two-tier vocabulary and its spellings
        ("1. Văn phòng HĐND-UBND xã tổng hợp kết quả, báo cáo trước ngày 30/8/2025.",
         [("1", ["Văn phòng HĐND và UBND xã"], "2025-08-30")]),
        ("1. UBND các xã, phường, đặc khu báo cáo kết quả trước ngày 15/9/2025.",
         [("1", ["@communes"], "2025-09-15")]),
        ("1. Các sở, ban, ngành tỉnh và UBND các xã, phường, đặc khu triển khai, báo cáo trước ngày 20/8/2025.",
         [("1", ["@departments", "@communes"], "2025-08-20")]),
        ("1. Giao Phòng Văn hóa - Xã hội chủ trì, phối hợp Trung tâm phục vụ hành chính công xã rà soát thủ tục.",
         [("1", ["Phòng Văn hóa - Xã hội"], None)]),
        ("1. Ban nhân dân các ấp, khu phố tuyên truyền đến Nhân dân.", [("1", ["Ban nhân dân các ấp"], None)]),
        # "Tất cả các cơ quan, đơn vị" at the head of a list gives its items their lead
        ("1. Tất cả các cơ quan, đơn vị:\na) Rà soát văn bản trước ngày 30/9/2025.\nb) Báo cáo kết quả hằng tháng.",
         [("1.a", ["@all_units"], "2025-09-30"), ("1.b", ["@all_units"], "monthly")]),
        # a group with a word left out by the typist
        ("1. Các quan chuyên môn thuộc UBND xã rà soát, báo cáo trước ngày 20/8/2025.",
         [("1", ["@departments"], "2025-08-20")]),
    ],
)  # fmt: skip
def test_units_in_the_words_of_the_two_tier_government(item: str, expected: list[Any]) -> None:
    tasks = parse_directive(f"{COMMUNE_HEADER}{item}\n")["tasks"]
    found = [(t["section"], t["lead_units"], t["deadline"]["date"] or t["deadline"]["rule"] or None) for t in tasks]
    assert found == expected
