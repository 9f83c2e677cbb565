"""Access rules of Ý kiến chỉ đạo and of the corrections (tasks/views.py, tasks/api.py).

Leaders, the office and the admin may post a direction on a task they see; the other roles that see the
task get 403, the ones that do not see it 404 (as for every task route).
"""

from __future__ import annotations

from kpi_tasks.tasks.calendar_feed import new_feed_token
from kpi_tasks.tasks.comments import post_comment
from tests.test_permissions import MANAGES, ROLES, SEES_TASK, expect

DIRECTORS = {"admin", "office", "leader"}
LEAD_UNIT = {"lead_manager", "lead_staff"}
# Trao đổi: the office, leaders, the admin and the units on the task write; a comment is its author's to correct.
COMMENTERS = {"admin", "office", "leader", "lead_manager", "lead_staff", "coord_manager"}
AUTHOR = {"lead_manager"}

CASES = [
    ("tasks.add_direction", "POST", "/tasks/{task}/directions", {"text": "Khẩn trương hoàn thành."},
     expect(DIRECTORS, 303)),
    ("api.post_direction", "POST", "/api/v1/tasks/{task}/directions", {"text": "Khẩn trương hoàn thành."},
     expect(DIRECTORS, 201)),
    # Tiếp nhận: the lead unit only; the list of tasks not acknowledged: those who give and follow tasks.
    ("tasks.acknowledge", "POST", "/tasks/{task}/acknowledge", {}, expect(LEAD_UNIT, 303)),
    ("api.acknowledge_task", "POST", "/api/v1/tasks/{task}/acknowledge", {}, expect(LEAD_UNIT, 200)),
    ("tasks.unacknowledged", "GET", "/tasks/unacknowledged", None, expect(DIRECTORS, 200, hidden=None)),
    ("api.unacknowledged_tasks", "GET", "/api/v1/tasks/unacknowledged", None, expect(DIRECTORS, 200, hidden=None)),
    ("thread.add_comment", "POST", "/tasks/{task}/comments", {"text": "Đã nhận."}, expect(COMMENTERS, 303)),
    ("thread.edit", "POST", "/tasks/{task}/comments/{comment}/edit", {"text": "Sửa lại."}, expect(AUTHOR, 303)),
    ("api.task_comments", "GET", "/api/v1/tasks/{task}/comments", None, expect(SEES_TASK, 200)),
    ("api.post_comment", "POST", "/api/v1/tasks/{task}/comments", {"text": "Đã nhận."}, expect(COMMENTERS, 201)),
    ("api.edit_comment", "PATCH", "/api/v1/tasks/{task}/comments/{comment}", {"text": "Sửa lại."},
     expect(AUTHOR, 200)),
    # Without a file: the author is told to send one (422); the others are refused before any file is read.
    ("api.comment_file", "POST", "/api/v1/tasks/{task}/comments/{comment}/attachments", None, expect(AUTHOR, 422)),
    # Lịch hạn xử lý and one's own feed address: everyone, for themselves; the feed opens by its token alone.
    ("schedule.month", "GET", "/tasks/calendar?month=2026-03", None, dict.fromkeys(ROLES, 200)),
    ("schedule.new_feed", "POST", "/tasks/calendar/feed", {}, dict.fromkeys(ROLES, 303)),
    ("schedule.revoke", "POST", "/tasks/calendar/feed/revoke", {}, dict.fromkeys(ROLES, 303)),
    ("schedule.feed", "GET", "/feeds/{feed_token}.ics", None, dict.fromkeys(ROLES, 200)),
    ("api.calendar_feed", "POST", "/api/v1/calendar-feed", {}, dict.fromkeys(ROLES, 201)),
    ("api.revoke_calendar_feed", "DELETE", "/api/v1/calendar-feed", None, dict.fromkeys(ROLES, 200)),
    # Following a task: whoever sees it.
    ("schedule.toggle_watch", "POST", "/tasks/{task}/watch", {"on": "1"}, expect(SEES_TASK, 303)),
    ("api.watch_task", "POST", "/api/v1/tasks/{task}/watch", {}, expect(SEES_TASK, 200)),
    ("api.unwatch_task", "DELETE", "/api/v1/tasks/{task}/watch", None, expect(SEES_TASK, 200)),
    # The corrections panel's form (fetched when opened): whom the panel is shown to.
    ("tasks.correction_panel", "GET", "/tasks/{task}/corrections", None, expect(MANAGES, 200)),
    ("tasks.correct", "POST", "/tasks/{task}/corrections",
     {"action": "withdraw", "note": "Nhập nhầm", "version": "{task_version}"}, expect(MANAGES, 303)),
    ("tasks.withdraw_directive", "POST", "/directives/{directive}/withdraw", {"note": "Văn bản bị hủy"},
     expect(MANAGES, 303, hidden=None, commune=403)),
    ("api.withdraw_task", "POST", "/api/v1/tasks/{task}/withdraw", {"note": "Nhập nhầm"}, expect(MANAGES, 200)),
    ("api.reassign_task", "POST", "/api/v1/tasks/{task}/reassign",
     {"lead_unit_id": "{coord_unit_id}", "note": "Đúng chức năng"}, expect(MANAGES, 200)),
    # The shared task has been worked on by the areas set-ups: the admin passes the check and meets the rule (409).
    ("api.delete_task", "DELETE", "/api/v1/tasks/{task}", {"note": "Nhập thử"}, expect({"admin"}, 409)),
    ("api.withdraw_directive", "POST", "/api/v1/directives/{directive}/withdraw", {"note": "Văn bản bị hủy"},
     expect(MANAGES, 200, hidden=None, commune=403)),
]


def setup(users, values):
    values["comment"] = post_comment(values["task_obj"], users["lead_manager"], text="Đơn vị đang triển khai.").id
    values["feed_token"] = new_feed_token(users["viewer"])
