"""The OpenAPI 3.1 document of /api/v1, written next to the handlers it describes."""

from __future__ import annotations

from typing import Any

from kpi_tasks.tasks.status import STATUSES
from kpi_tasks.units.models import UNIT_KINDS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _answer(status: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


ERRORS = {
    code: {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
    for code, text in {
        "400": "Malformed request",
        "401": "Missing or bad token",
        "403": "Not allowed",
        "404": "Not found or not visible",
        "409": "Conflict (stale version or wrong state)",
        "413": "Too large",
        "422": "Invalid values",
    }.items()
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: ERRORS[code] for code in ("401", *codes)}


def _id_param(name: str = "id") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": INT}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGE_PARAMS = [
    _query("page", {"type": "integer", "minimum": 1}),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}),
]
TASK_FILTERS = [
    _query("status", {"type": "string", "enum": list(STATUSES)}),
    _query("unit_id", INT),
    _query("role", {"type": "string", "enum": ["lead", "coordinating"]}),
    _query("due_soon", {"type": "string", "enum": ["0", "1"]}),
    _query("q", STR, "accent-insensitive text search"),
    _query("deadline_from", DATE),
    _query("deadline_to", DATE),
    _query("directive_id", INT),
]

SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {"error": _obj({"code": STR, "message": STR, "fields": {"type": "object", "additionalProperties": STR}},
                       ["code", "message", "fields"])},
        ["error"],
    ),
    "Unit": _obj(
        {"id": INT, "code": STR, "name": STR, "kind": {"type": "string", "enum": list(UNIT_KINDS)},
         "parent_id": _nullable(INT)},
        ["id", "code", "name", "kind", "parent_id"],
    ),
    "UnitInput": _obj(
        {"code": STR, "name": STR, "kind": {"type": "string", "enum": list(UNIT_KINDS)}, "parent_id": _nullable(INT)},
        ["code", "name", "kind"],
    ),
    "DirectiveInput": _obj(
        {"number": STR, "issued_on": DATE, "issuer": STR, "signer": _nullable(STR), "subject": STR,
         "kind": STR, "parent_id": _nullable(INT), "confidential": BOOL},
        ["number", "issued_on", "issuer", "subject"],
    ),
    "Directive": _obj(
        {"id": INT, "number": STR, "kind": STR, "issued_on": DATE, "issuer": STR, "signer": _nullable(STR),
         "subject": STR, "parent_id": _nullable(INT), "confidential": BOOL, "version": INT,
         "tasks": {"type": "array", "items": _ref("Task")}},
        ["id", "number", "issued_on", "issuer", "subject", "tasks"],
    ),
    "TaskInput": _obj(
        {"title": STR, "content": _nullable(STR), "section": _nullable(STR), "lead_unit_id": INT,
         "coordinating_unit_ids": {"type": "array", "items": INT}, "deadline": _nullable(DATE),
         "deadline_working_days": _nullable(INT), "leader_id": _nullable(INT),
         "recurrence": _nullable(STR), "kpi_target_ids": {"type": "array", "items": INT}},
        ["title", "lead_unit_id"],
    ),
    "Task": _obj(
        {"id": INT, "directive_id": INT, "title": STR, "content": STR, "section": _nullable(STR),
         "lead_unit_id": INT, "coordinating_unit_ids": {"type": "array", "items": INT},
         "assignee_ids": {"type": "array", "items": INT}, "leader_id": _nullable(INT), "deadline_kind": STR,
         "deadline": _nullable(DATE), "deadline_working_days": _nullable(INT), "effective_deadline": _nullable(DATE),
         "status": {"type": "string", "enum": list(STATUSES)}, "due_soon": BOOL, "progress_percent": INT,
         "completion_reported_on": _nullable(DATE), "completed_on": _nullable(DATE),
         "review_note": _nullable(STR), "version": INT},
        ["id", "directive_id", "title", "lead_unit_id", "coordinating_unit_ids", "deadline", "effective_deadline",
         "status", "due_soon", "progress_percent", "completed_on", "version"],
    ),
    "HistoryEvent": _obj(
        {"at": DATETIME, "actor_id": _nullable(INT), "actor": _nullable(STR), "action": STR,
         "changes": {"type": "object"}, "note": _nullable(STR)},
        ["at", "action"],
    ),
    "ProgressUpdate": _obj(
        {"id": INT, "task_id": INT, "unit_id": INT, "author_id": INT, "progress_percent": _nullable(INT),
         "note": STR, "report_completed": BOOL, "completed_on": _nullable(DATE), "created_at": DATETIME},
        ["id", "task_id", "progress_percent", "note", "report_completed"],
    ),
    "UpdateInput": _obj(
        {"progress_percent": _nullable({"type": "integer", "minimum": 0, "maximum": 100}), "note": _nullable(STR),
         "report_completed": BOOL, "completed_on": _nullable(DATE), "version": INT},
    ),
    "ReviewInput": _obj(
        {"decision": {"type": "string", "enum": ["approve", "return"]}, "note": _nullable(STR), "version": INT},
        ["decision"],
    ),
    "UnitStats": _obj(
        {"unit_id": INT, "unit_code": STR, "unit_name": STR, "assigned": INT, "in_progress": INT, "overdue": INT,
         "awaiting_review": INT, "done_on_time": INT, "done_late": INT, "ongoing": INT,
         "on_time_rate": _nullable({"type": "number"})},
        ["unit_id", "assigned", "in_progress", "overdue", "awaiting_review", "done_on_time", "done_late",
         "on_time_rate"],
    ),
}
SCHEMAS["TaskDetail"] = {
    "allOf": [
        _ref("Task"),
        _obj({"history": {"type": "array", "items": _ref("HistoryEvent")},
              "updates": {"type": "array", "items": _ref("ProgressUpdate")}}, ["history"]),
    ]
}
SCHEMAS["TaskPage"] = _obj(
    {"items": {"type": "array", "items": _ref("Task")}, "total": INT, "page": INT, "per_page": INT},
    ["items", "total", "page", "per_page"],
)


