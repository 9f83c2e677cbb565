"""Access rules of Ý kiến chỉ đạo (tasks/views.py, tasks/api.py).

Leaders, the office and the admin may post a direction on a task they see; the other roles that see the
task get 403, the ones that do not see it 404 (as for every task route).
"""

from __future__ import annotations

from tests.test_permissions import expect

DIRECTORS = {"admin", "office", "leader"}

CASES = [
    ("tasks.add_direction", "POST", "/tasks/{task}/directions", {"text": "Khẩn trương hoàn thành."},
     expect(DIRECTORS, 303)),
    ("api.post_direction", "POST", "/api/v1/tasks/{task}/directions", {"text": "Khẩn trương hoàn thành."},
     expect(DIRECTORS, 201)),
]
