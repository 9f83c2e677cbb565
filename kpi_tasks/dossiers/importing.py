"""Import of the province's dossier-system exports (.xlsx, .csv): all or nothing, streamed.

The file is streamed row by row, never loaded whole. The first pass checks every row and collects every
problem with its row number, spilling the checked values to a temporary file; only when no row is wrong
does the second pass write them, in batches of BATCH_SIZE (one SELECT of the batch's codes, then one
executemany INSERT for the new dossiers and one executemany UPDATE for the changed ones), all inside the
caller's single transaction. Memory therefore grows with the number of distinct codes (kept to find
duplicates within the file), not with the file.

Columns are found by their Vietnamese headers, whatever their order, accents or case ("Mã hồ sơ",
"MA HO SO", "Số hồ sơ" …); a title block above the header row is skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import pickle
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from openpyxl.utils.datetime import from_excel

from kpi_tasks.calendar.workdays import WorkingCalendar
from kpi_tasks.clock import utcnow
from kpi_tasks.dossiers.models import (
    CODE_MAX,
    IN_PERSON,
    ONLINE,
    POSTAL,
    PROCEDURE_MAX,
    SHORT_TEXT_MAX,
    Dossier,
)
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.spreadsheets.cells import csv_field
from kpi_tasks.spreadsheets.reader import SpreadsheetRefused, csv_rows, xlsx_rows
from kpi_tasks.storage import FileStore
from kpi_tasks.text import fold, format_date
from kpi_tasks.units.models import Unit

BATCH_SIZE = 2000
HEADER_SEARCH_ROWS = 30
PREVIEW_ROWS = 10
MIN_YEAR, MAX_YEAR = 2000, 2100
KINDS = ("xlsx", "csv")


# ------------------------------------------------------------------------------------------------ columns

@dataclass(frozen=True)
class Field:
    key: str
    label: str
    aliases: tuple[str, ...]  # headers as `normalise_header` leaves them
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field("code", "Mã hồ sơ", ("ma ho so", "so ho so", "ma so ho so", "ma hs", "so hs", "so bien nhan",
                               "ma bien nhan", "so hieu ho so"), required=True),
    Field("procedure", "Tên thủ tục", ("ten thu tuc", "thu tuc", "ten thu tuc hanh chinh", "thu tuc hanh chinh",
                                       "ten tthc", "tthc")),
    Field("field", "Lĩnh vực", ("linh vuc", "ten linh vuc", "linh vuc giai quyet")),
    Field("unit", "Đơn vị xử lý", ("don vi xu ly", "co quan giai quyet", "don vi giai quyet", "co quan xu ly",
                                   "co quan thuc hien", "don vi thuc hien", "don vi", "co quan", "ten don vi",
                                   "ten co quan", "don vi chu tri", "noi xu ly", "phong ban xu ly")),
    Field("unit_code", "Mã đơn vị", ("ma don vi", "ma co quan", "ma dv", "ma don vi xu ly", "ma co quan giai quyet")),
    Field("applicant", "Người nộp (tổ chức, cá nhân)", (
        "nguoi nop", "ten nguoi nop", "nguoi nop ho so", "chu ho so", "to chuc ca nhan", "ten to chuc ca nhan",
        "ca nhan to chuc", "nguoi dung ten", "cong dan", "ten cong dan", "nguoi yeu cau", "ho ten nguoi nop",
        "ho va ten nguoi nop", "nguoi dang ky")),
    Field("received_on", "Ngày tiếp nhận", ("ngay tiep nhan", "ngay nhan", "ngay nop", "ngay nhan ho so",
                                            "thoi gian tiep nhan", "ngay tiep nhan ho so", "ngay nop ho so"),
          required=True),
    Field("due_on", "Ngày hẹn trả", ("ngay hen tra", "han xu ly", "ngay hen tra ket qua", "han giai quyet",
                                     "ngay hen", "thoi han giai quyet", "han tra ket qua", "ngay den han",
                                     "han hoan thanh"), required=True),
    Field("resolved_on", "Ngày trả kết quả", ("ngay tra ket qua", "ngay hoan thanh", "ngay co ket qua",
                                              "ngay giai quyet", "ngay ket thuc", "ngay xu ly xong", "ngay tra",
                                              "thoi gian tra ket qua", "ngay giai quyet xong",
                                              "ngay hoan thanh xu ly", "thoi gian hoan thanh")),
    Field("channel", "Hình thức nộp", ("hinh thuc nop", "kenh", "kenh nop", "hinh thuc tiep nhan",
                                       "hinh thuc nop ho so", "kenh tiep nhan", "hinh thuc", "kenh nop ho so",
                                       "phuong thuc nop")),
    Field("paid_online", "Thanh toán trực tuyến", ("thanh toan truc tuyen", "thanh toan tt", "tt truc tuyen",
                                                   "thanh toan", "da thanh toan truc tuyen", "thanh toan qua mang",
                                                   "thanh toan dien tu", "thanh toan online")),
    Field("digitised", "Số hóa", ("so hoa", "da so hoa", "so hoa ho so", "ho so so hoa", "so hoa ket qua",
                                  "ho so duoc so hoa", "so hoa ho so ket qua")),
    Field("apology_letter_on", "Ngày gửi phiếu xin lỗi", ("ngay xin loi", "ngay gui phieu xin loi", "phieu xin loi",
                                                          "ngay phieu xin loi", "ngay gui thu xin loi", "thu xin loi",
                                                          "xin loi", "ngay xin loi hen lai")),
    Field("new_appointment_on", "Ngày hẹn lại", ("ngay hen lai", "ngay hen tra lai", "hen lai ngay tra",
                                                 "ngay hen moi", "ngay hen tra moi", "hen lai ngay tra ket qua",
                                                 "ngay hen lai tra ket qua", "ngay hen tra ket qua lai",
                                                 "ngay hen tra lai ket qua")),
)
FIELDS_BY_KEY = {item.key: item for item in FIELDS}
_LOWER_LABELS = {item.key: item.label.lower() for item in FIELDS}
DATE_FIELDS = ("received_on", "due_on", "resolved_on", "apology_letter_on", "new_appointment_on")
BOOL_FIELDS = ("paid_online", "digitised")
# What is written to the dossiers table (compared with the stored row to tell changed from unchanged).
DATA_COLUMNS = ("procedure", "field", "unit_id", "applicant", "received_on", "due_on", "effective_due_on",
                "resolved_on", "channel", "paid_online", "digitised", "apology_letter_on", "new_appointment_on")

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def normalise_header(text: Any) -> str:
    """"Ngày hẹn trả (dd/mm/yyyy)*" → "ngay hen tra": folded, no bracketed notes, words only."""
    if text is None:
        return ""
    folded = fold(_PARENTHESES.sub(" ", str(text)))
    return " ".join(_NOT_WORD.sub(" ", folded).split())


@dataclass
class ColumnMap:
    """Which column of the file feeds which field; `headers` as written in the file."""

    header_row: int
    headers: list[str]
    columns: dict[str, int]  # field key → 0-based column index
    ignored: list[str] = field(default_factory=list)

    @property
    def missing_required(self) -> list[str]:
        missing = [item.label for item in FIELDS if item.required and item.key not in self.columns]
        if "unit" not in self.columns and "unit_code" not in self.columns:
            missing.append(f"{FIELDS_BY_KEY['unit'].label} (tên hoặc mã đơn vị)")
        return missing

    def rows(self) -> list[tuple[str, str | None]]:
        """(header, field label or None) in the file's column order, for the preview page."""
        by_index = {index: FIELDS_BY_KEY[key].label for key, index in self.columns.items()}
        return [(header, by_index.get(index)) for index, header in enumerate(self.headers) if header]


