"""Set-up shared by the background-job tests: a few tasks, a threshold low enough to send them to the worker."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from kpi_tasks.extensions import db
from tests.factories import make_task, make_unit, make_user

HEADER_ROW = 7  # the appendix's title block above it


def make_tasks(count: int) -> None:
    unit = make_unit("Phòng Tư pháp", code="TP")
    make_user("office")
    for number in range(count):
        make_task(unit, title=f"Việc số {number + 1}")
    db.session.commit()


def task_rows(data: bytes) -> list[str]:
    """The task titles of an exported task list, read back with openpyxl."""
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    sheet.reset_dimensions()
    titles = []
    for values in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if isinstance(values[0], int) and values[1]:
            titles.append(values[1])
    return titles


def fetch(client, path: str, headers: dict | None = None):
    """GET `path`, read the whole body and close the response (a sent file's handle with it)."""
    response = client.get(path, headers=headers)
    response.get_data()
    response.close()
    return response
