"""A unit head hands a task to officers from the task page: what the page says when it is done or refused."""

from __future__ import annotations

import pytest

from kpi_tasks.errors import ConflictError
from kpi_tasks.tasks import views as task_views
from tests.factories import commit, form_post, login, make_task, make_unit, make_user


@pytest.fixture
def world(app_ctx, client):
    unit = make_unit("UBND xã Bình Sơn", kind="commune")
    make_user("unit_manager", unit, username="binhson.chutich")
    officer = make_user("unit_staff", unit, username="binhson.congchuc")
    stranger = make_user("unit_staff", make_unit("Sở Nội vụ"), username="noivu.chuyenvien")
    task = make_task(unit, title="Rà soát hộ nghèo năm 2026")
    commit()
    login(client, "binhson.chutich")
    return {"task": task, "officer": officer, "stranger": stranger}


def _assign(client, task, *user_ids):
    return form_post(client, f"/tasks/{task.id}/assign", {"user_ids": list(user_ids)}, page=f"/tasks/{task.id}")


def test_done_or_refused_the_page_says_so(client, world):
    task = world["task"]
    done = _assign(client, task, world["officer"].id)
    assert (done.status_code, done.headers["Location"]) == (303, f"/tasks/{task.id}")
    assert "Đã giao việc cho chuyên viên." in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert [user.id for user in task.assignees] == [world["officer"].id]

    refused = _assign(client, task, world["stranger"].id)
    assert refused.status_code == 303
    assert "Chỉ giao được cho chuyên viên của đơn vị mình." in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert [user.id for user in task.assignees] == [world["officer"].id]


def test_a_conflict_is_told_on_the_task_page_like_any_refusal(client, world, monkeypatch):
    def conflict(*_args):
        raise ConflictError("Nhiệm vụ vừa được người khác thay đổi.")

    monkeypatch.setattr(task_views, "assign_staff", conflict)
    task = world["task"]
    refused = _assign(client, task, world["officer"].id)
    assert (refused.status_code, refused.headers["Location"]) == (303, f"/tasks/{task.id}")
    assert "Nhiệm vụ vừa được người khác thay đổi." in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert task.assignees == []
