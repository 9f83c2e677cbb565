"""The directive parser on directives written for these tests (other issuers, layouts and phrasings than
the seeds), on the seeds through the shared scorer, and through its command (pure: no app, no database)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from kpi_tasks.calendar.recurrence import rule_from_code
from kpi_tasks.calendar.workdays import parse_period
from kpi_tasks.intake import parser as parser_module
from kpi_tasks.intake import unit_matching
from kpi_tasks.intake.commands import parse_directive_command
from kpi_tasks.intake.parser import parse_directive
from tests.intake.helpers import REPO, SEEDS, SHARED_NOT_FOUND

GOLD, SCORER = SEEDS.parent / "intake" / "gold", SEEDS.parent / "intake" / "score.py"
needs_seeds = pytest.mark.skipif(
    not (SEEDS.is_dir() and GOLD.is_dir() and SCORER.is_file()), reason=SHARED_NOT_FOUND
)

# A commune's plan after the 2025 reform: Roman sections, "1." items, "a)" sub-items, bullets, a purpose
# section that assigns nothing, a closing request.
COMMUNE_PLAN = """\
ỦY BAN NHÂN DÂN
XÃ HÒA VANG

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 152/KH-UBND                 Hòa Vang, ngày 03 tháng 11 năm 2025

KẾ HOẠCH
Triển khai chuyển đổi số và cải cách thủ tục hành chính năm 2026

Thực hiện Kế hoạch số 4021/KH-UBND ngày 20/10/2025 của UBND thành phố Đà Nẵng, Ủy ban nhân dân xã ban hành \
Kế hoạch như sau:

I. MỤC ĐÍCH, YÊU CẦU
1. Nâng cao chất lượng giải quyết thủ tục hành chính cho người dân.
2. Bảo đảm các nhiệm vụ được giao có thời hạn và đơn vị thực hiện cụ thể.

II. NHIỆM VỤ VÀ GIẢI PHÁP
1. Về số hóa hồ sơ:
a) Giao Văn phòng HĐND và UBND xã chủ trì, phối hợp với Phòng Kinh tế và Trung tâm Phục vụ hành chính công \
xã rà soát, số hóa hồ sơ tồn đọng, hoàn thành trước ngày 15/12/2025.
b) Phòng Văn hóa - Xã hội cập nhật dữ liệu lên Cổng thông tin điện tử của xã trong vòng 10 ngày làm việc kể \
từ ngày ban hành Kế hoạch.
2. Về chế độ báo cáo:
- Trung tâm Phục vụ hành chính công xã định kỳ vào ngày thứ 6 hàng tuần báo cáo số hồ sơ trễ hạn.
- Các phòng chuyên môn báo cáo kết quả thực hiện hàng tháng về Văn phòng HĐND và UBND xã.
- Phòng Kinh tế tổng hợp, báo cáo Chủ tịch UBND xã vào ngày 25 của tháng cuối quý.
3. Về chỉ tiêu: tỷ lệ hồ sơ giải quyết trực tuyến đạt tối thiểu 90% đối với các phòng chuyên môn và 70% \
đối với các thôn, tổ dân phố; tỷ lệ thanh toán trực tuyến trên 50%.

III. TỔ CHỨC THỰC HIỆN
1. Văn phòng HĐND và UBND xã:
- Theo dõi, đôn đốc việc thực hiện Kế hoạch này.
- Tổng hợp kết quả, báo cáo Chủ tịch UBND xã trong quý I/2026.
2. Công an xã phối hợp bảo đảm an ninh dữ liệu.

Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị báo cáo về Văn phòng HĐND và UBND xã để \
tổng hợp./.

Nơi nhận:
- UBND thành phố;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH

