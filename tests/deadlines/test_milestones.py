"""The progress table of a long task: steps with due and done dates, edited by the office and the lead unit,
shown with a progress bar and exported to Excel with real dates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from kpi_tasks.audit.services import history
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.milestones.excel import milestones_workbook
from kpi_tasks.milestones.queries import milestone_progress, steps_done, task_milestones
from kpi_tasks.milestones.services import add_milestone, delete_milestone, update_milestone
from kpi_tasks.tasks.services import withdraw_task
from tests.factories import commit, csrf_token, login, make_task, make_unit, make_user

D = dt.date
STEPS = [
    ("Khảo sát hiện trạng số hóa tại 10 xã", D(2026, 2, 15), D(2026, 2, 12), "Đã có báo cáo khảo sát"),
    ("Xây dựng kế hoạch, dự toán kinh phí", D(2026, 3, 10), D(2026, 3, 13), ""),
    ("Triển khai số hóa hồ sơ", D(2026, 6, 30), None, "Ưu tiên hồ sơ đất đai"),
    ("Tổng kết, báo cáo UBND huyện", D(2026, 12, 15), None, ""),
]


@pytest.fixture
def world(app_ctx):
    unit, partner = make_unit("Phòng Văn hóa và Thông tin", code="VHTT"), make_unit("Phòng Tư pháp", code="TP")
    task = make_task(unit, deadline=D(2026, 12, 31), coordinating=[partner], title="Số hóa hồ sơ hành chính")
    return {"task": task, "office": make_user("office"), "manager": make_user("unit_manager", unit),
            "partner": make_user("unit_manager", partner), "leader": make_user("leader")}


def _fill(world):
    for step, due_on, done_on, note in STEPS:
        add_milestone(world["task"], world["manager"], step=step, due_on=due_on, done_on=done_on, note=note)


def test_steps_in_order_and_the_share_done(world):
    _fill(world)
    task = world["task"]
    assert [m.step for m in task_milestones(task)] == [step for step, *_ in STEPS]
    assert [m.position for m in task_milestones(task)] == [1, 2, 3, 4]
    assert milestone_progress(task) == steps_done(task_milestones(task)) == (2, 4, 50)

    third = task_milestones(task)[2]
    update_milestone(third, task, world["office"], expected_version=third.version, step=third.step,
                     due_on=third.due_on, done_on=D(2026, 3, 16), note="Xong sớm", position=1)
    assert milestone_progress(task) == steps_done(task_milestones(task)) == (3, 4, 75)
    assert task_milestones(task)[0].id == third.id
    assert [m.position for m in task_milestones(task)] == [1, 2, 3, 4]
    assert [m.step for m in task_milestones(task)][1:] == [STEPS[0][0], STEPS[1][0], STEPS[3][0]]
    with pytest.raises(ConflictError):
        update_milestone(third, task, world["office"], expected_version=third.version - 1, step="Cũ")
    delete_milestone(task_milestones(task)[-1], task, world["manager"])
    assert milestone_progress(task) == steps_done(task_milestones(task)) == (3, 3, 100)
    actions = [event.action for event in history("task", task.id)]
    assert actions.count("milestone_add") == 4
    assert actions[-2:] == ["milestone_update", "milestone_delete"]


def test_only_the_office_and_the_lead_unit_edit_the_table(world):
    task = world["task"]
    for outsider in (world["partner"], world["leader"], make_user("viewer")):
        with pytest.raises(PermissionDenied):
            add_milestone(task, outsider, step="Không được")
    add_milestone(task, world["office"], step="Văn phòng thêm")
    withdraw_task(task, world["office"], note="Trùng")
    with pytest.raises(ConflictError):
        add_milestone(task, world["manager"], step="Sau khi thu hồi")


def test_step_values_are_checked(world):
    task = world["task"]
    with pytest.raises(ValidationError) as refused:
        add_milestone(task, world["manager"], step=" ", done_on=D(2026, 3, 17), due_on=D(2025, 1, 1), position=0)
    assert set(refused.value.fields) == {"step", "done_on", "due_on", "position"}


def test_the_task_page_shows_the_table_and_the_excel_export_has_real_dates(app, client, world):
    _fill(world)
    task_id = world["task"].id
    username = world["manager"].username
    commit()
    login(client, username)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'aria-valuenow="50"' in page
    assert "Đã hoàn thành 2/4 bước" in page
    assert "Khảo sát hiện trạng số hóa tại 10 xã" in page

    added = client.post(f"/tasks/{task_id}/milestones", data={
        "step": "Nghiệm thu", "due_on": "20/12/2026", "csrf_token": csrf_token(client, f"/tasks/{task_id}")})
    assert added.status_code == 303
    refused = client.post(f"/tasks/{task_id}/milestones", data={
        "step": "Ngày hoàn thành sai", "done_on": "2027-01-01", "csrf_token": csrf_token(client, f"/tasks/{task_id}")})
    assert refused.status_code == 200
    assert "Ngày hoàn thành không được sau ngày hôm nay." in refused.get_data(as_text=True)

    export = client.get(f"/tasks/{task_id}/milestones.xlsx")
    assert export.status_code == 200
    assert export.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert sheet["A2"].value == "BẢNG TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ"
    assert sheet["A4"].value.startswith("Nhiệm vụ: Số hóa hồ sơ hành chính — đã hoàn thành")
    assert [cell.value for cell in sheet[7]] == ["STT", "Bước thực hiện", "Hạn hoàn thành", "Ngày hoàn thành",
                                                 "Ghi chú"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=8)]
    assert len(rows) == 6
    assert rows[5] == ["TỔNG CỘNG", None, "=COUNTA(B8:B12)", "=COUNT(D8:D12)", "=IF(C13=0,0,D13/C13)"]
    assert sheet["A13"].font.bold
    stored = [cell.value for cell in load_workbook(io.BytesIO(export.data), data_only=True).active[13]]
    assert stored[2:] == [5, sum(1 for row in rows[:5] if row[3] is not None), pytest.approx(stored[3] / 5)]
    assert sheet["E13"].number_format == '0%" hoàn thành"'
    assert rows[0][:4] == [1, "Khảo sát hiện trạng số hóa tại 10 xã", dt.datetime(2026, 2, 15),
                           dt.datetime(2026, 2, 12)]
    assert rows[4][:4] == [5, "Nghiệm thu", dt.datetime(2026, 12, 20), None]
    assert sheet["C8"].number_format == "dd/mm/yyyy"
    assert sheet["C8"].is_date


def test_typed_control_characters_do_not_break_the_export(world):
    add_milestone(world["task"], world["manager"], step="Bước\x1f có ký tự lạ", note="ghi\x07chú")
    stream = milestones_workbook(world["task"], task_milestones(world["task"]), "UBND huyện Bình Sơn")
    sheet = load_workbook(stream).active
    assert (sheet["B8"].value, sheet["E8"].value) == ("Bước có ký tự lạ", "ghichú")
    assert sheet["A1"].value == "UBND HUYỆN BÌNH SƠN"
