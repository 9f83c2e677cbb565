"""Access rules of Ý kiến chỉ đạo (tasks/views.py, tasks/api.py).

Leaders, the office and the admin may post a direction on a task they see; the other roles that see the
task get 403, the ones that do not see it 404 (as for every task route).
"""

from __future__ import annotations

from tests.test_permissions import expect

DIRECTORS = {"admin", "office", "leader"}
LEAD_UNIT = {"lead_manager", "lead_staff"}

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
]
