"""A package's API operations, each declared once: its route, its schemas, its answers and its errors.

    routes = ApiRoutes()

    @routes.operation("POST", "/tasks/<int:task_id>/review", "review_task", "Xác nhận hoặc trả lại (office)",
                      body=ReviewInput, answer=TaskDetail, errors="400 403 404 409 422")
    def review_task_api(task_id: int, body: ReviewInput) -> TaskDetail: ...

The blueprint calls the handler with the validated `body` (JSON) or `query` (query string) and answers its
model as JSON with the declared status; openapi.py writes the same declaration into the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, request
from pydantic import BaseModel

from kpi_tasks.api.schema import validated
from kpi_tasks.errors import MalformedError

Schema = type[BaseModel] | dict[str, Any]
_RULE_VARIABLE = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Operation:
    handler: Callable[..., Any]
    method: str
    rule: str  # Flask's: /tasks/<int:task_id>
    endpoint: str
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    answer: Schema | None = None
    description: str = ""
    errors: tuple[str, ...] = ()
    # What the document says besides: other answers' schemas ({202: (JobStarted, "...")}), a file upload's body,
    # file answers (file_answer).
    other_answers: dict[int, tuple[Schema, str]] = field(default_factory=dict)
    request_body: dict[str, Any] | None = None
    responses: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The document's path: /tasks/{id}; the first variable is `id`, as API.md writes it."""
        names = iter(range(len(_RULE_VARIABLE.findall(self.rule))))
        return _RULE_VARIABLE.sub(lambda m: "{id}" if next(names) == 0 else "{" + m[2] + "}", self.rule)

    def path_parameters(self) -> list[dict[str, Any]]:
        found = _RULE_VARIABLE.findall(self.rule)
        return [
            {"name": "id" if position == 0 else name, "in": "path", "required": True,
             "schema": {"type": "integer" if converter == "int" else "string"}}
            for position, (converter, name) in enumerate(found)
        ]


class ApiRoutes:
    """One package's operations; `api_blueprint` adds them to the blueprint and to the document."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def operation(self, method: str, rule: str, endpoint: str, summary: str, *, errors: str = "",
                  **details: Any) -> Callable:
        """Declare the decorated function as the handler of `method` `rule` (the blueprint's `endpoint`);
        `errors`: the error statuses it may answer besides 401, as "400 404"."""

        def declare(handler: Callable) -> Callable:
            self.operations.append(Operation(handler, method, rule, endpoint, summary,
                                             errors=tuple(errors.split()), **details))
            return handler

        return declare

    def __call__(self, bp: Blueprint) -> None:
        for operation in self.operations:
            bp.add_url_rule(operation.rule, operation.endpoint, _view(operation), methods=[operation.method])


def _view(operation: Operation) -> Callable:
    handler = operation.handler

    @wraps(handler)
    def view(**path: Any) -> Any:
        if operation.body is not None:
            path["body"] = validated(operation.body, _json_object())
        if operation.query is not None:
            path["query"] = validated(operation.query, request.args.to_dict())
        answer = handler(**path)
        if isinstance(answer, BaseModel):
            return answer.model_dump(mode="json"), operation.status
        if isinstance(answer, dict | list):
            return answer, operation.status
        return answer

    return view


def _json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedError("Nội dung gửi lên phải là một đối tượng JSON (Content-Type: application/json).")
    return data


def file_upload(description: str) -> dict[str, Any]:
    """A multipart body of one file in the field `file`."""
    file = {"type": "string", "format": "binary", "description": description}
    schema = {"type": "object", "properties": {"file": file}, "required": ["file"]}
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def file_answer(description: str, *content_types: str) -> dict[str, Any]:
    """200 with a file of one of `content_types`."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"200": {"description": description, "content": dict.fromkeys(content_types, binary)}}
