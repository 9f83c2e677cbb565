"""Access rules of Ý kiến chỉ đạo and of the corrections (tasks/views.py, tasks/api.py).

Leaders, the office and the admin may post a direction on a task they see; the other roles that see the
task get 403, the ones that do not see it 404 (as for every task route).
"""

from __future__ import annotations

from tests.test_permissions import MANAGES, expect

DIRECTORS = {"admin", "office", "leader"}

CASES = [
    ("tasks.add_direction", "POST", "/tasks/{task}/directions", {"text": "Khẩn trương hoàn thành."},
     expect(DIRECTORS, 303)),
    ("api.post_direction", "POST", "/api/v1/tasks/{task}/directions", {"text": "Khẩn trương hoàn thành."},
     expect(DIRECTORS, 201)),
    ("tasks.correct", "POST", "/tasks/{task}/corrections",
     {"action": "withdraw", "note": "Nhập nhầm", "version": "{task_version}"}, expect(MANAGES, 303)),
    ("tasks.withdraw_directive", "POST", "/directives/{directive}/withdraw", {"note": "Văn bản bị hủy"},
     expect(MANAGES, 303, hidden=None)),
    ("api.withdraw_task", "POST", "/api/v1/tasks/{task}/withdraw", {"note": "Nhập nhầm"}, expect(MANAGES, 200)),
    ("api.reassign_task", "POST", "/api/v1/tasks/{task}/reassign",
     {"lead_unit_id": "{coord_unit_id}", "note": "Đúng chức năng"}, expect(MANAGES, 200)),
    # The shared task has been worked on by the areas set-ups: the admin passes the check and meets the rule (409).
    ("api.delete_task", "DELETE", "/api/v1/tasks/{task}", {"note": "Nhập thử"}, expect({"admin"}, 409)),
    ("api.withdraw_directive", "POST", "/api/v1/directives/{directive}/withdraw", {"note": "Văn bản bị hủy"},
     expect(MANAGES, 200, hidden=None)),
]
