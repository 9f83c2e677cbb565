"""Bounds on every request's input, in one place for the pages and the API.

- Query strings and form fields (`BoundedArgs`, the request's parameter storage): control characters are
  dropped (a NUL cannot even reach PostgreSQL, which refuses it in text), and a request that carried a NUL is
  refused with 400; an integer asked for with `args.get(name, type=int)` beyond the database's integer range
  (`?page=99999999999999999999`) counts as not given, like any unreadable number.
- JSON bodies: nesting is limited (MAX_JSON_DEPTH; 100,000 levels would exhaust the parser's recursion), and a
  string or key with a control character is refused with 400, naming where it is.
- Dates are bounded where they are read (`text.parse_user_date`, `text.parse_iso_date`: 1900–2100), route ids
  by the `int` converter (web.py), API integers by `api.schema.Int`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest

from kpi_tasks.errors import MalformedError

# Largest integer accepted from input: ids and counts fit in a 32-bit signed column on every database.
MAX_INTEGER = 2**31 - 1
MAX_JSON_DEPTH = 32
# C0 control characters and DEL, except tab, line feed and carriage return, which text legitimately holds.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NUL_MESSAGE = "Dữ liệu gửi lên có ký tự NUL (mã 0), không hợp lệ. Vui lòng nhập lại."


class BoundedArgs(ImmutableMultiDict):
    """The request's query and form values, without control characters; `had_nul` says whether one was a NUL."""

    def __init__(self, mapping: Any = None) -> None:
        self.had_nul = False
        super().__init__([(self._clean(key), self._clean(value)) for key, value in _pairs(mapping)])

    def _clean(self, value: Any) -> Any:
        if not isinstance(value, str) or not CONTROL_CHARACTERS.search(value):
            return value
        self.had_nul = self.had_nul or "\x00" in value
        return CONTROL_CHARACTERS.sub("", value)

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:
        value = super().get(key, default=default, type=type)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            return default  # beyond any id or page there is: as if unreadable
        return value


def _pairs(mapping: Any) -> Iterable[tuple[Any, Any]]:
    if mapping is None:
        return []
    if isinstance(mapping, MultiDict):
        return list(mapping.items(multi=True))
    if isinstance(mapping, dict):
        return [(key, item) for key, value in mapping.items()
                for item in (value if isinstance(value, list | tuple) else [value])]
    return list(mapping)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested beyond the parser's recursion is unreadable JSON (400), not a crash."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            if has_request_context():
                g.json_too_deep = True  # Flask's 400 no longer carries the reason outside debug mode
            raise ValueError("nested too deep") from None


def check_request_input() -> None:
    """Before every view: refuse a NUL in the query or form, and a JSON body too deep or with control
    characters (400, in the page's or the API's error shape)."""
    if getattr(request.args, "had_nul", False):
        raise MalformedError(NUL_MESSAGE)
    # The form only once something read it (CSRF does for every page form): parsing it here would read an upload
    # before its view raises the size limit for it (the dossier import's).
    if getattr(request.__dict__.get("form"), "had_nul", False):
        raise MalformedError(NUL_MESSAGE)
    if request.is_json and request.content_length:
        try:
            data = request.get_json()
        except BadRequest:
            raise MalformedError(f"Nội dung JSON lồng quá sâu (tối đa {MAX_JSON_DEPTH} cấp)."
                                 if g.get("json_too_deep") else "Nội dung gửi lên không phải JSON hợp lệ.") from None
        problem = _json_problem(data)
        if problem:
            raise MalformedError(problem)


def _json_problem(data: Any) -> str | None:
    """What is wrong with a parsed JSON body, walked without recursion; None when nothing is."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"Nội dung JSON lồng quá sâu (tối đa {MAX_JSON_DEPTH} cấp)."
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
                return f"Trường “{where or 'nội dung'}” có ký tự điều khiển (ví dụ NUL), không hợp lệ."
        elif isinstance(value, dict):
            for key, item in value.items():
                if CONTROL_CHARACTERS.search(key):
                    return "Tên trường có ký tự điều khiển (ví dụ NUL), không hợp lệ."
                stack.append((item, depth + 1, f"{where}.{key}" if where else key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{where}[{index}]") for index, item in enumerate(value))
    return None


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    app.request_class = type("BoundedRequest", (app.request_class,), {"parameter_storage_class": BoundedArgs})
    app.before_request(check_request_input)
