"""The appendix of targets given for a year (must show 3 of issue 18): exported after the targets are entered, it
has the target-assignment appendix's columns (Số TT | Tên chỉ tiêu | Đơn vị chủ trì | Đơn vị phối hợp | ĐVT |
Chỉ tiêu giao | Ghi chú) and a group row I, II for each kind of unit the targets are given to."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from kpi_tasks.kpis.services import set_target
from tests.factories import commit, login, make_directive, make_identity, make_task, make_unit, make_user
from tests.kpis.helpers import make_kpi

HEADER = ["Số TT", "Tên chỉ tiêu", "Đơn vị chủ trì", "Đơn vị phối hợp", "ĐVT", "Chỉ tiêu giao", "Ghi chú"]


def test_the_targets_of_a_year_export_in_the_target_assignment_layout(app_ctx, client):
    make_identity()
    office = make_user("office", username="vanphong")
    justice, interior = make_unit("Sở Tư pháp"), make_unit("Sở Nội vụ")
    commune = make_unit("UBND xã Cát Tân", "commune")
    signing = make_kpi(office, code="KYSO", name="Tỷ lệ văn bản được ký số", measure="percent", formula="value",
                       numerator_label=None, denominator_label=None)
    trained = make_kpi(office, code="TAPHUAN", name="Số cán bộ được tập huấn chuyển đổi số", measure="count",
                       formula="value", numerator_label=None, denominator_label=None)
    directive = make_directive(office, number="4457/UBND-TTHC")
    task = make_task(commune, dt.date(2026, 12, 31), directive=directive, coordinating=[interior, justice])
    set_target(signing, office, period="2026", target_value=90, unit_kind="department")
    set_target(signing, office, period="2026", target_value=70, unit_kind="commune")
    set_target(signing, office, period="2026", target_value=95.5, unit_id=justice.id)
    set_target(trained, office, period="2026-Q2", target_value=120, unit_id=commune.id, task_id=task.id)
    set_target(trained, office, period="2025", target_value=80, unit_id=commune.id)  # another year: left out
    commit()
    login(client, "vanphong")
    assert 'action="/kpis/targets-appendix.xlsx"' in client.get("/kpis/").get_data(as_text=True)
    response = client.get("/kpis/targets-appendix.xlsx?year=2026")
    assert response.status_code == 200
    assert "phu-luc-giao-chi-tieu-2026.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "ỦY BAN NHÂN DÂN TỈNH GIA LAI"
    assert sheet["A2"].value.startswith("PHỤ LỤC")
    assert "/QĐ-UBND" in sheet["A3"].value
    assert [cell.value for cell in sheet[7]] == HEADER
    assert sheet.print_title_rows == "$7:$7"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=8)]
    assert [row[:3] for row in rows] == [
        ["I", "Các cơ quan chuyên môn", None],
        [1, "Tỷ lệ văn bản được ký số", "Các cơ quan chuyên môn"],
        [2, "Tỷ lệ văn bản được ký số", "Sở Tư pháp"],
        ["II", "Ủy ban nhân dân các xã, phường", None],
        [1, "Tỷ lệ văn bản được ký số", "Ủy ban nhân dân các xã, phường"],
        [2, "Số cán bộ được tập huấn chuyển đổi số", "UBND xã Cát Tân"],
    ]
    trained_row = rows[5]
    assert trained_row[3:] == ["Sở Nội vụ; Sở Tư pháp", "Số lượng", 120, "Quý II/2026; giao tại Văn bản số "
                                                                          "4457/UBND-TTHC"]
    assert sheet["F13"].number_format == '"≥ "#,##0'
    # A rate's target is a number in % format with its direction: 0.9 shown "≥ 90%".
    assert (rows[1][4], rows[1][5], sheet["F9"].number_format) == ("%", 0.9, '"≥ "0%')
    assert (rows[2][5], sheet["F10"].number_format) == (0.955, '"≥ "0.00%')
    assert rows[1][6] == "Năm 2026"
