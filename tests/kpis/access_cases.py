"""Access rules of the KPI pages and API: everyone reads results; the office keeps the catalogue and sets
targets; a unit enters (and imports) figures for itself only."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.kpis.services import create_kpi, record_measurement, set_target
from tests.test_permissions import ROLES, expect

EVERYONE = dict.fromkeys(ROLES, 200)
MANAGES = {"admin", "office"}
ENTERS = {"admin", "office", "lead_manager", "lead_staff", "other_staff", "coord_manager", "stranger_manager"}
# Figures for the lead unit (Phòng A): the office, or a user of that unit.
ENTERS_FOR_LEAD = {"admin", "office", "lead_manager", "lead_staff", "other_staff"}

RATIO_KPI = {"code": "MOI", "name": "Tỷ lệ mới", "measure": "%", "formula": "ratio", "direction": "at_least"}

CASES = [
    ("kpis.index", "GET", "/kpis/", None, EVERYONE),
    ("kpis.index_export", "GET", "/kpis/list.xlsx", None, EVERYONE),
    ("kpis.targets_appendix", "GET", "/kpis/targets-appendix.xlsx?year=2026", None, EVERYONE),
    ("kpis.new", "GET", "/kpis/new", None, expect(MANAGES, 200, hidden=None)),
    ("kpis.new", "POST", "/kpis/new", {**RATIO_KPI, "measure": "percent", "aggregation": "latest"},
     expect(MANAGES, 303, hidden=None)),
    ("kpis.detail", "GET", "/kpis/{kpi}?period=2026-Q1", None, EVERYONE),
    ("kpis.export", "GET", "/kpis/{kpi}/export.xlsx?period=2026-Q1", None, EVERYONE),
    ("kpis.targets", "GET", "/kpis/{kpi}/targets", None, EVERYONE),
    ("kpis.targets", "POST", "/kpis/{kpi}/targets", {"scope": "kind:commune", "period": "2026", "target_value": "70"},
     expect(MANAGES, 303, hidden=None)),
    ("kpis.measurements", "GET", "/kpis/{kpi}/measurements", None, expect(ENTERS, 200, hidden=None)),
    ("kpis.measurements", "POST", "/kpis/{kpi}/measurements",
     {"unit_id": "{lead}", "period_end": "2026-03-31", "numerator": "5", "denominator": "10"},
     expect(ENTERS_FOR_LEAD, 303, hidden=None)),
    ("kpis.measurement_template", "GET", "/kpis/{kpi}/import/template.xlsx", None, expect(ENTERS, 200, hidden=None)),
    ("kpis.import_measurements_page", "GET", "/kpis/{kpi}/import", None, expect(ENTERS, 200, hidden=None)),
    # Without a file the form comes back with its error (200); the file flows are in test_import.py.
    ("kpis.import_measurements_page", "POST", "/kpis/{kpi}/import", {}, expect(ENTERS, 200, hidden=None)),
    ("kpis.target_template", "GET", "/kpis/{kpi}/targets/template.xlsx", None, expect(MANAGES, 200, hidden=None)),
    ("kpis.import_targets_page", "GET", "/kpis/{kpi}/targets/import", None, expect(MANAGES, 200, hidden=None)),
    ("kpis.import_targets_page", "POST", "/kpis/{kpi}/targets/import", {}, expect(MANAGES, 200, hidden=None)),
    ("kpis.unit", "GET", "/kpis/units/{lead}", None, EVERYONE),
    ("kpis.unit_export", "GET", "/kpis/units/{lead}.xlsx?period=2026", None, EVERYONE),
    ("kpis.link", "GET", "/kpis/tasks/{task}/targets", None, expect(MANAGES, 200)),
    ("kpis.link", "POST", "/kpis/tasks/{task}/targets", {"target_ids": "{kpi_target}"}, expect(MANAGES, 303)),
    ("api.kpis", "GET", "/api/v1/kpis", None, EVERYONE),
    ("api.create_kpi", "POST", "/api/v1/kpis", RATIO_KPI, expect(MANAGES, 201, hidden=None)),
    ("api.kpi", "GET", "/api/v1/kpis/{kpi}", None, EVERYONE),
    ("api.kpi_targets", "GET", "/api/v1/kpis/{kpi}/targets", None, EVERYONE),
    ("api.create_kpi_target", "POST", "/api/v1/kpis/{kpi}/targets",
     {"unit_kind": "commune", "period": "2026", "target_value": 70}, expect(MANAGES, 201, hidden=None)),
    ("api.kpi_measurements", "GET", "/api/v1/kpis/{kpi}/measurements", None, EVERYONE),
    ("api.create_kpi_measurement", "POST", "/api/v1/kpis/{kpi}/measurements",
     {"unit_id": "{lead}", "period_end": "2026-03-31", "numerator": 5, "denominator": 10},
     expect(ENTERS_FOR_LEAD, 201, hidden=None)),
    ("api.kpi_progress", "GET", "/api/v1/kpis/{kpi}/progress?period=2026-Q1", None, EVERYONE),
]


def setup(users, values):
    office = users["office"]
    kpi = create_kpi(office, code="KYSO", name="Tỷ lệ văn bản ký số", measure="%", formula="ratio",
                     direction="at_least", numerator_label="Số văn bản ký số", denominator_label="Tổng số văn bản")
    target = set_target(kpi, office, period="2026", unit_kind="department", target_value=90)
    record_measurement(kpi, values["lead_unit_id"], dt.date(2026, 2, 28), numerator=88, denominator=100,
                       source="imported", actor=office)
    values.update(kpi=kpi.id, kpi_target=target.id)
