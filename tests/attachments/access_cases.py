"""Access rules of attachments: a file is served to whoever may see its directive or task, 404 otherwise."""

from __future__ import annotations

from kpi_tasks.attachments.services import attach_to_directive, attach_to_update, read_upload
from kpi_tasks.tasks.lifecycle import post_update
from tests.attachments.helpers import PDF, upload
from tests.test_permissions import MANAGES, ROLES, SEES_TASK, expect

EVERYONE = dict.fromkeys(ROLES, 200)
UPDATE_UNIT = {"admin", "lead_manager", "lead_staff"}

CASES = [
    ("attachments.download", "GET", "/attachments/{update_file}", None, expect(SEES_TASK, 200)),
    ("attachments.download", "GET", "/attachments/{directive_file}", None, EVERYONE),
    ("directives.files", "GET", "/directives/{directive}/attachments", None, EVERYONE),
    # Without a file the page comes back with the error (200); the role check comes first.
    ("directives.files", "POST", "/directives/{directive}/attachments", {},
     expect(MANAGES, 200, hidden=None, commune=403)),
    ("api.directive_files", "GET", "/api/v1/directives/{directive}/attachments", None, EVERYONE),
    ("api.upload_directive_file", "POST", "/api/v1/directives/{directive}/attachments", {},
     expect(MANAGES, 422, hidden=None, commune=403)),
    ("api.task_files", "GET", "/api/v1/tasks/{task}/attachments", None, expect(SEES_TASK, 200)),
    ("api.upload_update_file", "POST", "/api/v1/tasks/{task}/updates/{update}/attachments", {},
     expect(UPDATE_UNIT, 422)),
    ("api.attachment_content", "GET", "/api/v1/attachments/{update_file}/content", None, expect(SEES_TASK, 200)),
]


def setup(users, values):
    task = values["task_obj"]
    update = post_update(task, users["lead_manager"], progress_percent=30, note="Báo cáo kèm tệp")
    update_file = attach_to_update(update, task, users["lead_manager"], [read_upload(upload("bao-cao.pdf", PDF))])[0]
    directive_file = attach_to_directive(values["directive_obj"], users["office"],
                                         [read_upload(upload("van-ban.pdf", PDF))])[0]
    values.update(update=update.id, update_file=update_file.id, directive_file=directive_file.id,
                  task_version=task.version)
