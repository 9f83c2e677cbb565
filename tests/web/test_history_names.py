"""The task's "Lịch sử thay đổi": people by their full names, looked up once for the whole page; its "Tải Excel"
the same lines, by the shared list writer."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from kpi_tasks.audit.services import history, record
from kpi_tasks.extensions import db
from kpi_tasks.tasks.services import assign_staff, update_task
from kpi_tasks.users.services import create_user
from tests.factories import PASSWORD, commit, login, make_directive, make_task, make_unit, make_user, sent_statements


def _history_section(page: str) -> str:
    match = re.search(r'<ol class="small" id="history">(.*?)</ol>', page, re.S)
    assert match, "no history on the page"
    return match.group(1)


def test_the_history_names_the_assigned_officer_and_the_leader_by_full_name(app, client):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        office = make_user("office", username="vanphong")
        manager = create_user("vhtt.giamdoc", "unit_manager", PASSWORD, unit_code="VHTT",
                              full_name="Trần Văn Bình")
        staff = create_user("vhtt.chuyenvien", "unit_staff", PASSWORD, unit_code="VHTT",
                            full_name="Nguyễn Thị Hương")
        leader = create_user("pct.le", "leader", PASSWORD, full_name="Lê Minh Châu")
        task = make_task(unit, directive=make_directive(office, issued_on=dt.date(2026, 2, 2)))
        assign_staff(task, manager, [staff.id])
        update_task(task, office, expected_version=task.version, title=task.title, lead_unit_id=unit.id,
                    deadline=task.deadline, leader_id=leader.id)
        task_id, leader_id = task.id, leader.id
        commit()
    login(client, "vanphong")
    section = _history_section(client.get(f"/tasks/{task_id}").get_data(as_text=True))
    assert "Chuyên viên được giao: — → Nguyễn Thị Hương" in section
    assert "Lãnh đạo phụ trách: — → Lê Minh Châu" in section
    assert "vhtt.chuyenvien" not in section
    assert f"→ {leader_id}<" not in section


def test_the_history_downloads_with_the_pages_lines(app, client):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        office = make_user("office", username="vanphong")
        manager = create_user("vhtt.giamdoc", "unit_manager", PASSWORD, unit_code="VHTT", full_name="Trần Văn Bình")
        staff = create_user("vhtt.chuyenvien", "unit_staff", PASSWORD, unit_code="VHTT", full_name="Nguyễn Thị Hương")
        task = make_task(unit, title="Số hóa hồ sơ lưu trữ", directive=make_directive(office))
        assign_staff(task, manager, [staff.id])
        record(office, "task", task.id, "update", {"deadline": ("2026-03-31", "2026-04-30")}, note="Theo chỉ đạo")
        task_id, office_name = task.id, office.display_name
        commit()
    login(client, "vanphong")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f'href="/tasks/{task_id}/history.xlsx">Tải Excel</a>' in page

    response = client.get(f"/tasks/{task_id}/history.xlsx")

    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data), data_only=True).active.iter_rows(values_only=True))
    text = [value for row in rows[:6] for value in row if value]
    assert "LỊCH SỬ THAY ĐỔI" in text
    assert "Bộ lọc: Nhiệm vụ: Số hóa hồ sơ lưu trữ" in text
    header = next(row for row in rows if row[0] == "STT")
    assert header[:6] == ("STT", "Thời điểm", "Người thực hiện", "Thao tác", "Nội dung thay đổi", "Ghi chú")
    data = [row[2:6] for row in rows if isinstance(row[0], int)]
    # As the page: oldest first, people by their full names, each changed field "label: old → new".
    assert data[-2:] == [
        ("Trần Văn Bình", "Sửa thông tin", "Chuyên viên được giao: — → Nguyễn Thị Hương", None),
        (office_name, "Sửa thông tin", "Hạn xử lý: 31/03/2026 → 30/04/2026", "Theo chỉ đạo"),
    ]
    assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", rows[rows.index(header) + 1][1])
    total = next(row for row in rows if row[0] == "TỔNG CỘNG")
    assert total[2] == len(data) == len(re.findall(r"<li><span class=\"text-muted\">", _history_section(page)))


def test_a_logged_username_that_matches_nobody_is_shown_as_logged(app, client):
    with app.app_context():
        unit = make_unit(code="TP")
        office = make_user("office", username="vanphong")
        staff = create_user("tp.chuyenvien", "unit_staff", PASSWORD, unit_code="TP", full_name="Phạm Thu Trang")
        task = make_task(unit)
        record(office, "task", task.id, "update", {"assignees": (["tp.nguoicu"], ["tp.nguoicu", staff.username])})
        task_id = task.id
        commit()
    login(client, "vanphong")
    section = _history_section(client.get(f"/tasks/{task_id}").get_data(as_text=True))
    assert "Chuyên viên được giao: tp.nguoicu → tp.nguoicu, Phạm Thu Trang" in section


def test_the_names_of_a_long_history_take_the_same_queries_as_a_short_one(app_ctx):
    unit = make_unit(code="NV")
    office = make_user("office")
    short_task, long_task = make_task(unit), make_task(unit)
    people = [create_user(f"nv.cv{n}", "unit_staff", PASSWORD, unit_code="NV", full_name=f"Chuyên viên số {n}")
              for n in range(8)]
    record(office, "task", short_task.id, "update", {"assignees": ([], [people[0].username])})
    for n, person in enumerate(people):
        actor = people[n - 1] if n else office  # a different actor on each line, too
        record(actor, "task", long_task.id, "update", {"assignees": ([], [person.username])})
    task_ids = short_task.id, long_task.id
    commit()
    counts = []
    for task_id in task_ids:
        db.session.expunge_all()  # nothing already loaded: every name must come from the database
        with sent_statements() as statements:
            events = history("task", task_id)
            shown = [(event.actor.display_name if event.actor else "", event.lines) for event in events]
        counts.append(len(statements))
    assert counts[0] == counts[1] == 3  # the events, their actors, the people they name
    assert shown[-1][1][0].new == "Chuyên viên số 7"
    assert shown[-1][0] == "Chuyên viên số 6"
