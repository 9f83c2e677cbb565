"""The core flow through the pages, with CSRF on, as the office and a unit would click it."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from tests.factories import commit, csrf_token, login, make_unit, make_user


def _post(client, path, data, page="/"):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def test_directive_to_confirmed_completion_through_the_pages(app, client):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        office, manager = make_user("office", username="vanphong"), make_user("unit_manager", unit, "vhtt")
        unit_id = unit.id
        commit()
        del office, manager

    login(client, "vanphong")
    created = _post(client, "/directives/new", {
        "number": "1035/UBND-TTHC", "kind": "cong_van", "issued_on": "2026-02-02", "issuer": "UBND huyện Bình Sơn",
        "subject": "V/v đẩy mạnh cải cách thủ tục hành chính", "parent_id": "0"})
    assert created.status_code == 303
    directive_path = created.headers["Location"]
    task_created = _post(client, directive_path.replace("/directives/", "/tasks/new/"), {
        "title": "Ứng dụng chuyển đổi số", "section": "2.4", "lead_unit_id": str(unit_id),
        "deadline_kind": "date", "deadline": "2026-03-31"})
    assert task_created.status_code == 303
    with app.app_context():
        task_id = db.session.scalar(sa.select(Task.id))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "vhtt")
    home = client.get("/tasks/").get_data(as_text=True)
    assert "Ứng dụng chuyển đổi số" in home
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Đang thực hiện trong hạn" in page
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    progressed = _post(client, f"/tasks/{task_id}/updates",
                       {"progress_percent": "40", "note": "Đã khảo sát 5 xã", "version": version}, f"/tasks/{task_id}")
    assert progressed.status_code == 303
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Đã khảo sát 5 xã" in page
    assert "40%" in page
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    reported = _post(client, f"/tasks/{task_id}/updates", {
        "note": "Hoàn thành", "report_completed": "y", "completed_on": "2026-03-13", "version": version})
    assert reported.status_code == 303
    assert "Chờ xác nhận hoàn thành" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "vanphong")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    approved = _post(client, f"/tasks/{task_id}/review", {"decision": "approve", "note": "Đạt", "version": version})
    assert approved.status_code == 303
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Hoàn thành đúng hạn" in page
    for label in ("Tạo mới", "Cập nhật tiến độ", "Báo cáo hoàn thành", "Xác nhận hoàn thành"):
        assert label in page


def test_form_without_csrf_token_is_refused(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    response = client.post("/directives/new", data={"number": "1/UBND", "issued_on": "2026-02-02", "issuer": "U",
                                                     "subject": "x", "parent_id": "0"})
    assert response.status_code in (302, 400)
    with app.app_context():
        from kpi_tasks.directives.models import Directive

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Directive)) == 0


def test_invalid_form_keeps_what_the_user_typed(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    response = _post(client, "/directives/new", {"number": "", "kind": "cong_van", "issued_on": "2026-02-02",
                                                  "issuer": "UBND huyện", "subject": "Trích yếu đã gõ",
                                                  "parent_id": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Chưa nhập số, ký hiệu văn bản." in page
    assert "Trích yếu đã gõ" in page


def test_second_edit_with_the_same_version_gets_a_clear_message(app, client):
    from tests.factories import make_task

    with app.app_context():
        unit = make_unit()
        make_user("office", username="vanphong")
        task = make_task(unit, title="Tên ban đầu")
        task_id, version, unit_id = task.id, task.version, unit.id
        commit()
    login(client, "vanphong")
    form = {"title": "Sửa lần 1", "lead_unit_id": str(unit_id), "deadline_kind": "date", "deadline": "2026-03-31",
            "version": str(version)}
    assert _post(client, f"/tasks/{task_id}/edit", form).status_code == 303
    second = _post(client, f"/tasks/{task_id}/edit", {**form, "title": "Sửa lần 2"})
    page = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "vừa được người khác cập nhật" in page
    assert 'value="Sửa lần 2"' in page  # what the second user typed is still in the form
    assert "Sửa lần 1" in client.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_htmx_list_request_returns_only_the_rows(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    response = client.get("/tasks/?status=overdue", headers={"HX-Request": "true", "HX-Target": "task-rows"})
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert "HX-Request" in response.headers.get("Vary", "")