def match_headers(values: tuple[Any, ...] | list[Any], header_row: int) -> ColumnMap:
    """Map a header row: exact variants first, then the longest variant a header starts with."""
    headers = ["" if value is None else " ".join(str(value).split()) for value in values]
    normalised = [normalise_header(value) for value in headers]
    alias_field = {alias: item.key for item in FIELDS for alias in item.aliases}
    columns: dict[str, int] = {}
    for index, text in enumerate(normalised):
        key = alias_field.get(text)
        if key is not None and key not in columns:
            columns[key] = index
    taken = set(columns.values())
    by_length = sorted(alias_field.items(), key=lambda pair: -len(pair[0]))
    for index, text in enumerate(normalised):
        if index in taken or not text:
            continue
        for alias, key in by_length:
            if key not in columns and text.startswith(alias + " "):
                columns[key] = index
                taken.add(index)
                break
    ignored = [headers[index] for index, text in enumerate(normalised) if text and index not in taken]
    return ColumnMap(header_row=header_row, headers=headers, columns=columns, ignored=ignored)


def _looks_like_header(mapping: ColumnMap) -> bool:
    return "code" in mapping.columns and len(mapping.columns) >= 3


# ------------------------------------------------------------------------------------------------ reading

class FileRefused(ValidationError):
    """The file as a whole cannot be read (wrong type, no header row); `rejected` says why."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message, {"file": message})
        self.rejected = [Rejection(row, message)]


def detect_kind(path: Path, filename: str = "") -> str:
    """"xlsx" or "csv", from the content first (a renamed file is still read right), then the name."""
    name = (filename or path.name).lower()
    if name.endswith(".xls"):
        raise FileRefused("Tệp .xls (Excel 97–2003) chưa được hỗ trợ: mở tệp bằng Excel và lưu lại dạng .xlsx "
                          "hoặc .csv rồi gửi lại.")
    if zipfile.is_zipfile(path):
        return "xlsx"
    if name.endswith(".xlsx"):
        raise FileRefused("Tệp .xlsx bị hỏng hoặc không phải tệp Excel.")
    if name.endswith((".csv", ".txt")) or not name:
        return "csv"
    raise FileRefused("Chỉ nhận tệp .xlsx hoặc .csv xuất từ hệ thống một cửa điện tử.")


@contextmanager
def open_rows(path: Path, kind: str) -> Iterator[Iterator[tuple[int, tuple[Any, ...]]]]:
    """Rows of the first sheet (xlsx) or of the file (csv) as (row number, values), streamed by the one reader
    of uploaded spreadsheets (spreadsheets/reader.py), which also says what is wrong with a file."""
    try:
        with xlsx_rows(path) if kind == "xlsx" else csv_rows(path) as rows:
            yield rows
    except SpreadsheetRefused as error:
        raise FileRefused(error.message) from error


def find_header(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> ColumnMap:
    best: ColumnMap | None = None
    for number, values in rows:
        mapping = match_headers(values, number)
        if _looks_like_header(mapping):
            return mapping
        if best is None or len(mapping.columns) > len(best.columns):
            best = mapping
        if number >= HEADER_SEARCH_ROWS:
            break
    wanted = ", ".join(f"“{item.label}”" for item in FIELDS if item.required)
    found = f" (dòng {best.header_row} chỉ khớp {len(best.columns)} cột)" if best and best.columns else ""
    raise FileRefused(
        f"Không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu của tệp{found}: cần các cột {wanted} "
        f"và “{FIELDS_BY_KEY['unit'].label}”."
    )


# ------------------------------------------------------------------------------------------------- values

class BadValue(ValueError):
    """A cell that cannot be read; the message is Vietnamese and names the cell's value."""


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d")


