"""Dossier-system export files for the tests, written the way the province's system writes them.

Today is frozen at Monday 16/03/2026. The standard file (`standard_rows`) has, for unit TP:
- TP-ONTIME   received 02/02, due 10/02, resolved 09/02            → on time, no obligation
- TP-LATE     received 02/02, due 05/02, resolved 12/02            → late (resolved after due)
- TP-OVERDUE  received 02/03, due 10/03, not resolved              → late (unresolved after due)
- TP-NOTDUE   received 10/03, due 20/03, not resolved              → not yet due
- TP-TODAY    received 09/03, due 16/03 (today), not resolved      → not late: the due day is inclusive
- TP-WEEKEND  received 09/03, due Saturday 14/03, resolved Monday 16/03 → on time: a due date on a day off
                                                                    runs to the next working day
and for unit BT (matched by its name without accents): BT-LATE received 03/02, due 06/02, resolved 09/02.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from kpi_tasks.dossiers.models import Dossier
from kpi_tasks.dossiers.services import create_apology_obligations
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit
from tests.factories import make_unit

D = dt.date
TODAY = D(2026, 3, 16)

HEADERS = ["STT", "Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Đơn vị xử lý", "Người nộp hồ sơ", "Ngày tiếp nhận",
           "Ngày hẹn trả", "Ngày trả kết quả", "Hình thức nộp", "Thanh toán trực tuyến", "Số hóa"]


def row(code: str, unit: str, received: dt.date, due: dt.date, resolved: dt.date | None = None, *,
        channel: str = "Trực tuyến", paid: str = "Có", digitised: str = "Có", applicant: str = "Nguyễn Văn An",
        procedure: str = "Chứng thực bản sao từ bản chính", field: str = "Chứng thực") -> dict[str, Any]:
    return {"Mã hồ sơ": code, "Tên thủ tục": procedure, "Lĩnh vực": field, "Đơn vị xử lý": unit,
            "Người nộp hồ sơ": applicant, "Ngày tiếp nhận": received, "Ngày hẹn trả": due,
            "Ngày trả kết quả": resolved, "Hình thức nộp": channel, "Thanh toán trực tuyến": paid,
            "Số hóa": digitised}


def standard_rows() -> list[dict[str, Any]]:
    return [
        row("TP-ONTIME", "TP", D(2026, 2, 2), D(2026, 2, 10), D(2026, 2, 9)),
        row("TP-LATE", "TP", D(2026, 2, 2), D(2026, 2, 5), D(2026, 2, 12), channel="Trực tiếp", paid="Không"),
        row("TP-OVERDUE", "TP", D(2026, 3, 2), D(2026, 3, 10), applicant="Trần Thị Bình"),
        row("TP-NOTDUE", "TP", D(2026, 3, 10), D(2026, 3, 20)),
        row("TP-TODAY", "TP", D(2026, 3, 9), D(2026, 3, 16)),
        row("TP-WEEKEND", "TP", D(2026, 3, 9), D(2026, 3, 14), D(2026, 3, 16), channel="Bưu chính công ích"),
        row("BT-LATE", "UBND xa Binh Thanh", D(2026, 2, 3), D(2026, 2, 6), D(2026, 2, 9), digitised=""),
    ]


def make_units() -> tuple[Unit, Unit]:
    return (make_unit("Phòng Tư pháp", code="TP"),
            make_unit("UBND xã Bình Thạnh", kind="commune", code="BT"))


def _cell(value: Any, as_text: bool) -> Any:
    if isinstance(value, dt.date) and as_text:
        return value.strftime("%d/%m/%Y")
    return value


def write_xlsx(path: Path, rows: Iterable[dict[str, Any]], headers: Sequence[str] = HEADERS,
               title: bool = True) -> Path:
    """A workbook like the one-stop system's export: a title block, then the header row, then data."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách hồ sơ")
    if title:
        sheet.append(["ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM"])
        sheet.append(["DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH"])
        sheet.append([])
    sheet.append(list(headers))
    for number, values in enumerate(rows, start=1):
        sheet.append([number if header == "STT" else _cell(values.get(header), False) for header in headers])
    workbook.save(path)
    return path


def write_csv(path: Path, rows: Iterable[dict[str, Any]], headers: Sequence[str] = HEADERS,
              delimiter: str = ",", encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer, delimiter=delimiter)
    out.writerow(headers)
    for number, values in enumerate(rows, start=1):
        out.writerow([number if header == "STT" else _cell(values.get(header), True) or "" for header in headers])
    text = buffer.getvalue()
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def to_cp1258(text: str) -> bytes:
    """Text as Excel saves a CSV on a Vietnamese Windows: code page 1258, tone marks as separate characters."""
    out = []
    for char in text:
        try:
            char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
            char = base + "".join(c for c in parts if c in _TONE_MARKS)
        out.append(char)
    return "".join(out).encode("cp1258")


def make_dossier(unit: Unit, code: str, received: dt.date, due: dt.date, resolved: dt.date | None = None,
                 **values: Any) -> Dossier:
    """A dossier written directly (due dates here are working days), with its obligation if it is late."""
    dossier = Dossier(code=code, unit_id=unit.id, received_on=received, due_on=due, effective_due_on=due,
                      resolved_on=resolved, procedure=values.pop("procedure", "Cấp bản sao trích lục hộ tịch"),
                      field=values.pop("field", "Hộ tịch"), **values)
    db.session.add(dossier)
    db.session.flush()
    create_apology_obligations(TODAY)
    return dossier


def run_queued_job() -> None:
    """Run the queued background job (an import confirmed by page or API) here, as `kpi-tasks worker` would."""
    from flask import current_app

    from kpi_tasks.jobs.worker import Worker

    assert Worker(current_app._get_current_object()).run_one() is not None