def _paths() -> dict[str, Any]:
    return {
        "/units": {
            "get": {"summary": "Danh sách đơn vị", "responses": {
                **_answer("200", _obj({"items": {"type": "array", "items": _ref("Unit")}}, ["items"]), "Units"),
                **_errors()}},
            "post": {"summary": "Thêm đơn vị (admin)", "requestBody": _json_body(_ref("UnitInput")), "responses": {
                **_answer("201", _ref("Unit"), "Created"), **_errors("400", "403", "422")}},
        },
        "/directives": {
            "post": {"summary": "Nhập văn bản chỉ đạo (office)", "requestBody": _json_body(_ref("DirectiveInput")),
                     "responses": {**_answer("201", _ref("Directive"), "Created"), **_errors("400", "403", "422")}},
        },
        "/directives/{id}": {
            "get": {"summary": "Văn bản và các nhiệm vụ", "parameters": [_id_param()], "responses": {
                **_answer("200", _ref("Directive"), "Directive"), **_errors("404")}},
        },
        "/directives/{id}/tasks": {
            "post": {"summary": "Giao nhiệm vụ (office)", "parameters": [_id_param()],
                     "requestBody": _json_body(_ref("TaskInput")), "responses": {
                         **_answer("201", _ref("TaskDetail"), "Created"), **_errors("400", "403", "404", "422")}},
        },
        "/tasks": {
            "get": {"summary": "Danh sách nhiệm vụ", "parameters": [*TASK_FILTERS, *PAGE_PARAMS], "responses": {
                **_answer("200", _ref("TaskPage"), "Tasks"), **_errors("422")}},
        },
        "/tasks/{id}": {
            "get": {"summary": "Chi tiết nhiệm vụ và lịch sử", "parameters": [_id_param()], "responses": {
                **_answer("200", _ref("TaskDetail"), "Task"), **_errors("404")}},
            "patch": {"summary": "Sửa nhiệm vụ (office); cần version", "parameters": [_id_param()],
                      "requestBody": _json_body({"allOf": [_ref("TaskInput"), _obj({"version": INT}, ["version"])]}),
                      "responses": {**_answer("200", _ref("TaskDetail"), "Task"),
                                    **_errors("400", "403", "404", "409", "422")}},
        },
        "/tasks/{id}/updates": {
            "post": {"summary": "Cập nhật tiến độ, báo cáo hoàn thành (đơn vị)", "parameters": [_id_param()],
                     "requestBody": _json_body(_ref("UpdateInput")), "responses": {
                         **_answer("201", {"allOf": [_ref("ProgressUpdate"), _obj({"task": _ref("TaskDetail")})]},
                                   "Created"),
                         **_errors("400", "403", "404", "409", "422")}},
        },
        "/tasks/{id}/review": {
            "post": {"summary": "Xác nhận hoặc trả lại (office)", "parameters": [_id_param()],
                     "requestBody": _json_body(_ref("ReviewInput")), "responses": {
                         **_answer("200", _ref("TaskDetail"), "Task"), **_errors("400", "403", "404", "409", "422")}},
        },
        "/stats/units": {
            "get": {"summary": "Thống kê theo đơn vị chủ trì", "parameters": [
                _query("from", DATE), _query("to", DATE), _query("unit_id", INT)], "responses": {
                **_answer("200", _obj({"items": {"type": "array", "items": _ref("UnitStats")}}, ["items"]), "Stats"),
                **_errors("422")}},
        },
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "kpi_tasks API", "version": "1", "description": "API theo dõi nhiệm vụ (API.md)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
