"""Must show 2 of issue 18: every Excel export read back as a phone or mail previewer reads it (openpyxl
`data_only=True`, which sees only stored values) shows a value in every cell of its total rows, and every formula
the product writes carries its value."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from kpi_tasks.milestones.services import add_milestone
from tests.dossiers.helpers import make_dossier
from tests.factories import commit, login, make_identity
from tests.reports.scenario import build_district, d

TOTAL_LABELS = {"TỔNG CỘNG"}


@pytest.fixture
def exports(app_ctx, client) -> dict[str, bytes]:
    make_identity()
    district = build_district()
    task = district.tasks["late"] if "late" in district.tasks else next(iter(district.tasks.values()))
    manager = district.manager(task.lead_unit)
    add_milestone(task, manager, step="Khảo sát", due_on=d(2, 10), done_on=d(2, 9))
    add_milestone(task, manager, step="Nghiệm thu", due_on=d(4, 10))
    make_dossier(district.justice, "TP-1", d(2, 2), d(2, 9), d(2, 11))
    make_dossier(district.justice, "TP-2", d(3, 2), d(3, 9), d(3, 12))
    make_dossier(district.commune, "CT-1", d(3, 2), d(3, 5))
    task_id, kpi_id = task.id, district.kpi.id
    commit()
    login(client, "vanphong")
    urls = {
        "task list": "/reports/tasks.xlsx",
        "statistics by unit": "/reports/units.xlsx?from=2026-03-01&to=2026-03-31",
        "monthly report (Biểu 01–05)": "/reports/monthly.xlsx?month=2026-03",
        "progress table": f"/tasks/{task_id}/milestones.xlsx",
        "KPI appendix": f"/kpis/{kpi_id}/export.xlsx?period=2026-03",
        "scoring appendix": "/scoring/2026/draft.xlsx",
        "targets appendix": "/kpis/targets-appendix.xlsx?year=2026",
        "late dossiers": "/dossiers/late.xlsx?month=2026-03",
        "apology-letter register": "/dossiers/apology-letters.xlsx?year=2026",
        "repeat offenders": "/dossiers/repeat-offenders.xlsx?year=2026",
    }
    files = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        files[name] = response.data
    return files


@pytest.mark.one_pass
def test_every_total_cell_of_every_export_has_a_stored_value(exports):
    totals_seen = 0
    for name, data in exports.items():
        formulas = load_workbook(io.BytesIO(data))
        stored = load_workbook(io.BytesIO(data), data_only=True)
        for sheet in formulas.worksheets:
            shown = stored[sheet.title]
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        assert shown[cell.coordinate].value is not None, f"{name} / {sheet.title} {cell.coordinate}"
                if row[0].value not in TOTAL_LABELS:
                    continue
                totals_seen += 1
                # Every cell of the total row that holds something (a formula, a count, a verdict) shows a value,
                # and at least one figure is there.
                filled = [cell for cell in row[2:] if cell.value is not None]
                assert filled, f"{name} / {sheet.title}: an empty total row"
                values = [shown[cell.coordinate].value for cell in filled]
                assert all(value is not None for value in values), f"{name} / {sheet.title} row {row[0].row}"
                assert any(isinstance(value, int | float) for value in values), (name, sheet.title, values)
    # the task list, the statistics, the five monthly sheets, the progress table, the KPI appendix, the scoring,
    # the late dossiers, the register's two sheets and the repeat offenders
    assert totals_seen >= 14, totals_seen
    # Rates and dates are numbers, not text.
    sheet = load_workbook(io.BytesIO(exports["monthly report (Biểu 01–05)"]), data_only=True)["Biểu 01. Thống kê"]
    rates = [row[9] for row in sheet.iter_rows(min_row=9, values_only=True) if isinstance(row[0], int)]
    assert rates
    assert all(isinstance(rate, float) and 0 <= rate <= 1 for rate in rates if rate is not None)
    late = load_workbook(io.BytesIO(exports["late dossiers"]), data_only=True).active
    assert any(isinstance(row[6], dt.datetime) for row in late.iter_rows(min_row=8, values_only=True))
