"""Access rules of the admin's page of the document identity and Word templates."""

from __future__ import annotations

from tests.documents.helpers import IDENTITY_FORM
from tests.test_permissions import expect

ADMIN_ONLY = {"admin"}
CASES = [
    ("documents.identity", "GET", "/admin/documents/", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("documents.history_export", "GET", "/admin/documents/history.xlsx", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("documents.identity", "POST", "/admin/documents/", IDENTITY_FORM, expect(ADMIN_ONLY, 303, hidden=None)),
    # Without a file the upload is refused with a message, back on the page.
    ("documents.upload", "POST", "/admin/documents/templates/monthly_report", {}, expect(ADMIN_ONLY, 303, hidden=None)),
    ("documents.revert", "POST", "/admin/documents/templates/monthly_report/revert", {},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("documents.template_file", "GET", "/admin/documents/templates/monthly_report.docx", None,
     expect(ADMIN_ONLY, 200, hidden=None)),
    ("documents.sample", "GET", "/admin/documents/templates/apology_letter/sample.docx", None,
     expect(ADMIN_ONLY, 200, hidden=None)),
]
