"""The types API schemas are written in: pydantic models whose fields read input by the contract's rules.

A body or query model validates a request and answers 422 with one Vietnamese message per field (API.md's
error shape); an output model shapes the answer; both give the OpenAPI document its schemas (openapi.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from kpi_tasks.errors import ValidationError
from kpi_tasks.input_bounds import MAX_INTEGER
from kpi_tasks.pagination import MAX_PER_PAGE
from kpi_tasks.text import MAX_YEAR, MIN_YEAR, parse_iso_date

ModelT = TypeVar("ModelT", bound=BaseModel)

REQUIRED = "Trường này là bắt buộc."
INVALID = "Dữ liệu gửi lên chưa hợp lệ."


def refuse(message: str, field: str | None = None) -> PydanticCustomError:
    """A field's error; `field` names it when a model's own validator (across fields) raises it."""
    return PydanticCustomError("invalid", message, {"field": field} if field else None)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise refuse("Phải là chuỗi ký tự.")
    return value


def _integer(value: Any) -> int | None:
    """JSON integers, and digits in a query string; never true/false or 1.5."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse("Phải là số nguyên.")
    if abs(value) > MAX_INTEGER:
        raise refuse("Số quá lớn.")
    return value


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return parse_iso_date(value)
    except ValueError:
        pass
    raise refuse(f"Ngày phải theo dạng YYYY-MM-DD, từ năm {MIN_YEAR} đến năm {MAX_YEAR}.")


def _boolean(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "0", "false"):
        return value.lower() in ("1", "true")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise refuse("Phải là true hoặc false.")


def _int_list(value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise refuse("Phải là danh sách số nguyên.")
    if any(abs(v) > MAX_INTEGER for v in value):
        raise refuse("Có số quá lớn trong danh sách.")
    return value


def required_value(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read_required(value: Any) -> Any:
        result = read(value)
        if result is None:
            raise PydanticCustomError("required", REQUIRED)
        return result

    return read_required


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    def read_choice(value: Any) -> str | None:
        text = _text(value)
        if text is not None and text not in choices:
            raise refuse("Giá trị phải là một trong: " + ", ".join(choices) + ".")
        return text

    return read_choice


# Input fields. An optional one reads "" and null as not given (None); a Required one refuses them.
Text = Annotated[str | None, BeforeValidator(_text)]
RequiredText = Annotated[str, BeforeValidator(required_value(_text))]
Int = Annotated[int | None, BeforeValidator(_integer)]
RequiredInt = Annotated[int, BeforeValidator(required_value(_integer))]
Day = Annotated[dt.date | None, BeforeValidator(_date)]
RequiredDay = Annotated[dt.date, BeforeValidator(required_value(_date))]
Flag = Annotated[bool, BeforeValidator(_boolean)]
IntList = Annotated[list[int], BeforeValidator(_int_list)]
# "0" or "1" in a query string (due_soon=1), read as a boolean.
QueryFlag = Annotated[bool, BeforeValidator(_boolean), WithJsonSchema({"type": "string", "enum": ["0", "1"]})]


def one_of(*choices: str, required: bool = False) -> Any:
    """A text field that must be one of `choices` (an enum in the document)."""
    read = required_value(_one_of(choices)) if required else _one_of(choices)
    kind: Any = Literal[choices]  # type: ignore[valid-type]
    return Annotated[kind if required else kind | None, BeforeValidator(read)]


def schema_named(name: str) -> dict[str, str]:
    """The schema of that name in the document, declared by a package above this one (openapi.py links it)."""
    return {"x-schema": name}


def documented_enum(*values: str) -> Any:
    """An answer's text whose values the document lists; not checked on the way out (a new value is no 500)."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


# Output fields. Stored timestamps are UTC; SQLite hands them back without the offset.
def iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601 for the API."""
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


Instant = Annotated[
    dt.datetime, PlainSerializer(iso, return_type=str), WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Body(BaseModel):
    """A JSON body or a query string: unknown names are ignored, as they always were."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def problems(cls, data: dict[str, Any]) -> dict[str, str]:
        """What is wrong across fields of `data`, reported with (after) each field's own error."""
        return {}


class Out(BaseModel):
    """An answer's object: every field is always there (null when empty), which the document says."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    @classmethod
    def of(cls, source: object, **values: Any) -> Any:
        """This model from `source`'s attributes of the same names; `values` gives the others."""
        return cls.model_validate(
            {name: values[name] if name in values else getattr(source, name) for name in cls.model_fields}
        )


class ErrorDetail(Out):
    code: str
    message: str
    fields: dict[str, str]


class Error(Out):
    """Every error's answer (API.md): a code, a Vietnamese message, a message per field."""

    error: ErrorDetail


def page_number(value: Any) -> int:
    number = _integer(value) or 1
    if number < 1:
        raise refuse("Số trang phải từ 1.")
    return number


def page_size(value: Any) -> int:
    size = _integer(value) or 50
    if not 1 <= size <= MAX_PER_PAGE:
        raise refuse(f"Số dòng mỗi trang phải từ 1 đến {MAX_PER_PAGE}.")
    return size


class PageQuery(Body):
    """?page=1&per_page=50 (at most MAX_PER_PAGE)."""

    page: Annotated[int, BeforeValidator(page_number), WithJsonSchema({"type": "integer", "minimum": 1})] = 1
    per_page: Annotated[
        int, BeforeValidator(page_size), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE})
    ] = 50


def validated(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """`model` read from `data`, or a ValidationError (422) naming each bad field once."""
    fields: dict[str, str] = {}
    try:
        result = model.model_validate(data)
    except pydantic.ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else problem.get("ctx", {}).get("field", "body")
            fields.setdefault(name, REQUIRED if problem["type"] == "missing" else problem["msg"])
    if issubclass(model, Body):
        for name, message in model.problems(data).items():
            fields.setdefault(name, message)
    if fields:
        raise ValidationError(INVALID, fields)
    return result


class Parsed:
    """A validated query read the way a page's query string is (tasks.queries.FilterArgs): by name."""

    def __init__(self, query: BaseModel) -> None:
        self.values = query.model_dump(by_alias=True)

    def text(self, name: str, *_: object) -> Any:
        return self.values.get(name)

    integer = date = choice = boolean = text
