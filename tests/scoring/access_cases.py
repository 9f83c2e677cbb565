"""Who may do what in the scoring area (merged into tests/test_permissions.py's matrix).

Everyone signed in reads rules, drafts and published results; the Interior department (and admin)
edits rules and publishes; a unit's head objects for their own unit; the office (and admin) decides.
"""

from __future__ import annotations

import datetime as dt

from kpi_tasks.extensions import db
from kpi_tasks.scoring.rules import DEFAULT_SETTINGS, NUMBER_KEYS
from kpi_tasks.scoring.services import create_objection, publish_scoring
from kpi_tasks.units.models import Unit
from tests.factories import make_task
from tests.test_permissions import ROLES

EVERYONE = dict.fromkeys(ROLES, 200)


def only(allowed: dict[str, int], otherwise: int = 403, **special: int) -> dict[str, int]:
    return {role: allowed.get(role, special.get(role, otherwise)) for role in ROLES}


MANAGERS_303 = only({"admin": 303, "interior": 303})
RULE_FORM = {
    **{key: str(DEFAULT_SETTINGS[key]).replace(".", ",") for key in NUMBER_KEYS},
    **{f"grade_{n}_min": str(grade["min"]) for n, grade in enumerate(DEFAULT_SETTINGS["grades"], start=1)},
    **{f"grade_{n}_name": grade["name"] for n, grade in enumerate(DEFAULT_SETTINGS["grades"], start=1)},
    "note": "Theo QĐ 1748/QĐ-UBND",
}

CASES = [
    ("scoring.index", "GET", "/scoring/?year=2026", None, EVERYONE),
    ("scoring.draft", "GET", "/scoring/2026/draft", None, EVERYONE),
    ("scoring.draft_unit", "GET", "/scoring/2026/draft/units/{score_unit}", None, EVERYONE),
    ("scoring.draft_export", "GET", "/scoring/2026/draft.xlsx", None, EVERYONE),
    ("scoring.draft_docx", "GET", "/scoring/2026/draft.docx", None, EVERYONE),
    # The confirmation page: without the draft's fingerprint it sends the manager back to the draft (303).
    ("scoring.confirm_publish", "GET", "/scoring/2026/publish", None, MANAGERS_303),
    ("scoring.publish", "POST", "/scoring/2026/publish", {"reason": "Cập nhật số liệu tháng 3"}, MANAGERS_303),
    ("scoring.version", "GET", "/scoring/versions/{scoring}", None, EVERYONE),
    ("scoring.version_unit", "GET", "/scoring/versions/{scoring}/units/{score_unit}", None, EVERYONE),
    ("scoring.version_export", "GET", "/scoring/versions/{scoring}.xlsx", None, EVERYONE),
    ("scoring.version_docx", "GET", "/scoring/versions/{scoring}.docx", None, EVERYONE),
    ("scoring.rules", "GET", "/scoring/rules/2026", None, EVERYONE),
    ("scoring.rules", "POST", "/scoring/rules/2026", RULE_FORM, MANAGERS_303),
    ("scoring.objections", "GET", "/scoring/objections/?year=2026", None, EVERYONE),
    ("scoring.objections_xlsx", "GET", "/scoring/objections.xlsx?year=2026&status=pending", None, EVERYONE),
    # A unit head objects for their own unit; a head whose unit does not have the task counted gets 404.
    ("scoring.new_objection", "GET", "/scoring/2026/objections/new?task_id={score_task}", None,
     only({"lead_manager": 200, "coord_manager": 200}, stranger_manager=404)),
    ("scoring.new_objection", "POST", "/scoring/2026/objections/new?task_id={score_task}",
     {"reason": "Đơn vị đã hoàn thành, chờ cập nhật"},
     only({"lead_manager": 303, "coord_manager": 303}, stranger_manager=404)),
    # The objection belongs to unit A: another unit does not see it (404), nor a commune's office (A is not its
    # unit); A's users see it but cannot decide.
    ("scoring.decide", "GET", "/scoring/objections/{score_objection}/decision", None,
     only({"admin": 200, "office": 200}, coord_manager=404, stranger_manager=404, commune_office=404)),
    ("scoring.decide", "POST", "/scoring/objections/{score_objection}/decision",
     {"decision": "accept", "note": "Đồng ý loại khỏi chấm điểm", "exclude": "y"},
     only({"admin": 303, "office": 303}, coord_manager=404, stranger_manager=404, commune_office=404)),
    ("api.scores", "GET", "/api/v1/scores?year=2026", None, EVERYONE),
]


def setup(users: dict, values: dict) -> None:
    """Two tasks already due on 16/03/2026, led by A and coordinated by B; a published scoring; A's objection."""
    lead, coord = db.session.get(Unit, values["lead_unit_id"]), db.session.get(Unit, values["coord_unit_id"])
    directive = values["directive_obj"]
    counted = [
        make_task(lead, deadline=dt.date(2026, 3, 9), directive=directive, coordinating=[coord],
                  title=f"Nhiệm vụ đã đến hạn {n}")
        for n in (1, 2)
    ]
    scoring = publish_scoring(2026, users["interior"], unfinished_confirmed=True)
    objection = create_objection(users["lead_manager"], year=2026, task_id=counted[1].id,
                                 reason="Nhiệm vụ đã được lùi thời hạn")
    values.update(score_task=counted[0].id, scoring=scoring.id, score_objection=objection.id,
                  score_unit=lead.id)
