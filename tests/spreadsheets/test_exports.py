"""Every export writes user-typed text as text: a title or a name typed as a formula is not a formula in Excel."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.dossiers.importing import Rejection, write_rejected
from kpi_tasks.kpis.services import record_measurement, set_target
from kpi_tasks.milestones.services import add_milestone
from kpi_tasks.spreadsheets.cells import csv_field
from tests.factories import api_headers, commit, login, make_task, make_unit, make_user
from tests.kpis.helpers import make_kpi

HYPERLINK = '=HYPERLINK("http://ke-gian.example/","Bấm vào đây")'
COMMAND = "=cmd|' /C calc'!A0"
PAYLOAD_MARKS = ("HYPERLINK", "cmd|")


@pytest.fixture
def planted(app):
    """A unit, a task, its progress table and a KPI whose names carry formulas, as a lead unit or the office
    could type them."""
    with app.app_context():
        unit = make_unit(HYPERLINK, code="DOC")
        office = make_user("office", username="vanphong")
        manager = make_user("unit_manager", unit)
        task = make_task(unit, deadline=dt.date(2026, 3, 10), title=COMMAND)
        add_milestone(task, manager, step=COMMAND, due_on=dt.date(2026, 3, 5), note=HYPERLINK)
        kpi = make_kpi(office, name=COMMAND)
        set_target(kpi, SYSTEM, period="2026-Q1", target_value=80, unit_id=unit.id)
        record_measurement(kpi, unit, dt.date(2026, 3, 15), numerator=5, denominator=10, actor=SYSTEM)
        ids = {"task": task.id, "kpi": kpi.id, "headers": api_headers(office)}
        commit()
    return ids


def _cells_with_payload(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str) and any(mark in cell.value for mark in PAYLOAD_MARKS)]


def test_every_export_writes_typed_formulas_as_text(app, client, planted):
    login(client, "vanphong")
    exports = {
        "tasks.xlsx (page)": client.get("/reports/tasks.xlsx"),
        "tasks.xlsx (API)": client.get("/api/v1/reports/tasks.xlsx", headers=planted["headers"]),
        "units.xlsx": client.get("/reports/units.xlsx"),
        "monthly.xlsx": client.get("/reports/monthly.xlsx?month=2026-03"),
        "milestones.xlsx": client.get(f"/tasks/{planted['task']}/milestones.xlsx"),
        "KPI export": client.get(f"/kpis/{planted['kpi']}/export.xlsx?period=2026-Q1"),
        "KPI template": client.get(f"/kpis/{planted['kpi']}/import/template.xlsx?dates=31/03/2026"),
        "KPI targets template": client.get(f"/kpis/{planted['kpi']}/targets/template.xlsx"),
        "scoring appendix": client.get("/scoring/2026/draft.xlsx"),
    }
    for name, response in exports.items():
        assert response.status_code == 200, name
        cells = _cells_with_payload(response.data)
        assert cells, f"{name}: the planted text is not in the export"
        formulas = [f"{cell.coordinate}={cell.value!r}" for cell in cells if cell.data_type != "s"]
        assert formulas == [], name
        assert {cell.value for cell in cells} & {HYPERLINK, COMMAND}, f"{name}: the text is not kept as typed"


def test_the_exports_own_totals_stay_formulas(app, client, planted):
    login(client, "vanphong")
    milestones = load_workbook(io.BytesIO(client.get(f"/tasks/{planted['task']}/milestones.xlsx").data)).active
    assert any(cell.data_type == "f" and cell.value.startswith("=COUNTA(") for row in milestones.iter_rows()
               for cell in row)
    tasks = load_workbook(io.BytesIO(client.get("/reports/tasks.xlsx").data))
    assert any(cell.data_type == "f" for sheet in tasks.worksheets for row in sheet.iter_rows() for cell in row)


def test_csv_fields_that_a_spreadsheet_would_run_get_an_apostrophe():
    assert [csv_field(value) for value in ("=1+2", "+84", "-x", "@SUM(A1)", "\tA", "Bình thường", 5, -3)] == [
        "'=1+2", "'+84", "'-x", "'@SUM(A1)", "'\tA", "Bình thường", 5, -3]


def test_the_rejected_rows_file_neutralises_formulas(tmp_path):
    path = tmp_path / "rejected.csv"
    with path.open("wb") as target:
        write_rejected(target, [Rejection(3, "=HYPERLINK(\"http://x\")"), Rejection(4, "Dòng 4: thiếu mã hồ sơ.")])
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1] == ["3", "'=HYPERLINK(\"http://x\")"]
    assert rows[2] == ["4", "Dòng 4: thiếu mã hồ sơ."]