def parse_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell without a date format arrives as Excel's serial number.
        if not 1 <= value < 2958466:
            raise BadValue(f"“{value}” không phải là ngày")
        converted = from_excel(value)
        day = converted.date() if isinstance(converted, dt.datetime) else converted
    else:
        text = str(value).strip()
        # "16/03/2026 14:05:00" and "2026-03-16T14:05:00": the day is what counts.
        text = re.split(r"[ T]", text, maxsplit=1)[0]
        day = None
        for fmt in _DATE_FORMATS:
            try:
                day = dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
                break
            except ValueError:
                continue
        if day is None:
            raise BadValue(f"“{value}” không phải là ngày hợp lệ (dd/mm/yyyy)")
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise BadValue(f"“{format_date(day)}” có năm ngoài khoảng {MIN_YEAR}–{MAX_YEAR}")
    return day


_TRUE_WORDS = frozenset({"co", "da", "x", "1", "true", "yes", "y", "dung"})
_FALSE_WORDS = frozenset({"khong", "chua", "0", "false", "no", "n", "sai"})


def parse_flag(value: Any) -> bool | None:
    """"Có", "Đã thanh toán", "x", 1 → True; "Không", "Chưa số hóa", 0 → False; empty → not known."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise BadValue(f"“{value}” không phải Có/Không")
    text = fold(str(value))
    if not text:
        return None
    first = text.split()[0]
    if first in _TRUE_WORDS:
        return True
    if first in _FALSE_WORDS:
        return False
    raise BadValue(f"“{value}” không phải Có/Không")


def parse_channel(value: Any) -> str | None:
    if value is None:
        return None
    text = fold(str(value)).replace("_", " ")
    if not text:
        return None
    if any(word in text for word in ("buu chinh", "bcci", "buu dien", "postal")):
        return POSTAL
    if any(word in text for word in ("truc tuyen", "online", "qua mang", "dich vu cong", "dvc", "muc do 3",
                                     "muc do 4", "dien tu", "toan trinh", "mot phan")):
        return ONLINE
    if any(word in text for word in ("truc tiep", "mot cua", "tai quay", "in person", "tai co quan")):
        return IN_PERSON
    raise BadValue(f"“{value}” không phải hình thức nộp đã biết (trực tuyến, trực tiếp, bưu chính)")


def _text(value: Any) -> str:
    """A cell as clean text; Vietnamese in composed form (NFC), whichever form the export wrote it in
    (Windows' code page 1258 and some older software write tone marks as separate characters)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric code typed into Excel: 12345.0 → "12345"
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


class UnitResolver:
    """A handling unit by its code, else by its name without regard to accents or case."""

    def __init__(self) -> None:
        units = db.session.execute(sa.select(Unit.id, Unit.code, Unit.name).where(Unit.active.is_(True))).all()
        self.by_code = {code.strip().upper(): unit_id for unit_id, code, _ in units}
        self.by_name: dict[str, list[int]] = {}
        for unit_id, _, name in units:
            self.by_name.setdefault(fold(name), []).append(unit_id)
        self._cache: dict[tuple[str, str], int | str] = {}

    def resolve(self, code: str, name: str) -> int | str:
        """The unit id, or the Vietnamese reason it was not found."""
        key = (code, name)
        if key not in self._cache:
            self._cache[key] = self._resolve(code, name)
        return self._cache[key]

    def _resolve(self, code: str, name: str) -> int | str:
        for candidate in (code, name):
            if candidate and candidate.strip().upper() in self.by_code:
                return self.by_code[candidate.strip().upper()]
        matches = self.by_name.get(fold(name), []) if name else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            return f"có {len(matches)} đơn vị cùng tên “{name}”, cần ghi mã đơn vị"
        shown = " / ".join(f"“{part}”" for part in (code, name) if part)
        return f"không tìm thấy đơn vị xử lý {shown} trong danh sách đơn vị" if shown else "thiếu đơn vị xử lý"


@dataclass
class RowReader:
    """Turns a row's cells into the values of a dossier, or into the list of what is wrong with it."""

    mapping: ColumnMap
    units: UnitResolver
    calendar: WorkingCalendar
    today: dt.date
    _due_cache: dict[dt.date, dt.date] = field(default_factory=dict)

    def cell(self, values: tuple[Any, ...], key: str) -> Any:
        index = self.mapping.columns.get(key)
        if index is None or index >= len(values):
            return None
        return values[index]

    def is_blank(self, values: tuple[Any, ...]) -> bool:
        return all(_text(self.cell(values, key)) == "" for key in self.mapping.columns)

    def effective_due(self, due_on: dt.date) -> dt.date:
        if due_on not in self._due_cache:
            self._due_cache[due_on] = self.calendar.next_working_day(due_on)
        return self._due_cache[due_on]

    def read(self, values: tuple[Any, ...]) -> tuple[dict[str, Any], list[str]]:
        problems: list[str] = []
        row: dict[str, Any] = {}
        label = _LOWER_LABELS

        code = _text(self.cell(values, "code"))
        if not code:
            problems.append("thiếu mã hồ sơ")
        elif len(code) > CODE_MAX:
            problems.append(f"mã hồ sơ dài quá {CODE_MAX} ký tự")
        row["code"] = code
        for key, limit in (("procedure", PROCEDURE_MAX), ("field", SHORT_TEXT_MAX), ("applicant", SHORT_TEXT_MAX)):
            text = _text(self.cell(values, key))
            if len(text) > limit:
                problems.append(f"{label[key]} dài quá {limit} ký tự")
            row[key] = text
        row["applicant"] = row["applicant"] or None

        unit = self.units.resolve(_text(self.cell(values, "unit_code")), _text(self.cell(values, "unit")))
        if isinstance(unit, str):
            problems.append(unit)
        row["unit_id"] = unit if isinstance(unit, int) else None

        for key in DATE_FIELDS:
            try:
                row[key] = parse_date(self.cell(values, key))
            except BadValue as error:
                problems.append(f"{label[key]} {error}")
                row[key] = None
        for key in BOOL_FIELDS:
            try:
                row[key] = parse_flag(self.cell(values, key))
            except BadValue as error:
                problems.append(f"{label[key]} {error}")
                row[key] = None
        try:
            row["channel"] = parse_channel(self.cell(values, "channel"))
        except BadValue as error:
            problems.append(f"{label['channel']} {error}")
            row["channel"] = None

        problems.extend(self._check_dates(row, values, label))
        row["effective_due_on"] = self.effective_due(row["due_on"]) if row["due_on"] else None
        return row, problems

    def _check_dates(self, row: dict[str, Any], values: tuple[Any, ...], label: dict[str, str]) -> list[str]:
        problems = []
        received, due = row["received_on"], row["due_on"]
        for key in ("received_on", "due_on"):
            if row[key] is None and _text(self.cell(values, key)) == "":
                problems.append(f"thiếu {label[key]}")
        if received and due and due < received:
            problems.append(f"ngày hẹn trả {format_date(due)} trước ngày tiếp nhận {format_date(received)}")
        if received and received > self.today:
            problems.append(f"ngày tiếp nhận {format_date(received)} sau ngày hôm nay")
        for key in ("resolved_on", "apology_letter_on"):
            day = row[key]
            if day and received and day < received:
                problems.append(f"{label[key]} {format_date(day)} trước ngày tiếp nhận {format_date(received)}")
            if day and day > self.today:
                problems.append(f"{label[key]} {format_date(day)} sau ngày hôm nay")
        appointment = row["new_appointment_on"]
        if appointment and received and appointment < received:
            problems.append(f"ngày hẹn lại {format_date(appointment)} trước ngày tiếp nhận {format_date(received)}")
        return problems


# ------------------------------------------------------------------------------------------------ results

@dataclass
class Rejection:
    row: int
    message: str


class DossierImportRejected(ValidationError):
    """The file was refused whole; `rejected` lists every bad row with its Vietnamese explanation."""

    def __init__(self, rejected: list[Rejection]) -> None:
        count = len(rejected)
        super().__init__(
            f"Tệp không được nhập: có {count:,} dòng sai. Chưa có hồ sơ nào được ghi; sửa các dòng được liệt kê "
            "rồi nhập lại cả tệp.".replace(",", "."),
            {"file": "; ".join(f"dòng {item.row}: {item.message}" for item in rejected[:20])},
        )
        self.rejected = rejected


@dataclass
class Preview:
    kind: str
    mapping: ColumnMap
    rows: list[tuple[int, list[str]]]  # the first rows as the file shows them, only the mapped columns

    @property
    def labels(self) -> list[str]:
        """The field of each column shown in `rows`, in the file's order."""
        by_index = {index: FIELDS_BY_KEY[key].label for key, index in self.mapping.columns.items()}
        return [by_index[index] for index in sorted(by_index)]


@dataclass
class WriteResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (unit id, first day of month) whose rates a new or changed dossier affects, before or after the change:
    # only those are recomputed, so importing an unchanged file again records no KPI figure.
    touched: set[tuple[int, dt.date]] = field(default_factory=set)

    def touch(self, values: Any) -> None:
        unit_id = values["unit_id"]
        for key in ("received_on", "resolved_on"):
            if values[key] is not None:
                self.touched.add((unit_id, values[key].replace(day=1)))


Progress = Callable[[str, int], None]


def _display(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return format_date(value)
    return _text(value)


def preview(path: Path, kind: str, limit: int = PREVIEW_ROWS) -> Preview:
    """The column mapping and the first rows, shown to the user before anything is written."""
    with open_rows(path, kind) as rows:
        mapping = find_header(rows)
        shown: list[tuple[int, list[str]]] = []
        ordered = sorted(mapping.columns.values())
        for number, values in rows:
            if len(shown) >= limit:
                break
            cells = [_display(values[index]) if index < len(values) else "" for index in ordered]
            if any(cells):
                shown.append((number, cells))
    return Preview(kind=kind, mapping=mapping, rows=shown)


def _data_rows(path: Path, kind: str) -> Iterator[tuple[ColumnMap, int, tuple[Any, ...]]]:
    with open_rows(path, kind) as rows:
        mapping = find_header(rows)
        if mapping.missing_required:
            raise FileRefused("Tệp thiếu cột bắt buộc: " + ", ".join(mapping.missing_required) + ".",
                              mapping.header_row)
        yield mapping, 0, ()
        for number, values in rows:
            yield mapping, number, values


def validate(path: Path, kind: str, calendar: WorkingCalendar, today: dt.date,
             progress: Progress | None = None, spill: IO[bytes] | None = None) -> tuple[int, list[Rejection]]:
    """First pass: every row checked; returns (rows read, rejections). Nothing is written to the database.

    While no row is wrong, the checked values go to `spill` in pickled batches, so that the second pass
    reads them back instead of parsing the file again (parsing .xlsx is most of an import's time).
    """
    rejected: list[Rejection] = []
    first_row: dict[str, int] = {}  # code → the row it first appeared on, to name duplicates
    count = 0
    reader: RowReader | None = None
    batch: list[dict[str, Any]] = []
    for mapping, number, values in _data_rows(path, kind):
        if reader is None:
            reader = RowReader(mapping, UnitResolver(), calendar, today)
            continue
        if reader.is_blank(values):
            continue
        count += 1
        row, problems = reader.read(values)
        code = row["code"]
        if code:
            if code in first_row:
                problems.append(f"mã hồ sơ “{code}” trùng với dòng {first_row[code]}")
            else:
                first_row[code] = number
        if problems:
            rejected.append(Rejection(number, f"Dòng {number} (hồ sơ {code or 'không mã'}): " + "; ".join(problems)
                                      + "."))
        elif spill is not None and not rejected:
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                pickle.dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        if progress and count % 10_000 == 0:
            progress("validate", count)
    if count == 0 and not rejected:
        rejected.append(Rejection(reader.mapping.header_row if reader else 0,
                                  "Tệp không có dòng hồ sơ nào dưới dòng tiêu đề."))
    if spill is not None and batch and not rejected:
        pickle.dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
    return count, rejected


def write(spill: IO[bytes], progress: Progress | None = None) -> WriteResult:
    """Second pass, after `validate` found nothing wrong: the checked rows, read back from `spill` batch by
    batch, inserted where the code is new and updated where a value changed."""
    result = WriteResult()
    spill.seek(0)
    while True:
        try:
            batch = pickle.load(spill)  # noqa: S301 - written by `validate` in this very import, never received
        except EOFError:
            break
        _write_batch(batch, result)
        if progress:
            progress("write", result.rows)
    return result


def _write_batch(batch: list[dict[str, Any]], result: WriteResult) -> None:
    table = Dossier.__table__
    stored = {
        row.code: row
        for row in db.session.execute(
            sa.select(table.c.id, table.c.code, *[table.c[name] for name in DATA_COLUMNS])
            .where(table.c.code.in_([row["code"] for row in batch]))
        )
    }
    now = utcnow()
    new_rows, changed_rows = [], []
    for row in batch:
        existing = stored.get(row["code"])
        if existing is None:
            new_rows.append({**row, "created_at": now, "updated_at": now})
            result.touch(row)
        elif any(getattr(existing, name) != row[name] for name in DATA_COLUMNS):
            changed_rows.append({"row_id": existing.id, "updated_at": now,
                                 **{f"new_{name}": row[name] for name in DATA_COLUMNS}})
            result.touch(row)
            result.touch(existing._mapping)
        else:
            result.unchanged += 1
    if new_rows:
        db.session.execute(sa.insert(table), new_rows)
    if changed_rows:
        statement = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(updated_at=sa.bindparam("updated_at"),
                    **{name: sa.bindparam(f"new_{name}") for name in DATA_COLUMNS})
        )
        db.session.execute(statement, changed_rows)
    result.rows += len(batch)
    result.created += len(new_rows)
    result.updated += len(changed_rows)


# ------------------------------------------------------------------------------------- pending uploads
# Between the upload and the confirmation the file waits in the file store (storage/: UPLOAD_FOLDER, never under
# static/, or the database every app host shares, so that the preview on one host and the confirmation on another
# find it), named by its owner's id and a random token: another user cannot confirm, see or guess it.

UPLOAD_SUBFOLDER = "dossier-imports"
UPLOAD_MAX_AGE = dt.timedelta(hours=24)
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class StoredUpload:
    key: str
    file_name: str
    kind: str
    token: str
    size: int = 0


def pending_key(owner_id: int, token: str, suffix: str) -> str | None:
    """The key of one of a pending import's files (".upload", ".json", ".status.json", ".rejected.csv"); None
    for a token that is not one of ours."""
    if not _TOKEN.match(token):
        return None
    return f"{UPLOAD_SUBFOLDER}/{owner_id}-{token}{suffix}"


def store_upload(store: FileStore, owner_id: int, stream: Any, file_name: str) -> StoredUpload:
    """Save an upload for its preview; refuses a file that is neither .xlsx nor .csv. In the database store the
    file is kept when the caller commits."""
    store.delete_older_than(UPLOAD_SUBFOLDER, utcnow() - UPLOAD_MAX_AGE)
    token = secrets.token_hex(16)
    key = f"{UPLOAD_SUBFOLDER}/{owner_id}-{token}.upload"
    size = store.put(key, stream)
    try:
        with store.local_path(key) as path:
            kind = detect_kind(path, file_name)
    except FileRefused:
        store.delete(key)
        raise
    meta = {"file_name": Path(file_name or "tep").name[:SHORT_TEXT_MAX], "kind": kind}
    store.put(f"{UPLOAD_SUBFOLDER}/{owner_id}-{token}.json", json.dumps(meta).encode("utf-8"))
    return StoredUpload(key, meta["file_name"], kind, token, size)


def stored_upload(store: FileStore, owner_id: int, token: str) -> StoredUpload | None:
    key, meta_key = pending_key(owner_id, token, ".upload"), pending_key(owner_id, token, ".json")
    if key is None or meta_key is None:
        return None
    size = store.size(key)
    if size is None or not store.exists(meta_key):
        return None
    with store.open(meta_key) as handle:
        meta = json.loads(handle.read().decode("utf-8"))
    return StoredUpload(key, meta["file_name"], meta["kind"], token, size)


def discard_upload(store: FileStore, upload: StoredUpload) -> None:
    store.delete(upload.key)
    store.delete(upload.key.removesuffix(".upload") + ".json")


def write_rejected(target: IO[bytes], rejected: list[Rejection]) -> None:
    """The full list of a refused file's rows, as CSV (the page shows the first ones)."""
    handle = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    out = csv.writer(handle)
    out.writerow(["Dòng", "Lý do"])
    for item in rejected:
        out.writerow([item.row, csv_field(item.message)])
    handle.flush()
    handle.detach()  # the caller's file stays open
