"""The admin's user and unit pages and one's own password page, through the test client with CSRF on."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.services import authenticate, get_user_by_username
from kpi_tasks.audit.models import AuditEvent
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import get_unit_by_code
from tests.factories import PASSWORD, commit, csrf_token, login, make_directive, make_task, make_unit, make_user


@pytest.fixture
def admin_world(app):
    with app.app_context():
        unit = make_unit("Phòng Tư pháp", code="TP")
        make_unit("Phòng Nội vụ", code="NV")
        make_user("admin", username="quantri")
        make_user("unit_staff", unit, username="tp.chuyenvien")
        commit()


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _select(page: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select {name}"
    return match.group(1)


def test_the_new_user_form_has_no_role_until_one_is_chosen(app, client, admin_world):
    login(client, "quantri")
    options = _select(client.get("/admin/users").get_data(as_text=True), "role")
    first = re.search(r"<option[^>]*>[^<]*</option>", options).group(0)
    assert 'value=""' in first
    assert "— Chọn vai trò —" in first
    assert "selected" not in options.replace(first, "")
    response = _post(client, "/admin/users", {"username": "moi", "full_name": "Người mới", "role": "",
                                              "unit_code": "", "password": "tre-xanh-bay-ngang-song"})
    assert response.status_code == 200
    assert "Chưa chọn vai trò." in response.get_data(as_text=True)
    with app.app_context():
        assert get_user_by_username("moi") is None


def test_the_admin_edits_a_user_and_the_edit_page_shows_the_change(app, client, admin_world):
    with app.app_context():
        user_id = get_user_by_username("tp.chuyenvien").id
        unit_id = get_unit_by_code("NV").id
    login(client, "quantri")
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{user_id}/edit"' in users_page
    response = _post(client, f"/admin/users/{user_id}/edit", {
        "full_name": "Trần Thị Bích", "email": "bich@ubnd.gov.vn", "role": "unit_manager", "unit_id": str(unit_id),
        "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.full_name, user.role, user.unit.code, user.active) == ("Trần Thị Bích", "unit_manager", "NV",
                                                                            True)
    page = client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    assert "Vai trò: Chuyên viên đơn vị → Lãnh đạo đơn vị" in page
    assert "Đơn vị: Phòng Tư pháp → Phòng Nội vụ" in page
    assert 'value="Trần Thị Bích"' in page
    # The same change log as a workbook ("Tải Excel" beside it), the account named on the filters line.
    assert f'href="/admin/users/{user_id}/history.xlsx">Tải Excel</a>' in page
    sheet = load_workbook(io.BytesIO(client.get(f"/admin/users/{user_id}/history.xlsx").data)).active
    cells = [value for row in sheet.iter_rows(values_only=True) for value in row if isinstance(value, str)]
    assert "Bộ lọc: Tài khoản tp.chuyenvien" in cells
    changes = next(value for value in cells if value.startswith("Họ và tên:") or "Vai trò:" in value)
    assert "Vai trò: Chuyên viên đơn vị → Lãnh đạo đơn vị\nĐơn vị: Phòng Tư pháp → Phòng Nội vụ" in changes


def test_a_unit_role_without_a_unit_is_refused_on_the_page(app, client, admin_world):
    with app.app_context():
        user_id = get_user_by_username("tp.chuyenvien").id
    login(client, "quantri")
    response = _post(client, f"/admin/users/{user_id}/edit", {
        "full_name": "", "email": "", "role": "unit_staff", "unit_id": "0", "active": "y"})
    assert response.status_code == 200
    assert "Người dùng của đơn vị phải thuộc một đơn vị." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).unit.code == "TP"


def test_the_last_admin_cannot_demote_or_lock_themself_on_the_page(app, client, admin_world):
    with app.app_context():
        admin_id = get_user_by_username("quantri").id
    login(client, "quantri")
    cases = [({"role": "office", "active": "y"}, "là tài khoản quản trị hệ thống cuối cùng còn hoạt động"),
             ({"role": "admin"}, "Không thể tự khoá tài khoản của chính mình.")]  # no "active": the box unticked
    for values, message in cases:
        response = _post(client, f"/admin/users/{admin_id}/edit", {"full_name": "", "email": "", "unit_id": "0",
                                                                   **values})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    # the lock button's form is on the user list (its own address, form-only, leads there by GET)
    response = client.post(f"/admin/users/{admin_id}/active", data={"csrf_token": csrf_token(client, "/admin/users")})
    assert response.status_code == 303
    assert "Không thể tự khoá tài khoản của chính mình." in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        admin = db.session.get(User, admin_id)
        assert (admin.role, admin.active) == ("admin", True)


def test_an_admin_who_hands_over_and_takes_another_role_lands_on_the_home_page(app, client, admin_world):
    with app.app_context():
        make_user("admin", username="quantri.moi")
        admin_id = get_user_by_username("quantri").id
        commit()
    login(client, "quantri")
    response = _post(client, f"/admin/users/{admin_id}/edit", {"full_name": "", "email": "", "role": "office",
                                                               "unit_id": "0", "active": "y"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/admin/users").status_code == 403


def test_the_admin_edits_and_deactivates_a_unit_and_it_is_no_longer_offered(app, client, admin_world):
    with app.app_context():
        unit = get_unit_by_code("TP")
        parent = make_unit("UBND huyện", kind="other", code="UBND")
        make_user("office", username="vanphong")
        directive = make_directive(issued_on=dt.date(2026, 2, 2))
        task = make_task(unit, directive=directive)
        unit_id, parent_id, directive_id, task_id = unit.id, parent.id, directive.id, task.id
        commit()
    login(client, "quantri")
    assert f'href="/admin/units/{unit_id}/edit"' in client.get("/admin/units").get_data(as_text=True)
    response = _post(client, f"/admin/units/{unit_id}/edit", {
        "code": "STP", "name": "Phòng Tư pháp huyện", "kind": "department", "parent_id": str(parent_id)})
    assert response.status_code == 303
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert (unit.code, unit.name, unit.parent_id, unit.active) == ("STP", "Phòng Tư pháp huyện", parent_id, False)
    units_page = client.get("/admin/units").get_data(as_text=True)
    row = re.search(r'<tr[^>]*data-unit="STP".*?</tr>', units_page, re.S).group(0)
    assert "Ngừng hoạt động" in row
    edit_page = client.get(f"/admin/units/{unit_id}/edit").get_data(as_text=True)
    assert "Đang hoạt động: Có → Không" in edit_page
    assert "Mã: TP → STP" in edit_page
    assert "STP" not in _select(client.get("/admin/users").get_data(as_text=True), "unit_code")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "vanphong")
    new_task_form = client.get(f"/tasks/new/{directive_id}").get_data(as_text=True)
    assert "Phòng Tư pháp huyện" not in _select(new_task_form, "lead_unit_id")
    assert "Phòng Nội vụ" in _select(new_task_form, "lead_unit_id")
    assert client.get(f"/tasks/{task_id}").status_code == 200  # its task stays


def test_a_duplicate_unit_code_is_refused_on_the_page(app, client, admin_world):
    with app.app_context():
        unit_id = get_unit_by_code("TP").id
    login(client, "quantri")
    response = _post(client, f"/admin/units/{unit_id}/edit", {
        "code": "NV", "name": "Phòng Tư pháp", "kind": "department", "parent_id": "0", "active": "y"})
    assert response.status_code == 200
    assert "Mã đơn vị “NV” đã tồn tại." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Unit, unit_id).code == "TP"


def test_the_own_password_page_asks_for_the_new_password_twice(app, client, admin_world):
    login(client, "tp.chuyenvien")
    page = client.get("/account/password").get_data(as_text=True)
    assert "Nhập lại mật khẩu mới" in page
    mismatch = _post(client, "/account/password", {"current_password": PASSWORD, "password": "may-trang-bay-qua-doi",
                                                   "password_confirm": "may-trang-bay-qua-nui"})
    assert mismatch.status_code == 200
    assert "Mật khẩu nhập lại không khớp với mật khẩu mới." in mismatch.get_data(as_text=True)
    wrong_current = _post(client, "/account/password", {"current_password": "sai-mat-khau",
                                                        "password": "may-trang-bay-qua-doi",
                                                        "password_confirm": "may-trang-bay-qua-doi"})
    assert "Mật khẩu hiện tại không đúng." in wrong_current.get_data(as_text=True)
    with app.app_context():
        assert authenticate("tp.chuyenvien", PASSWORD) is not None
    done = _post(client, "/account/password", {"current_password": PASSWORD, "password": "may-trang-bay-qua-doi",
                                               "password_confirm": "may-trang-bay-qua-doi"})
    assert done.status_code == 303
    with app.app_context():
        assert authenticate("tp.chuyenvien", "may-trang-bay-qua-doi") is not None


def test_creating_a_user_and_a_unit_on_the_admin_pages_is_logged(app, client, admin_world):
    login(client, "quantri")
    assert _post(client, "/admin/units", {"code": "KT", "name": "Phòng Kinh tế", "kind": "department"}
                 ).status_code == 303
    assert _post(client, "/admin/users", {"username": "kt.moi", "full_name": "Đỗ Văn Em", "role": "unit_staff",
                                          "unit_code": "KT", "password": "tre-xanh-bay-ngang-song"}).status_code == 303
    with app.app_context():
        actions = db.session.execute(sa.select(AuditEvent.entity_type, AuditEvent.action)
                                     .order_by(AuditEvent.id)).all()
        assert [tuple(row) for row in actions] == [("unit", "create"), ("user", "create")]
        user_id = get_user_by_username("kt.moi").id
    page = client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    assert "Vai trò: — → Chuyên viên đơn vị" in page
    assert "Đơn vị: — → Phòng Kinh tế" in page


def test_the_user_list_downloads_as_the_page_lists_it(app, client, admin_world):
    with app.app_context():
        locked = make_user("viewer", username="thanhtra")
        locked.active = False
        commit()
    login(client, "quantri")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users/list.xlsx">Tải Excel</a>' in page
    listed = re.findall(r'<td><a href="/admin/users/\d+/edit">([^<]+)</a>', page)

    response = client.get("/admin/users/list.xlsx")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="danh-sach-nguoi-dung-')
    sheet = load_workbook(io.BytesIO(response.data), data_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    text = [value for row in rows[:6] for value in row if value]
    assert "DANH SÁCH NGƯỜI DÙNG" in text
    assert "Bộ lọc: Không lọc (tất cả)" in text
    header = next(row for row in rows if row[0] == "STT")
    assert header[:7] == ("STT", "Tên đăng nhập", "Họ và tên", "Thư điện tử", "Vai trò", "Đơn vị", "Trạng thái")
    data = [row for row in rows if isinstance(row[0], int)]
    assert [row[1] for row in data] == listed  # every account, in the page's order
    staff = next(row for row in data if row[1] == "tp.chuyenvien")
    assert (staff[4], staff[5], staff[6]) == ("Chuyên viên đơn vị", "Phòng Tư pháp", "Đang hoạt động")
    assert next(row for row in data if row[1] == "thanhtra")[6] == "Đã khoá"
    total = next(row for row in rows if row[0] == "TỔNG CỘNG")
    assert total[2] == len(listed) == 3