Nguyễn Văn A
"""

# A provincial department's letter, one line per line as a PDF gives it: no blank lines, "+" bullets,
# "hằng tháng", a second sentence that hands work to another unit.
DEPARTMENT_LETTER = """\
UỶ BAN NHÂN DÂN TỈNH QUẢNG NAM
SỞ NỘI VỤ
CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 2145/SNV-CCHC
V/v thực hiện chế độ báo cáo
cải cách hành chính năm 2026
Quảng Nam, ngày 12 tháng 12 năm 2025
Kính gửi: Các cơ quan, đơn vị trực thuộc Sở.
Căn cứ Quyết định số 88/QĐ-UBND ngày 05 tháng 01 năm 2025 của UBND tỉnh, Giám đốc Sở Nội vụ đề nghị Thủ
trưởng các cơ quan, đơn vị trực thuộc Sở triển khai thực hiện một số nội dung sau:
1. Giao Phòng Cải cách hành chính chủ trì, phối hợp Văn phòng Sở và Thanh tra Sở xây dựng bộ tiêu chí
đánh giá, trình Giám đốc Sở trước ngày 15/01/2026.
2. Chi cục Văn thư - Lưu trữ hằng tháng tổng hợp tình hình số hóa tài liệu; tỷ lệ hồ sơ được số hóa phải
đạt trên 50%, phấn đấu không dưới 200 hồ sơ mỗi tháng. Trên cơ sở đó, Phòng Công chức tham mưu Giám đốc
Sở khen thưởng các đơn vị.
3. Văn phòng Sở:
+ Tổng hợp báo cáo định kỳ 6 tháng đầu năm 2026 gửi UBND tỉnh;
+ Đăng tải kết quả lên Cổng thông tin điện tử của Sở trong vòng 05 ngày làm việc kể từ ngày có kết quả.
4. Đề nghị Trung tâm Phục vụ hành chính công tỉnh phối hợp cung cấp số liệu hồ sơ trễ hạn trước ngày 10
hằng tháng.
Nhận được Công văn này, đề nghị các cơ quan, đơn vị nghiêm túc triển khai thực hiện./.
Nơi nhận:
- Như trên;
- Lưu: VT, CCHC.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Trần Thị B
"""

# A short city letter without numbered items: every paragraph that assigns work is a draft.
CITY_LETTER = """\
ỦY BAN NHÂN DÂN
THÀNH PHỐ HỘI AN
Số: 77/UBND-VP
Hội An, ngày 5 tháng 3 năm 2025
V/v chuẩn bị hội nghị tổng kết
Kính gửi: Phòng Nội vụ thành phố.
Để chuẩn bị tổ chức Hội nghị tổng kết công tác thi đua năm 2024, Chủ tịch UBND thành phố giao Phòng Nội vụ \
chủ trì, phối hợp với Phòng Tài chính - Kế hoạch và VP HĐND&UBND thành phố chuẩn bị nội dung, kinh phí tổ \
chức Hội nghị, hoàn thành trong tháng 3/2025.
UBND các phường, xã báo cáo kết quả thi đua về Phòng Nội vụ chậm nhất ngày 20/3/2025.
Nhận được văn bản này, đề nghị các đơn vị khẩn trương thực hiện./.
"""

# A plan whose tasks are rows of an appendix table; the second appendix only reports figures.
APPENDIX_PLAN = """\
ỦY BAN NHÂN DÂN
HUYỆN ĐẠI LỘC
Số: 210/KH-UBND
Đại Lộc, ngày 8 tháng 1 năm 2025
KẾ HOẠCH
Cải cách hành chính năm 2025
1. Các cơ quan, đơn vị, địa phương thực hiện các nhiệm vụ tại Phụ lục kèm theo.
Nơi nhận:
- Lưu: VT.
CHỦ TỊCH
Lê Văn C
Phụ lục I
DANH MỤC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2025
STT\tNhiệm vụ\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời hạn hoàn thành\tChỉ tiêu
1\tRà soát, đơn giản hóa thủ tục hành chính\tPhòng Tư pháp\tCác phòng, ban, ngành\tQuý II/2025\t
2\tSố hóa hồ sơ, kết quả giải quyết TTHC\tUBND các xã, thị trấn\tVăn phòng HĐND và UBND huyện\t30/6/2025\tTối thiểu 80%
3\tBáo cáo tình hình thực hiện\tVăn phòng HĐND và UBND huyện\t\tHằng tháng\t
Phụ lục II
STT\tĐơn vị\tSố hồ sơ\tTỷ lệ
1\tPhòng Tư pháp\t120\t95%
"""

# A province office's conclusions of a meeting: the issuer is the office of a parent body, lettered
# sub-items under a heading that names the units, a statement of fact among the items, the closing line.
PROVINCE_CONCLUSIONS = """\
UBND TỈNH QUẢNG NAM
VĂN PHÒNG
Số: 95/TB-VP
Tam Kỳ, ngày 14 tháng 5 năm 2025
THÔNG BÁO
Kết luận của Phó Chủ tịch UBND tỉnh tại cuộc họp về giải ngân vốn đầu tư công
Ngày 10/5/2025, Phó Chủ tịch UBND tỉnh chủ trì cuộc họp về tình hình giải ngân vốn đầu tư công năm 2025. \
Sau khi nghe báo cáo, Phó Chủ tịch UBND tỉnh kết luận như sau:
1. Tỷ lệ giải ngân đến nay mới đạt 18%, thấp hơn bình quân cả nước.
2. Giao Sở Tài chính chủ trì, phối hợp với Kho bạc Nhà nước khu vực XIII và các chủ đầu tư rà soát, điều \
chuyển vốn, hoàn thành trước ngày 30/5/2025.
3. Yêu cầu Ban Quản lý dự án giao thông tỉnh khẩn trương hoàn thiện hồ sơ thanh toán, phấn đấu giải ngân \
đạt ít nhất 60% kế hoạch vốn trước ngày 30/9/2025.
4. Đề nghị Ủy ban MTTQ Việt Nam tỉnh phối hợp giám sát.
5. Công an tỉnh, Bộ Chỉ huy Quân sự tỉnh:
a) Bảo đảm an ninh tại các công trình trọng điểm;
b) Báo cáo kết quả về UBND tỉnh hằng quý.
6. UBND các huyện, thị xã, thành phố chỉ đạo bàn giao mặt bằng trong tháng 6/2025.
Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.
Nơi nhận:
- Lưu: VT.
"""

# One numbered item under a district header, for phrase-by-phrase checks.
HEADER = "ỦY BAN NHÂN DÂN\nHUYỆN NÚI THÀNH\nSố: 45/UBND-VP\nNúi Thành, ngày 3 tháng 11 năm 2025\n"


def _item(sentence: str) -> dict[str, Any]:
    tasks = parse_directive(f"{HEADER}1. {sentence}\n")["tasks"]
    assert len(tasks) == 1, tasks
    return tasks[0]


def _summary(text: str) -> list[tuple[str, list[str], list[str], str, str | None]]:
    return [
        (
            t["section"],
            t["lead_units"],
            t["coordinating_units"],
            t["deadline"]["kind"],
            t["deadline"]["date"] or t["deadline"]["rule"] or None,
        )
        for t in parse_directive(text)["tasks"]
    ]


# -- whole directives ------------------------------------------------------------------------------


def test_commune_plan_with_roman_sections_lettered_items_and_bullets() -> None:
    result = parse_directive(COMMUNE_PLAN)
    assert result["directive"] == {
        "number_symbol": "152/KH-UBND",
        "issuer": "UBND xã Hòa Vang",
        "year": 2025,
        "issued_on": "2025-11-03",
        "subject": "Triển khai chuyển đổi số và cải cách thủ tục hành chính năm 2026",
        "implements": ["4021/KH-UBND ngày 20/10/2025"],
    }
    office = "Văn phòng HĐND và UBND xã"
    center = "Trung tâm Phục vụ hành chính công xã"
    # "I. MỤC ĐÍCH, YÊU CẦU" assigns nothing, headings are not drafts, the closing request is left out
    assert _summary(COMMUNE_PLAN) == [
        ("II.1.a", [office], ["Phòng Kinh tế", center], "date", "2025-12-15"),
        ("II.1.b", ["Phòng Văn hóa - Xã hội"], [], "date", "2025-11-17"),
        ("II.2", [center], [], "recurring", "weekly:fri"),
        ("II.2", ["@departments"], [], "recurring", "monthly"),
        ("II.2", ["Phòng Kinh tế"], [], "recurring", "quarterly:day25-last-month"),
        ("II.3", [], [], "none", None),
        ("III.1", [office], [], "none", None),
        ("III.1", [office], [], "period_end", "2026-03-31"),
        ("III.2", ["Công an xã"], [], "none", None),
    ]
    working_days = result["tasks"][1]["deadline"]
    assert (working_days["working_days"], working_days["text"]) == (10, "trong vòng 10 ngày làm việc")
    targets = [(k["value"], k["direction"], k["applies_to"]) for k in result["tasks"][5]["kpis"]]
    assert targets == [(90, "at_least", "department"), (70, "at_least", "commune"), (50, "at_least", "all")]


def test_department_letter_wrapped_line_by_line_with_plus_bullets() -> None:
    result = parse_directive(DEPARTMENT_LETTER)
    assert result["directive"] == {
        "number_symbol": "2145/SNV-CCHC",
        "issuer": "Sở Nội vụ",
        "year": 2025,
        "issued_on": "2025-12-12",
        "subject": "thực hiện chế độ báo cáo cải cách hành chính năm 2026",
        "implements": ["88/QĐ-UBND ngày 5/1/2025"],
    }
    assert _summary(DEPARTMENT_LETTER) == [
        ("1", ["Phòng Cải cách hành chính"], ["Văn phòng Sở", "Thanh tra Sở"], "date", "2026-01-15"),
        ("2", ["Chi cục Văn thư - Lưu trữ"], [], "recurring", "monthly"),
        ("2", ["Phòng Công chức"], [], "none", None),
        ("3", ["Văn phòng Sở"], [], "period_end", "2026-06-30"),
        ("3", ["Văn phòng Sở"], [], "date", "2025-12-19"),
        ("4", ["Trung tâm Phục vụ hành chính công tỉnh"], [], "recurring", "monthly:day10"),
    ]
    kpis = result["tasks"][1]["kpis"]
    assert [(k["value"], k["measure"], k["direction"]) for k in kpis] == [
        (50, "%", "at_least"),
        (200, "count", "at_least"),
    ]
    assert kpis[0]["text"] == "tỷ lệ hồ sơ được số hóa phải đạt trên 50%"


def test_letter_without_numbered_items() -> None:
    result = parse_directive(CITY_LETTER)
    assert result["directive"]["issuer"] == "UBND thành phố Hội An"
    assert _summary(CITY_LETTER) == [
        ("", ["Phòng Nội vụ"], ["Phòng Tài chính - Kế hoạch", "Văn phòng HĐND và UBND thành phố"], "period_end",
         "2025-03-31"),
        ("", ["@communes"], [], "date", "2025-03-20"),
    ]  # fmt: skip


def test_province_conclusions_with_lettered_items_under_a_heading_of_units() -> None:
    result = parse_directive(PROVINCE_CONCLUSIONS)
    assert result["directive"]["issuer"] == "Văn phòng UBND tỉnh Quảng Nam"
    assert result["directive"]["subject"].startswith("Kết luận của Phó Chủ tịch UBND tỉnh")
    security = ["Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh"]
    # item 1 states a fact ("mới đạt 18%" reports a figure): no one is asked anything, so it is no draft
    assert _summary(PROVINCE_CONCLUSIONS) == [
        ("2", ["Sở Tài chính"], ["Kho bạc Nhà nước khu vực XIII"], "date", "2025-05-30"),
        ("3", ["Ban Quản lý dự án giao thông tỉnh"], [], "date", "2025-09-30"),
        ("4", ["Ủy ban MTTQ Việt Nam tỉnh"], [], "none", None),
        ("5.a", security, [], "none", None),
        ("5.b", security, [], "recurring", "quarterly"),
        ("6", ["@communes"], [], "period_end", "2025-06-30"),
    ]
    (target,) = result["tasks"][1]["kpis"]
    assert target == {
        "text": "phấn đấu giải ngân đạt ít nhất 60% kế hoạch vốn trước ngày 30/9/2025",
        "value": 60,
        "measure": "%",
        "direction": "at_least",
        "applies_to": "Ban Quản lý dự án giao thông tỉnh",
        "period": "",
    }


def test_appendix_rows_that_assign_work_are_drafts_and_figure_tables_are_not() -> None:
    assert _summary(APPENDIX_PLAN) == [
        ("1", ["@all_units"], [], "none", None),
        ("Phụ lục I.1", ["Phòng Tư pháp"], ["@departments"], "period_end", "2025-06-30"),
        ("Phụ lục I.2", ["@communes"], ["Văn phòng HĐND và UBND huyện"], "date", "2025-06-30"),
        ("Phụ lục I.3", ["Văn phòng HĐND và UBND huyện"], [], "recurring", "monthly"),
    ]
    row = parse_directive(APPENDIX_PLAN)["tasks"][2]
    assert [(k["value"], k["direction"], k["applies_to"]) for k in row["kpis"]] == [(80, "at_least", "commune")]


@pytest.mark.parametrize(
    "document", [COMMUNE_PLAN, DEPARTMENT_LETTER, CITY_LETTER, PROVINCE_CONCLUSIONS, APPENDIX_PLAN]
)
def test_each_draft_points_at_its_own_words_in_the_input(document: str) -> None:
    for task in parse_directive(document)["tasks"]:
        start, end = task["span"]
        assert " ".join(document[start:end].split()) == task["text"]


def test_spans_point_into_the_input_as_given_even_decomposed_with_markup_and_crlf() -> None:
    marked = COMMUNE_PLAN.replace("II. NHIỆM VỤ", "**II. NHIỆM VỤ**").replace("\n1. Về", "\n**1.** Về")
    raw = unicodedata.normalize("NFD", marked).replace("\n", "\r\n")
    tasks = parse_directive(raw)["tasks"]
    assert [t["text"] for t in tasks] == [t["text"] for t in parse_directive(COMMUNE_PLAN)["tasks"]]
    for task in tasks:
        start, end = task["span"]
        shown = unicodedata.normalize("NFC", re.sub(r"\*+", "", raw[start:end]))
        assert " ".join(shown.split()) == task["text"]


def test_output_has_exactly_the_schema_of_the_intake_readme() -> None:
    result = parse_directive(COMMUNE_PLAN)
    assert set(result) == {"directive", "tasks"}
    # the README's fields, and the day of issue when the document gives it (the review page fills it in)
    assert set(result["directive"]) == {"number_symbol", "issuer", "year", "issued_on", "subject", "implements"}
    for task in result["tasks"]:
        assert set(task) == {"section", "text", "lead_units", "coordinating_units", "deadline", "kpis", "span"}
        assert {"kind", "date", "rule", "text"} <= set(task["deadline"])
        for kpi in task["kpis"]:
            assert set(kpi) == {"text", "value", "measure", "direction", "applies_to", "period"}


def test_text_without_any_structure_gives_no_drafts_rather_than_failing() -> None:
    assert parse_directive("Một dòng chữ bất kỳ.") == {
        "directive": {"number_symbol": "", "issuer": "", "year": None, "issued_on": None, "subject": "",
                      "implements": []},
        "tasks": [],
    }


# -- units -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "lead", "coordinating"),
    [
        (
            "Giao Phòng Văn hóa và Thông tin chủ trì, phối hợp Phòng Tài chính - Kế hoạch xây dựng kế hoạch.",
            ["Phòng Văn hóa và Thông tin"],
            ["Phòng Tài chính - Kế hoạch"],
        ),
        (
            "Giao Phòng Tư pháp chủ trì, Công an huyện và UBND các xã, thị trấn phối hợp rà soát.",
            ["Phòng Tư pháp"],
            ["Công an huyện", "@communes"],
        ),
        ("Phòng Tư pháp và UBND các xã, thị trấn tăng cường chứng thực điện tử.", ["Phòng Tư pháp", "@communes"], []),
        ("Thủ trưởng các cơ quan, đơn vị, địa phương chỉ đạo thực hiện.", ["@all_units"], []),
        ("Các phòng, ban, ngành huyện rà soát thủ tục.", ["@departments"], []),
        ("Các cơ quan chuyên môn thuộc UBND huyện; UBND các xã, thị trấn cập nhật.", ["@departments", "@communes"], []),
        ("Đề nghị Bưu điện huyện: Phối hợp Bộ phận Một cửa trả kết quả.", ["Bưu điện huyện"], ["Bộ phận Một cửa"]),
        ("VP HĐND&UBND huyện theo dõi, đôn đốc.", ["Văn phòng HĐND và UBND huyện"], []),
        ("Giao Trưởng phòng Nội vụ tổng hợp danh sách.", ["Phòng Nội vụ"], []),
        ("Giao Bộ phận Tiếp nhận và trả kết quả huyện niêm yết công khai.", ["Bộ phận Một cửa huyện"], []),
        ("Phòng Kinh tế, Hạ tầng và Đô thị chuẩn bị mặt bằng.", ["Phòng Kinh tế, Hạ tầng và Đô thị"], []),
        ("Giao Phòng Nội vụ, Thanh tra huyện rà soát.", ["Phòng Nội vụ", "Thanh tra huyện"], []),
        (
            "Giao Phòng Nội vụ sử dụng số liệu (Văn phòng HĐND và UBND huyện chịu trách nhiệm cung cấp).",
            ["Phòng Nội vụ"],
            ["Văn phòng HĐND và UBND huyện"],
        ),
    ],
)
def test_lead_and_coordinating_units(sentence: str, lead: list[str], coordinating: list[str]) -> None:
    task = _item(sentence)
    assert (task["lead_units"], task["coordinating_units"]) == (lead, coordinating)


def test_a_sentence_that_gives_another_unit_work_starts_a_new_draft() -> None:
    text = (
        "Giao Phòng Nội vụ rà soát biên chế. Trên cơ sở đó, Thủ trưởng các cơ quan, đơn vị, địa phương "
        "sắp xếp nhân sự; giao Phòng Tài chính - Kế hoạch bố trí kinh phí."
    )
    tasks = parse_directive(f"{HEADER}1. {text}\n")["tasks"]
    assert [t["lead_units"] for t in tasks] == [["Phòng Nội vụ"], ["@all_units"], ["Phòng Tài chính - Kế hoạch"]]


def test_bullets_without_a_subject_take_their_headings_units_and_accountability_is_not_a_task() -> None:
    text = (
        f"{HEADER}Chủ tịch UBND huyện yêu cầu Thủ trưởng các cơ quan, đơn vị, địa phương thực hiện:\n"
        "1. Giao Phòng Văn hóa và Thông tin thực hiện các nhiệm vụ sau:\n"
        "- Tuyên truyền dịch vụ công trực tuyến.\n"
        "- Báo cáo kết quả trước ngày 15/12/2025.\n"
        "2. Đẩy mạnh thanh toán trực tuyến.\n"
        "3. Chủ tịch UBND các xã, thị trấn chịu trách nhiệm trước Chủ tịch UBND huyện về kết quả.\n"
    )
    assert _summary(text) == [
        ("1", ["Phòng Văn hóa và Thông tin"], [], "none", None),
        ("1", ["Phòng Văn hóa và Thông tin"], [], "date", "2025-12-15"),
        ("2", ["@all_units"], [], "none", None),
    ]


# -- deadlines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "kind", "expected"),
    [
        ("trước ngày 15/12/2025", "date", "2025-12-15"),
        ("trước ngày 15/12", "date", "2025-12-15"),  # the directive's year
        ("chậm nhất ngày 20 tháng 3 năm 2026", "date", "2026-03-20"),
        ("trong vòng 10 ngày làm việc", "date", "2025-11-17"),  # 10 working days after 03/11/2025
        ("trong thời hạn 15 ngày kể từ ngày nhận được văn bản", "date", "2025-11-18"),
        ("trong quý I/2024", "period_end", "2024-03-31"),
        ("trong quý IV", "period_end", "2025-12-31"),
        ("trong năm 2021", "period_end", "2021-12-31"),
        ("trong tháng 2/2024", "period_end", "2024-02-29"),
        ("hoàn thành trong tháng 12", "period_end", "2025-12-31"),
        ("6 tháng đầu năm 2026", "period_end", "2026-06-30"),
        ("đến hết năm 2025", "period_end", "2025-12-31"),
        ("định kỳ vào ngày thứ 6 hàng tuần", "recurring", "weekly:fri"),
        ("vào thứ Hai hằng tuần", "recurring", "weekly:mon"),
        ("hàng tháng", "recurring", "monthly"),
        ("trước ngày 20 hàng tháng", "recurring", "monthly:day20"),
        ("trước 01 ngày tổ chức phiên họp thường kỳ hàng tháng của UBND huyện", "recurring",
         "monthly:day-1-before-meeting"),
        ("định kỳ vào ngày 25 của tháng cuối quý", "recurring", "quarterly:day25-last-month"),
        ("hàng quý", "recurring", "quarterly"),
        ("hàng năm", "recurring", "yearly"),
        ("trước ngày 31/12 hằng năm", "recurring", "yearly:12-31"),
        ("thường xuyên", "none", None),
        ("theo Quyết định số 12/QĐ-UBND ngày 05/3/2025", "none", None),  # a reference's date is no deadline
    ],
)  # fmt: skip
def test_deadline_phrases(phrase: str, kind: str, expected: str | None) -> None:
    deadline = _item(f"Giao Phòng Nội vụ rà soát hồ sơ {phrase}.")["deadline"]
    assert deadline["kind"] == kind
    assert (deadline["rule"] if kind == "recurring" else deadline["date"]) == expected
    if kind != "none":
        assert deadline["text"].lower() in phrase.lower()
    if kind == "recurring":
        rule_from_code(deadline["rule"])  # the task services accept the code


@pytest.mark.parametrize(
    ("phrase", "period"),
    [("trong quý I/2026", "2026-Q1"), ("trong tháng 2/2026", "2026-02"), ("đến hết năm 2026", "2026")],
)
def test_a_period_end_carries_the_period_code_the_task_services_take(phrase: str, period: str) -> None:
    deadline = _item(f"Giao Phòng Nội vụ rà soát hồ sơ {phrase}.")["deadline"]
    assert deadline["period"] == period
    assert parse_period(period)[1].isoformat() == deadline["date"]


def test_the_day_of_issue_is_read_when_the_header_gives_it() -> None:
    assert parse_directive(HEADER)["directive"]["issued_on"] == "2025-11-03"
    undated = HEADER.replace("ngày 3 tháng 11 năm 2025", "ngày    tháng    năm 2025")
    assert parse_directive(undated)["directive"]["issued_on"] is None


def test_working_days_without_an_issue_date_leave_the_date_to_the_office() -> None:
    undated = HEADER.replace("ngày 3 tháng 11 năm 2025", "ngày    tháng    năm 2025")
    deadline = parse_directive(f"{undated}1. Giao Phòng Nội vụ báo cáo trong 05 ngày làm việc.\n")["tasks"][0]
    assert deadline["deadline"] == {"kind": "date", "date": None, "rule": "", "text": "trong 05 ngày làm việc",
                                    "working_days": 5}  # fmt: skip


# -- KPI targets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "targets"),
    [
        (
            "ký số đạt tối thiểu 90% đối với cơ quan chuyên môn cấp huyện và 70% đối với Ủy ban nhân dân cấp xã",
            [(90, "%", "at_least", "department"), (70, "%", "at_least", "commune")],
        ),
        ("tỷ lệ thanh toán trực tuyến đạt trên 50%", [(50, "%", "at_least", "Phòng Nội vụ")]),
        ("đảm bảo 100% hồ sơ được tiếp nhận tại Bộ phận Một cửa", [(100, "%", "at_least", "Phòng Nội vụ")]),
        ("tỷ lệ hồ sơ trễ hạn không quá 5%", [(5, "%", "at_most", "Phòng Nội vụ")]),
        ("tỷ lệ hài lòng không dưới 95%", [(95, "%", "at_least", "Phòng Nội vụ")]),
        ("tỷ lệ số hóa từ 80% trở lên", [(80, "%", "at_least", "Phòng Nội vụ")]),
        ("giảm ít nhất 10,5% số thủ tục", [(10.5, "%", "at_least", "Phòng Nội vụ")]),
        ("chi phí tối đa 1.500.000 đồng mỗi hồ sơ", [(1_500_000, "VND", "at_most", "Phòng Nội vụ")]),
        ("kinh phí không quá 2 tỷ đồng", [(2_000_000_000, "VND", "at_most", "Phòng Nội vụ")]),
        ("tổ chức tối thiểu 3 lớp tập huấn", [(3, "count", "at_least", "Phòng Nội vụ")]),
        ("tỷ lệ hồ sơ trễ hạn hiện chiếm 12%", []),  # a reported figure, not a target
    ],
)
def test_kpi_phrases(phrase: str, targets: list[tuple[float, str, str, str]]) -> None:
    kpis = _item(f"Giao Phòng Nội vụ bảo đảm {phrase}.")["kpis"]
    assert [(k["value"], k["measure"], k["direction"], k["applies_to"]) for k in kpis] == targets


def test_kpi_texts_and_periods_follow_their_own_clause() -> None:
    task = _item(
        "Các cơ quan, đơn vị, địa phương bảo đảm trong năm 2026 tỷ lệ hồ sơ trễ hạn không quá 5%, "
        "tỷ lệ hài lòng không dưới 95%; tỷ lệ thanh toán trực tuyến trên 50%."
    )
    assert [(k["text"], k["applies_to"], k["period"]) for k in task["kpis"]] == [
        ("Các cơ quan, đơn vị, địa phương bảo đảm trong năm 2026 tỷ lệ hồ sơ trễ hạn không quá 5%", "all", "2026"),
        ("tỷ lệ hài lòng không dưới 95%", "all", "2026"),
        ("tỷ lệ thanh toán trực tuyến trên 50%", "all", "2026"),
    ]


# -- the rules are general -------------------------------------------------------------------------

# Names, numbers and phrasings particular to the seed directives: none may appear in the rules (general
# vocabulary such as "Phòng", "chủ trì", "UBND các xã" or department abbreviations is what rules are made of).
SEED_PARTICULARS = [
    "Tây Sơn", "Tuy Phước", "Bình Sơn", "Bình Định", "Quảng Ngãi", "Vân Canh", "Hoài Ân", "Quy Nhơn",
    "Bùi Văn Mỹ", "Huỳnh Nam", "Nguyễn Tưởng Duy", "1327", "4457", "2955", "KSTT", "VPUBND", "Đề án 06",
    "Onedrive", "Excel", "công nghệ số cộng đồng", "Hồ Chí Minh", "Tài chính – Kế hoạch", "Bưu điện khu vực",
]  # fmt: skip


# Every module of the intake package: the rules are spread over text, header, paragraphs, unit phrases,
# deadlines, KPIs, sections and appendix modules.
INTAKE_MODULES = sorted(Path(str(parser_module.__file__)).parent.glob("*.py"))


@pytest.mark.parametrize("path", INTAKE_MODULES, ids=[path.name for path in INTAKE_MODULES])
def test_rules_hold_no_seed_specific_strings(path: Path) -> None:
    source = unit_matching.fold(path.read_text(encoding="utf-8"))
    found = [name for name in SEED_PARTICULARS if unit_matching.fold(name) in source]
    assert found == []


def test_the_rule_modules_are_all_checked() -> None:
    names = {path.stem for path in INTAKE_MODULES}
    assert {"parser", "text", "header", "paragraphs", "unit_phrases", "deadline_phrases", "kpi_phrases", "drafts",
            "sections", "preamble", "appendix", "unit_matching"} <= names  # fmt: skip


# -- the seeds, measured by the shared scorer ------------------------------------------------------


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("intake_score", SCORER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_seeds
def test_seeds_meet_the_issue_thresholds_seed_by_seed() -> None:
    score = _scorer()
    totals = {"gold": 0, "pred": 0, "matched": 0, "lead_ok": 0.0, "dated": 0, "deadline_ok": 0.0, "kpis": 0,
              "kpi_ok": 0.0}  # fmt: skip
    for gold_file in sorted(GOLD.glob("*.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        text = (SEEDS / f"{gold_file.stem}.txt").read_text(encoding="utf-8")
        figures = score.score(parse_directive(text), gold)
        totals["gold"] += figures["gold_tasks"]
        totals["pred"] += figures["pred_tasks"]
        totals["matched"] += figures["matched"]
        totals["lead_ok"] += figures["lead_unit_acc"] * figures["matched"]
        totals["dated"] += figures["dated"]
        totals["deadline_ok"] += figures["deadline_acc"] * figures["dated"]
        totals["kpis"] += figures["gold_kpis"]
        totals["kpi_ok"] += figures["kpi_recall"] * figures["gold_kpis"]
    assert totals["matched"] / totals["gold"] >= 0.9, totals
    assert totals["matched"] / totals["pred"] >= 0.9, totals
    assert totals["lead_ok"] / totals["matched"] >= 0.9, totals
    assert totals["deadline_ok"] / totals["dated"] >= 0.85, totals
    assert totals["kpi_ok"] / totals["kpis"] >= 0.85, totals


@needs_seeds
def test_the_scorer_run_on_the_command_meets_the_thresholds() -> None:
    command = f"{sys.executable} -m kpi_tasks.intake {{file}} --json"
    thresholds = ["--min-recall", "0.9", "--min-precision", "0.9", "--min-lead-unit-acc", "0.9",
                  "--min-deadline-acc", "0.85", "--min-kpi-recall", "0.85"]  # fmt: skip
    run = subprocess.run(
        [sys.executable, str(SCORER), "--cmd", command, "--seeds", str(SEEDS), "--gold", str(GOLD), *thresholds],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1].startswith("overall:")


# -- the command -----------------------------------------------------------------------------------


def test_the_command_prints_the_drafts_as_json(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.txt"
    path.write_text(COMMUNE_PLAN, encoding="utf-8")
    run = CliRunner().invoke(parse_directive_command, [str(path), "--json"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.output) == parse_directive(COMMUNE_PLAN)
    assert "Hòa Vang" in run.output  # Vietnamese as is, not \\u escapes


def test_the_command_without_json_prints_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "cong-van.txt"
    path.write_text(CITY_LETTER, encoding="utf-8")
    run = CliRunner().invoke(parse_directive_command, [str(path)])
    assert run.exit_code == 0, run.output
    assert "Số nhiệm vụ đề xuất: 2" in run.output


def test_the_command_reports_an_unreadable_file_in_vietnamese(tmp_path: Path) -> None:
    path = tmp_path / "cong-van.odt"
    path.write_bytes(b"anything")
    run = CliRunner().invoke(parse_directive_command, [str(path), "--json"])
    assert run.exit_code == 1
    assert "Định dạng tệp không được hỗ trợ" in run.output
