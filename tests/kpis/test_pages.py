"""The KPI pages as the office and a unit click them (CSRF on), and the appendix-style Excel export."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import Kpi, KpiMeasurement, KpiTarget
from kpi_tasks.kpis.services import record_measurement, set_target
from tests.factories import commit, csrf_token, login, make_office, make_task, make_unit, make_user
from tests.kpis.helpers import make_kpi, open_workbook, open_workbook_values


def _post(client, path, data, page=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or path)})


def test_office_creates_a_kpi_sets_targets_and_a_unit_enters_its_figure(app, client):
    with app.app_context():
        office = make_office()
        department = make_unit("Phòng Tư pháp", "department", code="TP")
        commune = make_unit("UBND xã Bình Hải", "commune", code="BH")
        manager = make_user("unit_manager", commune, username="binhhai")
        names = office.username, manager.username
        department_id, commune_id = department.id, commune.id
        commit()
    login(client, names[0])
    created = _post(client, "/kpis/new", {
        "code": "KYSO", "name": "Tỷ lệ văn bản ký số", "formula": "ratio", "measure": "percent",
        "numerator_label": "Số văn bản ký số", "denominator_label": "Tổng số văn bản", "direction": "at_least",
        "aggregation": "latest"})
    assert created.status_code == 303
    targets_path = created.headers["Location"]
    assert _post(client, targets_path, {"scope": "kind:department", "period": "2026", "target_value": "90"}
                 ).status_code == 303
    assert _post(client, targets_path, {"scope": f"unit:{commune_id}", "period": "2026", "target_value": "70,5"}
                 ).status_code == 303
    refused = _post(client, targets_path, {"scope": "kind:commune", "period": "2026-13", "target_value": "70"})
    assert refused.status_code == 200
    assert "không hợp lệ" in refused.get_data(as_text=True)
    listing = client.get(targets_path).get_data(as_text=True)
    assert "Tất cả cơ quan chuyên môn" in listing
    assert "≥ 70,50%" in listing
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, names[1])
    with app.app_context():
        kpi_id = db.session.scalar(sa.select(Kpi.id))
    entry = client.get(f"/kpis/{kpi_id}/measurements").get_data(as_text=True)
    assert "UBND xã Bình Hải" in entry
    assert "Phòng Tư pháp" not in entry  # a unit enters figures for itself only
    saved = _post(client, f"/kpis/{kpi_id}/measurements", {
        "unit_id": str(commune_id), "period_end": "2026-03-13", "numerator": "141", "denominator": "200"})
    assert saved.status_code == 303
    foreign = _post(client, f"/kpis/{kpi_id}/measurements", {
        "unit_id": str(department_id), "period_end": "2026-03-13", "numerator": "1", "denominator": "2"})
    assert foreign.status_code == 403
    invalid = _post(client, f"/kpis/{kpi_id}/measurements", {
        "unit_id": str(commune_id), "period_end": "2026-03-13", "numerator": "3", "denominator": "0"})
    assert invalid.status_code == 200
    assert "Mẫu số bằng 0 nhưng tử số là 3" in invalid.get_data(as_text=True)

    page = client.get(f"/kpis/{kpi_id}?period=2026-Q1").get_data(as_text=True)
    row = page.split(f'data-unit-id="{commune_id}"')[1].split("</tr>")[0]
    assert "141" in row
    assert "70,50%" in row
    assert 'data-met="yes"' in row  # 141/200 is exactly 70,5%: compared exactly, it meets "≥ 70,5"


def test_progress_page_table_chart_and_export_in_appendix_layout(app, client):
    with app.app_context():
        office = make_office()
        kpi = make_kpi(office, code="DVCTT", name="Tỷ lệ hồ sơ trực tuyến", direction="above",
                       numerator_label="Số hồ sơ trực tuyến", denominator_label="Tổng số hồ sơ")
        a, b = make_unit("UBND xã Bình Hải", "commune"), make_unit("UBND xã Bình Trị", "commune")
        set_target(kpi, office, period="2026", unit_kind="commune", target_value=50)
        record_measurement(kpi, a, dt.date(2025, 12, 31), numerator=30, denominator=100, actor=SYSTEM)
        record_measurement(kpi, a, dt.date(2026, 3, 13), numerator=60, denominator=100, actor=SYSTEM)
        # 50 is not above 50
        record_measurement(kpi, b, dt.date(2026, 3, 13), numerator=50, denominator=100, actor=SYSTEM)
        kpi_id, username = kpi.id, office.username
        commit()
    login(client, username)
    page = client.get(f"/kpis/{kpi_id}?period=2026-Q1").get_data(as_text=True)
    table = page.split('id="progress-table"')[1].split("</table>")[0]
    assert table.index("UBND xã Bình Hải") < table.index("UBND xã Bình Trị")
    assert table.count('data-met="yes"') == 1
    assert table.count('data-met="no"') == 1
    assert "+30,00 điểm %" in table
    chart = page.split('<svg xmlns="http://www.w3.org/2000/svg" id="progress-chart"')[1].split("</svg>")[0]
    assert chart.count('<g class="bar">') == 2
    assert 'class="target-line"' in chart
    assert "http" not in chart.replace("http://www.w3.org/2000/svg", "")

    exported = client.get(f"/kpis/{kpi_id}/export.xlsx?period=2026-Q1")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    sheet = open_workbook(exported.data).active
    assert sheet["A1"].value == "ỦY BAN NHÂN DÂN"
    assert sheet["A2"].value == "THỐNG KÊ TỶ LỆ HỒ SƠ TRỰC TUYẾN"
    assert sheet["A3"].value == "(Kèm theo Báo cáo số        /BC-UBND ngày      /3/2026 của Ủy ban nhân dân)"
    assert sheet["A4"].value == "Quý I/2026 (số liệu tính đến ngày 13/03/2026)"
    assert "16/03/2026" in sheet["A5"].value  # the day of extraction: today, frozen
    assert sheet.title == "Quý I năm 2026"
    assert [sheet.cell(row=7, column=c).value for c in range(1, 9)] == [
        "STT", "Đơn vị", "Số hồ sơ trực tuyến", "Tổng số hồ sơ", "Tỷ lệ (%)", "Chỉ tiêu (>)", "Đánh giá",
        "Thay đổi so với Quý IV/2025"]
    assert all(sheet.cell(row=7, column=c).font.bold for c in range(1, 9))
    # Units grouped by kind (each kind ranked within its group: their targets differ).
    assert [sheet.cell(row=8, column=c).value for c in range(1, 3)] == ["I", "Ủy ban nhân dân các xã, phường"]
    assert [sheet.cell(row=9, column=c).value for c in range(1, 5)] == [1, "UBND xã Bình Hải", 60, 100]
    assert sheet.cell(row=9, column=5).value == 0.6
    assert sheet.cell(row=9, column=5).number_format == "0.00%"
    assert (sheet.cell(row=9, column=6).value, sheet.cell(row=9, column=6).number_format) == (0.5, "0.00%")
    assert sheet.cell(row=9, column=7).value == "Đạt"
    # 30% → 60%: +30 percentage points, written "điểm %".
    assert sheet.cell(row=9, column=8).value == pytest.approx(30)
    assert "điểm %" in sheet.cell(row=9, column=8).number_format
    assert sheet.cell(row=10, column=7).value == "Chưa đạt"  # 50% is not above 50%
    total = [sheet.cell(row=11, column=c) for c in range(1, 8)]
    assert [cell.value for cell in total[:4]] == ["TỔNG CỘNG", None, "=SUM(C8:C10)", "=SUM(D8:D10)"]
    assert "A11:B11" in {str(merged) for merged in sheet.merged_cells.ranges}
    stored = [cell.value for cell in open_workbook_values(exported.data).active[11]]
    assert stored[2:5] == [110, 200, 0.55]  # 110/200 from the sums
    assert total[6].value == "1/2 đạt"
    assert all(cell.font.bold for cell in (total[0], *total[2:]))  # B is merged into A
    assert sheet.freeze_panes == "C8"
    assert sheet.print_title_rows == "$7:$7"
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize), setup.fitToWidth or 1, setup.fitToHeight) == (
        "landscape", "9", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True


def test_unit_page_shows_each_kpi_with_its_trend(app, client):
    with app.app_context():
        office = make_office()
        kpi = make_kpi(office)
        unit = make_unit("UBND xã Bình Hải", "commune")
        set_target(kpi, office, period="2026", unit_kind="commune", target_value=70)
        for month, numerator in ((1, 50), (2, 65), (3, 72)):
            record_measurement(kpi, unit, dt.date(2026, month, 28), numerator=numerator, denominator=100, actor=SYSTEM)
        unit_id, username = unit.id, office.username
        commit()
    login(client, username)
    page = client.get(f"/kpis/units/{unit_id}?period=2026-Q1").get_data(as_text=True)
    row = page.split('data-kpi="BSCT"')[1].split("</tr>")[0]
    assert "72,00%" in row
    assert 'data-met="yes"' in row
    assert row.count("<circle") == 3
    assert "<polyline" in row
    bad_period = client.get(f"/kpis/units/{unit_id}?period=quý 1")
    assert bad_period.status_code == 200
    assert "không hợp lệ" in bad_period.get_data(as_text=True)


def test_task_page_shows_its_targets_and_the_office_links_them(app, client):
    with app.app_context():
        office = make_office()
        kpi = make_kpi(office, name="Tỷ lệ văn bản ký số")
        unit = make_unit("UBND xã Bình Hải", "commune")
        task = make_task(unit, title="Sử dụng chữ ký số cá nhân")
        target = set_target(kpi, office, period="2026", unit_id=unit.id, target_value=80)
        record_measurement(kpi, unit, dt.date(2026, 3, 13), numerator=85, denominator=100, actor=SYSTEM)
        manager = make_user("unit_manager", unit)
        ids = task.id, target.id, office.username, manager.username
        commit()
    task_id, target_id, office_name, manager_name = ids
    login(client, office_name)
    assert "Nhiệm vụ chưa gắn chỉ tiêu nào." in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    linked = _post(client, f"/kpis/tasks/{task_id}/targets", {"target_ids": str(target_id)})
    assert linked.status_code == 303
    with app.app_context():
        assert db.session.get(KpiTarget, target_id).task_id == task_id
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, manager_name)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    card = page.split('id="task-kpi-targets"')[1].split("</table>")[0]
    assert "Tỷ lệ văn bản ký số" in card
    assert "85,00%" in card
    assert 'data-met="yes"' in card
    assert "Gắn chỉ tiêu" not in card
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiMeasurement)) == 1


def test_the_target_period_is_picked_from_years_quarters_and_months_in_vietnamese(app_ctx, client):
    office = make_office()
    kpi = make_kpi()
    commit()
    login(client, office.username)
    path = f"/kpis/{kpi.id}/targets"
    page = client.get(path).get_data(as_text=True)
    select = page.split('name="period"', 1)[1].split("</select>", 1)[0]
    # today is frozen at 16/03/2026: the year before, this year and the next two
    assert [group for group in ("2025", "2026", "2027", "2028", "2024", "2029") if f'label="Năm {group}"' in select] \
        == ["2025", "2026", "2027", "2028"]
    assert '<option selected value="2026">Năm 2026</option>' in select
    assert '<option value="2026-Q1">Quý I/2026</option>' in select
    assert '<option value="2027-03">Tháng 3/2027</option>' in select
    # A code outside the list, sent by a form kept open or typed into the request, is checked by the service.
    older = _post(client, path, {"scope": "kind:commune", "period": "2019-Q4", "target_value": "70"})
    assert older.status_code == 303
    assert db.session.execute(sa.select(KpiTarget.period_kind, KpiTarget.period_start)).one() == (
        "quarter", dt.date(2019, 10, 1))
    refused = _post(client, path, {"scope": "kind:commune", "period": "2026-13", "target_value": "70"})
    text = refused.get_data(as_text=True)
    assert "không hợp lệ" in text
    assert '<option selected value="2026-13">2026-13</option>' in text  # what was sent stays in view
