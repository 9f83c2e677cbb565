"""Access rules of the notification centre, the e-mail settings, scheduled reports and the jobs page.

A notification is its recipient's alone: anyone else gets 404, as for a task they cannot see.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi_tasks.calendar.workdays import default_calendar
from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import add_notifications, produce_report
from kpi_tasks.reports.scheduled import weekly_period
from tests.test_permissions import ROLES, expect

EVERYONE_OK = dict.fromkeys(ROLES, 200)
EVERYONE_REDIRECTED = dict.fromkeys(ROLES, 303)
ADMIN_ONLY = {"admin"}
SEES_ALL = {"admin", "office", "leader", "interior", "viewer"}
RECIPIENT_ONLY = {"lead_manager"}

CASES = [
    ("notifications.index", "GET", "/notifications/", None, EVERYONE_OK),
    ("notifications.badge", "GET", "/notifications/badge", None, EVERYONE_OK),
    ("notifications.read", "POST", "/notifications/{lead_manager_notification}/read", {},
     expect(RECIPIENT_ONLY, 303, denied=404, hidden=None)),
    ("notifications.open_notification", "GET", "/notifications/{lead_manager_notification}/open", None,
     expect(RECIPIENT_ONLY, 303, denied=404, hidden=None)),
    ("notifications.read_all", "POST", "/notifications/read-all", {}, EVERYONE_REDIRECTED),
    ("notifications.settings", "GET", "/notifications/settings", None, EVERYONE_OK),
    ("notifications.settings", "POST", "/notifications/settings", {"email_mode": "off", "email": ""},
     EVERYONE_REDIRECTED),
    # The scheduled report covers every unit of the instance: the root's staff, not a commune's office.
    ("notifications.report", "GET", "/notifications/reports/{scheduled_report}", None,
     expect(SEES_ALL, 200, hidden=None, commune=403)),
    ("jobs.index", "GET", "/admin/jobs/", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("jobs.run_now", "POST", "/admin/jobs/scan/run", {}, expect(ADMIN_ONLY, 303, hidden=None)),
    ("jobs.retry_failed_mail", "POST", "/admin/jobs/failed-mail/retry", {}, expect(ADMIN_ONLY, 303, hidden=None)),
    ("api.notifications", "GET", "/api/v1/notifications?unread=1", None, EVERYONE_OK),
    ("api.read_notification", "POST", "/api/v1/notifications/{lead_manager_notification}/read", {},
     expect(RECIPIENT_ONLY, 200, denied=404, hidden=None)),
    ("api.read_all_notifications", "POST", "/api/v1/notifications/read-all", {}, EVERYONE_OK),
]


def setup(users, values):
    task = values["task_obj"]
    add_notifications([{"recipient_id": users["lead_manager"].id, "kind": "due_soon", "task_id": task.id,
                        "deadline": task.effective_deadline, "offset_days": 7,
                        "dedup_key": f"task:{task.id}:access:due_soon:7"}])
    values["lead_manager_notification"] = db.session.scalar(
        sa.select(Notification.id).where(Notification.recipient_id == users["lead_manager"].id))
    report, _created = produce_report(weekly_period(default_calendar(), dt.date(2026, 3, 13), 5),
                                      dt.date(2026, 3, 16))
    values["scheduled_report"] = report.id
