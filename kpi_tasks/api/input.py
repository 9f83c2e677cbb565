"""Reading API input: JSON bodies and query strings, with Vietnamese messages per field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, request

from kpi_tasks.accounts.models import User
from kpi_tasks.errors import MalformedError, ValidationError
from kpi_tasks.input_bounds import MAX_INTEGER
from kpi_tasks.pagination import MAX_PER_PAGE
from kpi_tasks.text import MAX_YEAR, MIN_YEAR, parse_iso_date


def api_user() -> User:
    return g.api_user




class Fields:
    """Typed access to a mapping of input values; errors are collected, then raised together (422)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.errors[name] = "Trường này là bắt buộc."
            return None
        if not isinstance(value, str):
            self.errors[name] = "Phải là chuỗi ký tự."
            return None
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.errors[name] = "Trường này là bắt buộc."
            return None
        if isinstance(value, bool):
            self.errors[name] = "Phải là số nguyên."
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int):
            self.errors[name] = "Phải là số nguyên."
            return None
        if abs(value) > MAX_INTEGER:
            self.errors[name] = "Số quá lớn."
            return None
        return value

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.errors[name] = "Trường này là bắt buộc."
            return None
        try:
            return parse_iso_date(value) if isinstance(value, str) and len(value) == 10 else _bad()
        except ValueError:
            self.errors[name] = f"Ngày phải theo dạng YYYY-MM-DD, từ năm {MIN_YEAR} đến năm {MAX_YEAR}."
            return None

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "0", "false"):
            return value.lower() in ("1", "true")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self.errors[name] = "Phải là true hoặc false."
        return default

    def int_list(self, name: str) -> list[int]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.errors[name] = "Phải là danh sách số nguyên."
            return []
        if any(abs(v) > MAX_INTEGER for v in value):
            self.errors[name] = "Có số quá lớn trong danh sách."
            return []
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is not None and value not in choices:
            self.errors[name] = "Giá trị phải là một trong: " + ", ".join(choices) + "."
            return None
        return value

    def done(self) -> None:
        if self.errors:
            raise ValidationError("Dữ liệu gửi lên chưa hợp lệ.", self.errors)


def json_fields() -> Fields:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedError("Nội dung gửi lên phải là một đối tượng JSON (Content-Type: application/json).")
    return Fields(data)


def query_fields() -> Fields:
    return Fields(request.args.to_dict())


def page_params(fields: Fields) -> tuple[int, int]:
    page = fields.integer("page") or 1
    per_page = fields.integer("per_page") or 50
    if page < 1:
        fields.errors["page"] = "Số trang phải từ 1."
    if not 1 <= per_page <= MAX_PER_PAGE:
        fields.errors["per_page"] = f"Số dòng mỗi trang phải từ 1 đến {MAX_PER_PAGE}."
    return page, per_page


def _bad() -> dt.date:
    raise ValueError


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601 for the API. Stored timestamps are UTC; SQLite hands them back without the offset."""
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()
