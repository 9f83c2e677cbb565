"""The admin's changes to users and units: validated by the services, written to the change log."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.accounts.services import authenticate, change_own_password, create_token, user_for_token
from kpi_tasks.audit.services import history
from kpi_tasks.errors import ValidationError
from kpi_tasks.tasks.services import create_task
from kpi_tasks.units.services import create_unit, list_all_units, list_units, update_unit
from kpi_tasks.users.services import create_user, set_user_active, update_user
from tests.factories import PASSWORD, make_directive, make_task, make_unit, make_user


def _user_values(user, **changes):
    values = {"full_name": user.full_name, "email": user.email, "role": user.role, "unit_id": user.unit_id,
              "active": user.active}
    return {**values, **changes}


def _unit_values(unit, **changes):
    values = {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent_id": unit.parent_id,
              "active": unit.active}
    return {**values, **changes}


def test_an_edit_of_a_user_is_saved_and_logged_with_its_old_and_new_values(app_ctx):
    admin = make_user("admin")
    unit, other = make_unit("Phòng Tư pháp", code="TP"), make_unit("Phòng Nội vụ", code="NV")
    user = make_user("unit_staff", unit)
    changes = update_user(user, admin, **_user_values(
        user, full_name="  Trần Thị Bích  ", email="bich@ubnd.gov.vn", role="unit_manager", unit_id=other.id))
    assert (user.full_name, user.email, user.role, user.unit_id) == ("Trần Thị Bích", "bich@ubnd.gov.vn",
                                                                      "unit_manager", other.id)
    assert changes["unit"] == ("Phòng Tư pháp", "Phòng Nội vụ")
    [event] = history("user", user.id)
    assert (event.actor_id, event.action) == (admin.id, "update")
    shown = {line.label: (line.old, line.new) for line in event.lines}
    assert shown["Vai trò"] == ("Chuyên viên đơn vị", "Lãnh đạo đơn vị")
    assert shown["Họ và tên"][1] == "Trần Thị Bích"
    assert "Đang hoạt động" not in shown  # unchanged fields are not logged


def test_saving_a_user_unchanged_logs_nothing(app_ctx):
    admin, user = make_user("admin"), make_user("viewer")
    assert update_user(user, admin, **_user_values(user)) == {}
    assert history("user", user.id) == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"role": "unit_staff", "unit_id": None}, "unit_id"),
    ({"role": "superuser"}, "role"),
    ({"email": "khong co a cong"}, "email"),
    ({"full_name": "x" * 201}, "full_name"),
])
def test_an_invalid_user_edit_is_refused_and_changes_nothing(app_ctx, changes, field):
    admin, user = make_user("admin"), make_user("viewer")
    before = (user.full_name, user.email, user.role, user.unit_id)
    with pytest.raises(ValidationError) as excinfo:
        update_user(user, admin, **_user_values(user, **changes))
    assert field in excinfo.value.fields
    assert (user.full_name, user.email, user.role, user.unit_id) == before


def test_a_user_is_not_moved_to_an_inactive_unit_but_keeps_one_that_became_inactive(app_ctx):
    admin = make_user("admin")
    unit, closed = make_unit(code="A"), make_unit(code="B")
    user = make_user("unit_manager", unit)
    update_unit(closed, admin, **_unit_values(closed, active=False))
    with pytest.raises(ValidationError) as excinfo:
        update_user(user, admin, **_user_values(user, unit_id=closed.id))
    assert "ngừng hoạt động" in excinfo.value.fields["unit_id"]
    update_unit(unit, admin, **_unit_values(unit, active=False))
    update_user(user, admin, **_user_values(user, full_name="Tên mới"))  # the unit in force stays allowed
    assert (user.full_name, user.unit_id) == ("Tên mới", unit.id)


def test_the_last_active_admin_can_be_neither_demoted_nor_locked(app_ctx):
    admin, second = make_user("admin"), make_user("admin")
    locked = make_user("admin")
    set_user_active(locked, admin, False)  # a locked admin does not count
    update_user(second, admin, **_user_values(second, role="office"))
    assert second.role == "office"
    with pytest.raises(ValidationError) as excinfo:
        update_user(admin, admin, **_user_values(admin, role="office"))
    assert "cuối cùng" in excinfo.value.fields["role"]
    with pytest.raises(ValidationError) as excinfo:
        update_user(admin, second, **_user_values(admin, active=False))  # nor locked by someone else
    assert "cuối cùng" in excinfo.value.fields["active"]
    with pytest.raises(ValidationError):
        set_user_active(admin, None, False)
    assert (admin.role, admin.active) == ("admin", True)


def test_nobody_locks_their_own_account(app_ctx):
    admin = make_user("admin")
    make_user("admin")
    with pytest.raises(ValidationError) as excinfo:
        set_user_active(admin, admin, False)
    assert excinfo.value.fields == {"active": "Không thể tự khoá tài khoản của chính mình."}
    assert admin.active


def test_an_admin_with_another_admin_may_take_another_role(app_ctx):
    admin, successor = make_user("admin"), make_user("admin")
    update_user(admin, admin, **_user_values(admin, role="office"))
    assert admin.role == "office"
    assert successor.role == "admin"


def test_locking_through_the_edit_revokes_tokens_and_is_logged(app_ctx):
    admin, user = make_user("admin"), make_user("office")
    token = create_token(user)
    update_user(user, admin, **_user_values(user, active=False))
    assert user_for_token(token) is None
    assert authenticate(user.username, PASSWORD) is None
    set_user_active(user, admin, True)
    assert [event.action for event in history("user", user.id)] == ["update", "unlock"]


def test_the_own_password_change_refuses_a_mismatched_confirmation(app_ctx):
    user = make_user("leader")
    with pytest.raises(ValidationError) as excinfo:
        change_own_password(user, PASSWORD, "may-trang-bay-qua-doi", confirmation="may-trang-bay-qua-nui")
    assert excinfo.value.fields == {"password_confirm": "Mật khẩu nhập lại không khớp với mật khẩu mới."}
    assert authenticate(user.username, PASSWORD) == user
    with pytest.raises(ValidationError) as excinfo:
        change_own_password(user, "sai-mat-khau", "may-trang-bay-qua-doi", confirmation="may-trang-bay-qua-doi")
    assert set(excinfo.value.fields) == {"current_password"}
    change_own_password(user, PASSWORD, "may-trang-bay-qua-doi", confirmation="may-trang-bay-qua-doi")
    assert authenticate(user.username, "may-trang-bay-qua-doi") == user
    assert [event.action for event in history("user", user.id)] == ["password_change"]


def test_an_edit_of_a_unit_is_saved_and_logged(app_ctx):
    admin = make_user("admin")
    parent = make_unit("UBND huyện", kind="other", code="UBND")
    unit = make_unit("Phòng Văn hoá", code="VH")
    changes = update_unit(unit, admin, **_unit_values(unit, code="VHTT", name="Phòng Văn hóa và Thông tin",
                                                       parent_id=parent.id))
    assert (unit.code, unit.name, unit.name_folded, unit.parent_id) == (
        "VHTT", "Phòng Văn hóa và Thông tin", "phong van hoa va thong tin", parent.id)
    assert changes == {"code": ("VH", "VHTT"), "name": ("Phòng Văn hoá", "Phòng Văn hóa và Thông tin"),
                       "parent": (None, "UBND huyện")}
    [event] = history("unit", unit.id)
    assert ("Đơn vị cấp trên", "—", "UBND huyện") in event.lines


def test_a_unit_code_stays_unique_and_a_unit_is_never_below_itself(app_ctx):
    admin = make_user("admin")
    top, middle = make_unit(code="TOP"), make_unit(code="MID")
    update_unit(middle, admin, **_unit_values(middle, parent_id=top.id))
    with pytest.raises(ValidationError) as excinfo:
        update_unit(middle, admin, **_unit_values(middle, code="TOP"))
    assert "đã tồn tại" in excinfo.value.fields["code"]
    bottom = make_unit(code="BOT")
    update_unit(bottom, admin, **_unit_values(bottom, parent_id=middle.id))
    for below in (top, middle, bottom):  # itself, its child, its grandchild
        with pytest.raises(ValidationError) as excinfo:
            update_unit(top, admin, **_unit_values(top, parent_id=below.id))
        assert "trực thuộc" in excinfo.value.fields["parent_id"]
    assert (top.parent_id, middle.code) == (None, "MID")
    update_unit(bottom, admin, **_unit_values(bottom, parent_id=top.id))  # moving up the tree is fine
    assert bottom.parent == top


def test_an_inactive_unit_keeps_its_tasks_but_gets_no_new_ones(app_ctx):
    admin, office = make_user("admin"), make_user("office")
    unit = make_unit("Phòng Kinh tế", code="KT")
    task = make_task(unit)
    update_unit(unit, admin, **_unit_values(unit, active=False))
    assert unit not in list_units()
    assert unit in list_all_units()
    assert task.lead_unit == unit
    with pytest.raises(ValidationError) as excinfo:
        create_task(make_directive(office), office, title="Việc mới", lead_unit_id=unit.id)
    assert "lead_unit_id" in excinfo.value.fields
    with pytest.raises(ValidationError) as excinfo:
        create_user("kt.moi", "unit_staff", PASSWORD, unit_code="KT")
    assert "ngừng hoạt động" in excinfo.value.fields["unit"]
    update_unit(unit, admin, **_unit_values(unit, active=True))
    assert unit in list_units()
    assert [line.new for event in history("unit", unit.id) for line in event.lines] == ["Không", "Có"]


def test_units_made_by_the_admin_are_logged_and_those_of_set_up_code_are_not(app_ctx):
    admin = make_user("admin")
    logged = create_unit("M1", "Phòng mới", "department", actor=admin)
    quiet = create_unit("M2", "Phòng khác", "department")
    assert [event.action for event in history("unit", logged.id)] == ["create"]
    assert history("unit", quiet.id) == []


def test_an_officer_moved_to_another_unit_leaves_the_open_tasks_of_the_former_unit(app_ctx):
    from kpi_tasks.tasks.lifecycle import post_update, review_task
    from kpi_tasks.tasks.services import assign_staff

    admin, office = make_user("admin"), make_user("office")
    former, new = make_unit("Phòng Tư pháp", code="TP"), make_unit("Phòng Nội vụ", code="NV")
    manager, officer = make_user("unit_manager", former), make_user("unit_staff", former)
    open_task, done_task = make_task(former), make_task(former)
    for task in (open_task, done_task):
        assign_staff(task, manager, [officer.id])
    post_update(done_task, officer, progress_percent=None, note="Xong", report_completed=True,
                completed_on=dt.date(2026, 3, 10))
    review_task(done_task, office, decision="approve")

    changes = update_user(officer, admin, **_user_values(officer, unit_id=new.id))

    assert changes["released_task_ids"] == ([open_task.id], [])
    assert officer not in open_task.assignees
    assert officer in done_task.assignees  # what was done stays as it was done, by whom
    event = history("task", open_task.id)[-1]
    assert {line.label: line.new for line in event.lines}["Chuyên viên được giao"] == "—"


def test_a_username_differing_only_in_case_is_the_same_account(app_ctx):
    create_user("TTHoa", "office", PASSWORD)
    with pytest.raises(ValidationError) as refused:
        create_user("tthoa", "office", PASSWORD)
    assert "đã tồn tại" in refused.value.fields["username"]
    assert authenticate("TTHOA", PASSWORD).username == "TTHoa"
