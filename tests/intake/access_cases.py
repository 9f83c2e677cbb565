"""Access rules of the intake pages: the office and admin only; everyone else is refused (403)."""

from __future__ import annotations

from kpi_tasks.intake.services import start_intake
from tests.test_permissions import MANAGES, expect

DIRECTIVE = "Số: 7/UBND-VP\nV/v thử nghiệm\n1. Giao Phòng A rà soát hồ sơ trước ngày 30/4/2026.\n"
OFFICE_ONLY = expect(MANAGES, 200, hidden=None)

CASES = [
    ("intake.index", "GET", "/intake/", None, OFFICE_ONLY),
    ("intake.index", "POST", "/intake/", {"text": DIRECTIVE}, expect(MANAGES, 303, hidden=None)),
    ("intake.review", "GET", "/intake/{intake}", None, OFFICE_ONLY),
    ("intake.review", "POST", "/intake/{intake}",
     {"header-number": "7/UBND-VP", "header-kind": "cong_van", "header-issued_on": "2026-03-02",
      "header-issuer": "UBND", "header-subject": "Thử nghiệm", "version": "{intake_version}", "action": "save"},
     expect(MANAGES, 303, hidden=None)),
    ("intake.undo", "POST", "/intake/{intake}/undo", {"note": "Nhầm"}, expect(MANAGES, 303, hidden=None)),
    ("intake.discard", "POST", "/intake/{intake}/discard", {}, expect(MANAGES, 303, hidden=None)),
    ("intake.recurrence", "GET", "/intake/recurrence?drafts-0-recurrence=weekly:fri", None, OFFICE_ONLY),
]


def setup(users, values):
    intake = start_intake(users["office"], filename="thu-nghiem.txt", text=DIRECTIVE)
    values["intake"] = intake.id
    values["intake_version"] = intake.version
