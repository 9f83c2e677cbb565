"""A unit's home page tells it what came in since it last looked: the tasks given to it this week, and the
reports the office sent back, with the office's note, until the unit reports again."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import (
    decide_extension,
    post_update,
    report_occurrence,
    request_extension,
    review_occurrence,
    review_task,
)
from kpi_tasks.tasks.models import TaskOccurrence
from kpi_tasks.tasks.services import assign_staff
from tests.factories import commit, login, make_office, make_task, make_unit, make_user


def _section(page: str, anchor: str) -> str:
    """The part of the page from the heading with this id to the next heading."""
    start = page.index(f'id="{anchor}"')
    following = re.search(r"<h2", page[start:])
    return page[start : start + following.start()] if following else page[start:]


def test_new_tasks_and_returned_reports_are_at_the_top_of_the_units_home(app_ctx, client):
    lead, other = make_unit("Phòng Tư pháp", code="TP"), make_unit("Phòng Nội vụ", code="NV")
    manager, staff = make_user("unit_manager", lead), make_user("unit_staff", lead)
    office = make_office()
    old = make_task(lead, title="Rà soát văn bản quy phạm pháp luật năm trước")
    new_lead = make_task(lead, title="Triển khai Đề án 06 về dữ liệu dân cư")
    new_coordinated = make_task(other, coordinating=[lead], title="Tổng hợp kết quả cải cách hành chính")
    make_task(other, title="Việc riêng của Phòng Nội vụ")
    returned = make_task(lead, title="Báo cáo công tác hòa giải ở cơ sở")
    post_update(returned, manager, progress_percent=None, note="Đã xong", report_completed=True)
    review_task(returned, office, decision="return", note="Thiếu số liệu của xã Bình Hải")
    weekly = make_task(lead, deadline=None, recurrence="weekly:fri", title="Báo cáo tuần tình hình hộ tịch")
    commit()
    old.created_at = utcnow() - dt.timedelta(days=8)
    period = db.session.scalars(sa.select(TaskOccurrence).where(TaskOccurrence.task_id == weekly.id)
                                .order_by(TaskOccurrence.effective_deadline)).first()
    report_occurrence(period, manager, progress_percent=None, note="Báo cáo tuần", report_completed=True)
    review_occurrence(period, office, decision="return", note="Chưa có số khai sinh trễ hạn")
    commit()
    login(client, manager.username)
    page = client.get("/").get_data(as_text=True)

    new = _section(page, "new-tasks")
    assert "Mới được giao (7 ngày qua)" in new
    for task in (new_lead, new_coordinated, weekly):
        assert f'href="/tasks/{task.id}"' in new
    assert f'href="/tasks/{old.id}"' not in new  # given 8 days ago
    assert "Việc riêng của Phòng Nội vụ" not in page  # not this unit's

    sent_back = _section(page, "returned")
    assert f'href="/tasks/{returned.id}"' in sent_back
    assert "Ý kiến Văn phòng: <span class=\"pre-line\">Thiếu số liệu của xã Bình Hải</span>" in sent_back
    assert f'href="/tasks/{weekly.id}/occurrences/{period.id}"' in sent_back
    assert "Chưa có số khai sinh trễ hạn" in sent_back

    # Reported again, the task leaves the list. A staff member sees what was handed to them this week, the
    # older task included, and nothing else.
    post_update(returned, manager, progress_percent=None, note="Đã bổ sung", report_completed=True)
    assign_staff(new_lead, manager, [staff.id])
    assign_staff(old, manager, [staff.id])
    commit()
    page = client.get("/").get_data(as_text=True)
    assert f'href="/tasks/{returned.id}"' not in _section(page, "returned")
    assert f'href="/tasks/{old.id}"' not in _section(page, "new-tasks")  # for the unit it is 8 days old
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]})
    login(client, staff.username)
    staff_page = client.get("/").get_data(as_text=True)
    new = _section(staff_page, "new-tasks")
    assert f'href="/tasks/{new_lead.id}"' in new
    assert f'href="/tasks/{old.id}"' in new
    assert f'href="/tasks/{new_coordinated.id}"' not in new
    assert f'href="/tasks/{weekly.id}"' not in new  # given to the unit this week, not handed to this officer


def test_a_unit_with_nothing_new_sees_no_empty_panels(app_ctx, client):
    unit = make_unit("Phòng Tư pháp", code="TP")
    manager = make_user("unit_manager", unit)
    commit()
    login(client, manager.username)
    page = client.get("/").get_data(as_text=True)
    assert 'id="new-tasks"' not in page
    assert 'id="returned"' not in page


def test_the_office_home_tells_how_many_extension_requests_wait_for_a_decision(app_ctx, client):
    lead = make_unit("Phòng Tư pháp", code="TP")
    manager, office, viewer = make_user("unit_manager", lead), make_office(), make_user("viewer")
    tasks = [make_task(lead, deadline=dt.date(2026, 3, 20)) for _ in range(3)]
    asked = [request_extension(task, manager, new_deadline=dt.date(2026, 4, 10), reason="Chờ số liệu của Sở")
             for task in tasks]
    decide_extension(asked[0], office, decision="approve")
    commit()
    login(client, office.username)
    page = client.get("/").get_data(as_text=True)
    assert '<a class="alert-link" href="/extension-requests?status=pending">2 đề nghị gia hạn đang chờ quyết định</a>' \
        in page
    decide_extension(asked[1], office, decision="reject", note="Không có căn cứ gia hạn")
    decide_extension(asked[2], office, decision="approve")
    commit()
    assert 'id="pending-extensions"' not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]})
    request_extension(tasks[0], manager, new_deadline=dt.date(2026, 4, 30), reason="Thêm thời gian")
    commit()
    login(client, viewer.username)  # sees the dashboard, decides nothing: no prompt
    assert 'id="pending-extensions"' not in client.get("/").get_data(as_text=True)
