"""Access rules of the dossier pages and API: a late dossier of the lead unit (A) with its obligation.

Every signed-in user opens the lists (filtered to what they see); unit users see only their own unit's
dossiers and letters (other units get 404); the handling unit and the office record letters; the office
imports; the repeat-offender report is for the roles that oversee every unit.
"""

from __future__ import annotations

import datetime as dt

from kpi_tasks.dossiers.models import ApologyLetter, DossierImport
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit
from tests.dossiers.helpers import make_dossier
from tests.test_permissions import ROLES

SEES_ALL = {"admin", "office", "leader", "interior", "viewer"}
UNIT_A = {"lead_manager", "lead_staff", "other_staff"}
SEES_DOSSIER = SEES_ALL | UNIT_A
RECORDS = {"admin", "office"} | UNIT_A
IMPORTS = {"admin", "office"}
EVERYONE = dict.fromkeys(ROLES, 200)
NO_UPLOAD = "0" * 32


def codes(allowed: set[str], ok: int, *, visible: set[str] | None = None) -> dict[str, int]:
    """`ok` for allowed roles; 404 for roles that cannot see the object (when `visible` is given); else 403."""
    result = {}
    for role in ROLES:
        if role in allowed:
            result[role] = ok
        elif visible is not None and role not in visible:
            result[role] = 404
        else:
            result[role] = 403
    return result


LETTER = {"issued_on": "2026-03-16", "new_appointment_on": "2026-03-25", "reason": "Chờ xác minh."}

CASES = [
    ("dossiers.index", "GET", "/dossiers/", None, EVERYONE),
    ("dossiers.list_export", "GET", "/dossiers/list.xlsx?status=overdue", None, EVERYONE),
    ("dossiers.detail", "GET", "/dossiers/{dossier}", None, codes(SEES_DOSSIER, 200, visible=SEES_DOSSIER)),
    ("dossiers.upload", "GET", "/dossiers/import", None, codes(IMPORTS, 200)),
    # Without a file the form is shown again (200); others are refused before it is read.
    ("dossiers.upload", "POST", "/dossiers/import", {}, codes(IMPORTS, 200)),
    ("dossiers.preview", "GET", f"/dossiers/import/{NO_UPLOAD}", None, codes(IMPORTS, 303)),
    ("dossiers.preview", "POST", f"/dossiers/import/{NO_UPLOAD}", {"action": "import"}, codes(IMPORTS, 303)),
    ("dossiers.import_status", "GET", f"/dossiers/import/{NO_UPLOAD}/status", None, codes(IMPORTS, 303)),
    ("dossiers.rejected_csv", "GET", f"/dossiers/import/{NO_UPLOAD}/rejected.csv", None, codes(IMPORTS, 404)),
    ("dossiers.letters", "GET", "/dossiers/apology-letters", None, EVERYONE),
    ("dossiers.letters_list_export", "GET", "/dossiers/apology-letters/list.xlsx?overdue=1", None, EVERYONE),
    ("dossiers.letter", "GET", "/dossiers/apology-letters/{letter}", None,
     codes(SEES_DOSSIER, 200, visible=SEES_DOSSIER)),
    ("dossiers.letter", "POST", "/dossiers/apology-letters/{letter}", {**LETTER, "version": "{letter_version}"},
     codes(RECORDS, 303, visible=SEES_DOSSIER)),
    ("dossiers.letter_print", "GET", "/dossiers/apology-letters/{letter}/print", None,
     codes(SEES_DOSSIER, 200, visible=SEES_DOSSIER)),
    ("dossiers.letter_word", "GET", "/dossiers/apology-letters/{letter}/letter.docx", None,
     codes(SEES_DOSSIER, 200, visible=SEES_DOSSIER)),
    ("dossiers.offenders", "GET", "/dossiers/repeat-offenders", None, codes(SEES_ALL, 200)),
    # The exports list what the page lists for the same user (filtered the same way).
    ("dossiers.late_export", "GET", "/dossiers/late.xlsx?month=2026-03", None, EVERYONE),
    ("dossiers.letters_export", "GET", "/dossiers/apology-letters.xlsx?year=2026", None, EVERYONE),
    ("dossiers.offenders_export", "GET", "/dossiers/repeat-offenders.xlsx?year=2026", None, codes(SEES_ALL, 200)),
    # JSON instead of the multipart file: the office gets 422 (no file), everyone else 403 first.
    ("api.import_dossiers", "POST", "/api/v1/dossiers/import", {}, codes(IMPORTS, 422)),
    # A background import is its owner's: another office user's token is not found, like an unknown one.
    ("api.dossier_import_status", "GET", f"/api/v1/dossiers/imports/{NO_UPLOAD}", None, codes(IMPORTS, 404)),
    ("api.dossier_import_status", "GET", "/api/v1/dossiers/imports/{dossier_import}", None, codes(IMPORTS, 200)),
    ("api.apology_letters", "GET", "/api/v1/apology-letters", None, EVERYONE),
    ("api.record_apology_letter", "POST", "/api/v1/apology-letters/{letter}", LETTER,
     codes(RECORDS, 200, visible=SEES_DOSSIER)),
]


def setup(users, values):
    lead = db.session.get(Unit, values["lead_unit_id"])
    dossier = make_dossier(lead, "A-2026-0001", dt.date(2026, 3, 2), dt.date(2026, 3, 10),
                           applicant="Nguyễn Văn An")
    letter = db.session.scalar(db.select(ApologyLetter).where(ApologyLetter.dossier_id == dossier.id))
    record = DossierImport(file_name="ho-so.csv", rows=1, created=1, updated=0, unchanged=0, obligations_created=1)
    db.session.add(record)
    db.session.flush()
    values.update(dossier=dossier.id, letter=letter.id, letter_version=letter.version, dossier_import=record.id)
