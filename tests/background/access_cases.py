"""Access rules of background jobs: a job (its page, progress, result, rerun) is its owner's and the admin's; any
other user gets 404, as for a job that does not exist. Every signed-in user lists their own jobs."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.background.models import DONE, FAILED, BackgroundJob
from kpi_tasks.background.services import result_key
from kpi_tasks.extensions import db
from kpi_tasks.storage import file_store
from tests.test_permissions import ROLES

EVERYONE = dict.fromkeys(ROLES, 200)
OWNERS = {"office", "admin"}  # the office user owns the jobs


def owner_or_admin(ok: int) -> dict[str, int]:
    return {role: ok if role in OWNERS else 404 for role in ROLES}


def setup(users: dict, values: dict) -> None:
    file_store().put(result_key("access-case-result"), b"PK result")
    now = dt.datetime.now(dt.UTC)
    done = BackgroundJob(owner_id=users["office"].id, kind="report_task_list", label="Xuất", params_json="{}",
                         status=DONE, done=1, total=1, result_file="access-case-result", result_name="ket-qua.xlsx",
                         result_mime="application/octet-stream", result_size=9, finished_at=now,
                         expires_at=now + dt.timedelta(days=7))
    failed = BackgroundJob(owner_id=users["office"].id, kind="report_task_list", label="Xuất",
                           params_json='{"filters": {}, "today": "2026-03-16", "own_unit_first": true}',
                           status=FAILED, message="Bị gián đoạn.", finished_at=now)
    db.session.add_all([done, failed])
    db.session.flush()
    values.update({"done_job": done.id, "failed_job": failed.id})


CASES = [
    ("background.index", "GET", "/jobs/", None, EVERYONE),
    ("background.status", "GET", "/jobs/{done_job}", None, owner_or_admin(200)),
    ("background.download", "GET", "/jobs/{done_job}/download", None, owner_or_admin(200)),
    ("background.rerun_job", "POST", "/jobs/{failed_job}/rerun", {}, owner_or_admin(303)),
    ("api.job_status", "GET", "/api/v1/jobs/{done_job}", None, owner_or_admin(200)),
    ("api.job_download", "GET", "/api/v1/jobs/{done_job}/download", None, owner_or_admin(200)),
    ("api.job_rerun", "POST", "/api/v1/jobs/{failed_job}/rerun", None, owner_or_admin(202)),
]
