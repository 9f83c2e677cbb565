"""The OpenAPI 3.1 document of /api/v1, written next to the handlers it describes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from kpi_tasks.api.routes import ApiRoutes, Operation, Schema
from kpi_tasks.tasks.status import STATUSES
from kpi_tasks.units.models import UNIT_KINDS

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


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
    _query("mine", {"type": "string", "enum": ["0", "1"]}, "1: tasks the user is the leader in charge of or follows"),
]

SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {"error": _obj({"code": STR, "message": STR, "fields": {"type": "object", "additionalProperties": STR}},
                       ["code", "message", "fields"])},
        ["error"],
    ),
    "Unit": _obj(
        {"id": INT, "code": STR, "name": STR, "kind": {"type": "string", "enum": list(UNIT_KINDS)},
         "parent_id": _nullable(INT), "is_committee": BOOL},
        ["id", "code", "name", "kind", "parent_id", "is_committee"],
    ),
    "UnitInput": _obj(
        {"code": STR, "name": STR, "kind": {"type": "string", "enum": list(UNIT_KINDS)}, "parent_id": _nullable(INT),
         "is_committee": BOOL},
        ["code", "name", "kind"],
    ),
    "DirectiveInput": _obj(
        {"number": STR, "issued_on": DATE, "issuer": STR, "signer": _nullable(STR), "subject": STR,
         "kind": STR, "parent_id": _nullable(INT), "confidential": BOOL},
        ["number", "issued_on", "issuer", "subject"],
    ),
    "DirectivePatch": _obj(
        {"number": STR, "issued_on": DATE, "issuer": STR, "signer": _nullable(STR), "subject": STR,
         "kind": STR, "parent_id": _nullable(INT), "confidential": BOOL, "version": INT},
        ["version"],
    ),
    "Directive": _obj(
        {"id": INT, "number": STR, "kind": STR, "issued_on": DATE, "issuer": STR, "signer": _nullable(STR),
         "subject": STR, "parent_id": _nullable(INT), "confidential": BOOL, "version": INT,
         "tasks": {"type": "array", "items": _ref("Task")}},
        ["id", "number", "issued_on", "issuer", "subject", "tasks"],
    ),
}
SCHEMAS["UnitScore"] = _obj(
    {"unit_id": INT, "unit_code": STR, "unit_name": STR, "position": INT, "score": _nullable({"type": "number"}),
     "grade": _nullable(STR), "breakdown": {"type": "object"}},
    ["unit_id", "score", "grade", "breakdown"],
)
SCHEMAS["Scores"] = _obj(
    {"year": INT, "source": {"type": "string", "enum": ["published", "draft"]}, "scoring_id": _nullable(INT),
     "version": _nullable(INT), "published_at": _nullable(DATETIME), "period_start": DATE, "period_end": DATE,
     "as_of": DATE, "rule_version": _nullable(INT), "items": {"type": "array", "items": _ref("UnitScore")}},
    ["year", "source", "items"],
)


# KPI targets (kpi_tasks/kpis/api.py).
NUMBER = {"type": "number"}
PERIOD_PATTERN = r"^\d{4}(-([qQ][1-4]|0[1-9]|1[0-2]))?$"
KPI_ENUMS = {
    "measure": {"type": "string", "enum": ["percent", "count", "vnd"]},
    "formula": {"type": "string", "enum": ["ratio", "value"]},
    "direction": {"type": "string", "enum": ["at_least", "above", "at_most", "below"]},
    "aggregation": {"type": "string", "enum": ["latest", "sum"]},
}
SCHEMAS["Kpi"] = _obj(
    {"id": INT, "code": STR, "name": STR, **KPI_ENUMS, "numerator_label": _nullable(STR),
     "denominator_label": _nullable(STR), "description": STR, "active": BOOL},
    ["id", "code", "name", "measure", "formula", "direction", "numerator_label", "denominator_label"],
)
SCHEMAS["KpiInput"] = _obj(
    {"code": STR, "name": STR, **KPI_ENUMS,
     "measure": {"type": "string", "enum": ["percent", "%", "count", "vnd", "VND"],
                 "description": "% and VND are accepted for percent and vnd"},
     "numerator_label": _nullable(STR), "denominator_label": _nullable(STR), "description": _nullable(STR)},
    ["code", "name", "measure", "formula", "direction"],
)
SCHEMAS["KpiPage"] = _obj(
    {"items": {"type": "array", "items": _ref("Kpi")}, "total": INT, "page": INT, "per_page": INT},
    ["items", "total", "page", "per_page"],
)
SCHEMAS["KpiTarget"] = _obj(
    {"id": INT, "kpi_id": INT, "unit_id": _nullable(INT), "unit_kind": _nullable(STR), "period": STR,
     "period_kind": {"type": "string", "enum": ["year", "quarter", "month"]}, "period_start": DATE,
     "period_end": DATE, "target_value": NUMBER, "directive_id": _nullable(INT), "task_id": _nullable(INT)},
    ["id", "kpi_id", "unit_id", "unit_kind", "period", "target_value"],
)
SCHEMAS["KpiTargetInput"] = _obj(
    {"unit_id": _nullable(INT), "unit_kind": _nullable({"type": "string", "enum": list(UNIT_KINDS)}),
     "period": {"type": "string", "pattern": PERIOD_PATTERN}, "target_value": NUMBER,
     "directive_id": _nullable(INT), "task_id": _nullable(INT)},
    ["period", "target_value"],
)
SCHEMAS["KpiMeasurement"] = _obj(
    {"id": INT, "kpi_id": INT, "unit_id": INT, "period_end": DATE, "numerator": _nullable(INT),
     "denominator": _nullable(INT), "value": _nullable(NUMBER),
     "source": {"type": "string", "enum": ["entered", "imported", "computed"]}, "entered_by_id": _nullable(INT),
     "recorded_at": DATETIME},
    ["id", "kpi_id", "unit_id", "period_end", "numerator", "denominator", "value", "source"],
)
SCHEMAS["KpiMeasurementInput"] = _obj(
    {"unit_id": INT, "period_end": DATE, "numerator": _nullable({"type": "integer", "minimum": 0}),
     "denominator": _nullable({"type": "integer", "minimum": 0}), "value": _nullable(NUMBER)},
    ["unit_id", "period_end"],
)
SCHEMAS["KpiProgress"] = _obj(
    {"kpi_id": INT, "period": STR, "period_start": DATE, "period_end": DATE, "previous_period": STR,
     "items": {"type": "array", "items": _obj(
         {"rank": INT, "unit_id": INT, "unit_code": STR, "unit_name": STR, "numerator": _nullable(INT),
          "denominator": _nullable(INT), "value": _nullable(NUMBER), "target_value": _nullable(NUMBER),
          "target_id": _nullable(INT), "actual_value": _nullable(NUMBER), "met": _nullable(BOOL),
          "as_of": _nullable(DATE), "previous_actual_value": _nullable(NUMBER), "change": _nullable(NUMBER)},
         ["unit_id", "numerator", "denominator", "target_value", "actual_value", "met"])},
     "total": _obj(
         {"numerator": _nullable(INT), "denominator": _nullable(INT), "value": _nullable(NUMBER),
          "actual_value": _nullable(NUMBER), "as_of": _nullable(DATE), "previous_actual_value": _nullable(NUMBER),
          "change": _nullable(NUMBER), "units_reporting": INT, "units_with_target": INT, "units_met": INT},
         ["numerator", "denominator", "actual_value"])},
    ["items", "total"],
)

# Notifications (kpi_tasks/notifications/api.py).
SCHEMAS["Notification"] = _obj(
    {"id": INT, "kind": {"type": "string", "enum": [
        "due_soon", "overdue", "apology_due", "report", "assigned", "returned", "extension_decided", "direction",
        "awaiting_review", "reassigned", "withdrawn", "mention", "unacknowledged", "job_finished"]},
     "task_id": _nullable(INT), "created_at": DATETIME, "read": BOOL, "occurrence_id": _nullable(INT),
     "report_id": _nullable(INT), "offset_days": INT, "deadline": _nullable(DATE), "read_at": _nullable(DATETIME),
     "email_state": {"type": "string", "enum": ["pending", "sending", "sent", "failed", "skipped"]},
     "apology_letter_id": _nullable({"type": "integer", "description": "apology_due: the obligation reminded of"}),
     "dossier_code": _nullable({"type": "string", "description": "apology_due: the late dossier's code"}),
     "note": _nullable({"type": "string", "description": "an event's words: a reason, a direction, a comment"}),
     "actor_id": _nullable({"type": "integer", "description": "who acted"}),
     "job_id": _nullable({"type": "integer", "description": "job_finished: the background job (GET /jobs/{id})"})},
    ["id", "kind", "task_id", "created_at", "read"],
)
# A task's thread (kpi_tasks/tasks/thread_api.py).
SCHEMAS["NotificationPage"] = _obj(
    {"items": {"type": "array", "items": _ref("Notification")}, "total": INT, "page": INT, "per_page": INT},
    ["items", "total", "page", "per_page"],
)



# A task's periods and extensions (tasks/api.py), milestones (milestones/api.py), attachments (attachments/api.py).
SCHEMAS["Milestone"] = _obj(
    {"id": INT, "task_id": INT, "position": INT, "step": STR, "due_on": _nullable(DATE), "done_on": _nullable(DATE),
     "note": STR, "version": INT},
    ["id", "task_id", "position", "step", "due_on", "done_on", "version"],
)
SCHEMAS["MilestoneInput"] = _obj(
    {"step": STR, "due_on": _nullable(DATE), "done_on": _nullable(DATE), "note": _nullable(STR),
     "position": _nullable({"type": "integer", "minimum": 1, "maximum": 1000})},
    ["step"],
)
SCHEMAS["Milestones"] = _obj(
    {"items": {"type": "array", "items": _ref("Milestone")}, "done": INT, "total": INT, "percent_done": INT},
    ["items", "done", "total", "percent_done"],
)
SCHEMAS["Attachment"] = _obj(
    {"id": INT, "name": STR, "kind": {"type": "string", "enum": ["pdf", "docx", "xlsx", "doc", "xls", "png", "jpeg"]},
     "content_type": STR, "size": INT, "sha256": STR, "directive_id": _nullable(INT), "update_id": _nullable(INT),
     "task_id": _nullable(INT), "uploaded_by_id": INT, "created_at": DATETIME, "download_url": STR},
    ["id", "name", "kind", "content_type", "size", "download_url"],
)
ATTACHMENTS = _obj({"items": {"type": "array", "items": _ref("Attachment")}}, ["items"])
FILE_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": _obj(
    {"file": {"type": "string", "format": "binary",
              "description": "PDF, DOCX, XLSX, DOC, XLS, PNG or JPEG, checked by content"}}, ["file"])}}}
FILE_CONTENT_TYPES = (
    "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/msword",
    "application/vnd.ms-excel", "image/png", "image/jpeg",
)


def _deadline_paths() -> dict[str, Any]:
    task = _id_param()
    return {
        "/tasks/{id}/milestones": {
            "get": {"summary": "Bảng tiến độ (các bước thực hiện)", "parameters": [task], "responses": {
                **_answer("200", _ref("Milestones"), "Milestones"), **_errors("404")}},
            "post": {"summary": "Thêm bước thực hiện (office, đơn vị chủ trì)", "parameters": [task],
                     "requestBody": _json_body(_ref("MilestoneInput")), "responses": {
                         **_answer("201", _ref("Milestone"), "Created"), **_errors("400", "403", "404", "409", "422")}},
        },
        "/tasks/{id}/milestones/{milestone_id}": {
            "patch": {"summary": "Sửa bước thực hiện; cần version", "parameters": [task, _id_param("milestone_id")],
                      "requestBody": _json_body(
                          {"allOf": [_ref("MilestoneInput"), _obj({"version": INT}, ["version"])]}),
                      "responses": {**_answer("200", _ref("Milestone"), "Milestone"),
                                    **_errors("400", "403", "404", "409", "422")}},
            "delete": {"summary": "Xóa bước thực hiện", "parameters": [task, _id_param("milestone_id")],
                       "responses": {"204": {"description": "Deleted"}, **_errors("403", "404", "409")}},
        },
        "/directives/{id}/attachments": {
            "get": {"summary": "Tệp đính kèm của văn bản", "parameters": [_id_param()], "responses": {
                **_answer("200", ATTACHMENTS, "Files"), **_errors("404")}},
            "post": {"summary": "Đính kèm tệp vào văn bản (office)", "parameters": [_id_param()],
                     "requestBody": FILE_UPLOAD, "responses": {
                         **_answer("201", _ref("Attachment"), "Stored"), **_errors("400", "403", "404", "413", "422")}},
        },
        "/attachments/{id}/content": {
            "get": {"summary": "Tải tệp (chỉ người được xem văn bản, nhiệm vụ)", "parameters": [_id_param()],
                    "responses": {"200": {"description": "The file", "content": {
                        content_type: {"schema": {"type": "string", "format": "binary"}}
                        for content_type in FILE_CONTENT_TYPES}}, **_errors("404")}},
        },
    }


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PERIOD_FILTERS = [
    _query("from", DATE, "with to: rows the statistics count for the period (deadline or completion within)"),
    _query("to", DATE),
]


def _file_answer(content_type: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description,
                    "content": {content_type: {"schema": {"type": "string", "format": "binary"}}}}}


def _report_paths() -> dict[str, Any]:
    month = {"name": "month", "in": "query", "required": True,
             "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "description": "YYYY-MM"}
    return {
        "/reports/tasks.xlsx": {
            "get": {"summary": "Danh sách nhiệm vụ ra Excel (bộ lọc như GET /tasks, thêm kỳ thống kê)",
                    "parameters": [*TASK_FILTERS, *PERIOD_FILTERS, _query("completed_from", DATE),
                                   _query("completed_to", DATE)],
                    "responses": {**_file_answer(XLSX, "Workbook"), **JOB_STARTED, **_errors("422")}},
        },
        "/reports/units.xlsx": {
            "get": {"summary": "Thống kê theo đơn vị ra Excel (cùng số liệu GET /stats/units)",
                    "parameters": PERIOD_FILTERS,
                    "responses": {**_file_answer(XLSX, "Workbook"), **JOB_STARTED, **_errors("422")}},
        },
        "/reports/monthly.xlsx": {
            "get": {"summary": "Báo cáo tháng gửi Chủ tịch, 5 biểu (office, leader, interior, viewer, admin)",
                    "parameters": [month],
                    "responses": {**_file_answer(XLSX, "Workbook"), **JOB_STARTED, **_errors("403", "422")}},
        },
        "/reports/monthly.docx": {
            "get": {"summary": "Báo cáo tháng gửi Chủ tịch, văn bản Word", "parameters": [month],
                    "responses": {**_file_answer(DOCX, "Document"), **JOB_STARTED, **_errors("403", "422")}},
        },
    }


# Dossiers (dossiers/api.py): the import of the dossier system's exports and apology-letter obligations.
LETTER_STATUSES = ["pending", "issued", "late"]
SCHEMAS["DossierImport"] = _obj(
    {"imported": INT, "rejected": {"type": "array", "maxItems": 0}, "created": INT, "updated": INT, "unchanged": INT,
     "obligations_created": INT, "import_id": INT},
    ["imported", "rejected"],
)
SCHEMAS["DossierImportRejected"] = _obj(
    {"imported": {"type": "integer", "enum": [0]},
     "rejected": {"type": "array", "items": _obj({"row": INT, "message": STR}, ["row", "message"])},
     "error": SCHEMAS["Error"]["properties"]["error"]},
    ["error"],
)
SCHEMAS["DossierImportStarted"] = _obj({"import_id": STR, "status": {"type": "string", "enum": ["queued"]},
                                        "status_url": STR, "job_id": INT}, ["import_id"])
SCHEMAS["DossierImportStatus"] = _obj(
    {"import_id": {"anyOf": [STR, INT]}, "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
     "imported": INT, "rejected": {"type": "array", "items": _obj({"row": INT, "message": STR}, ["row", "message"])},
     "rejected_total": INT, "stage": STR, "rows": INT, "file_name": STR, "message": STR, "created": INT,
     "updated": INT, "unchanged": INT, "obligations_created": INT, "measurements": INT},
    ["import_id", "status", "imported", "rejected"],
)
SCHEMAS["ApologyLetter"] = _obj(
    {"id": INT, "dossier_id": INT, "dossier_code": STR, "unit_id": INT, "due_by": DATE,
     "status": {"type": "string", "enum": LETTER_STATUSES}, "overdue": BOOL, "issued_on": _nullable(DATE),
     "new_appointment_on": _nullable(DATE), "reason": STR, "signer": _nullable(STR),
     "recorded_by_id": _nullable(INT), "recorded_at": _nullable(DATETIME), "version": INT},
    ["id", "dossier_code", "unit_id", "due_by", "status"],
)
SCHEMAS["ApologyLetterPage"] = _obj(
    {"items": {"type": "array", "items": _ref("ApologyLetter")}, "total": INT, "page": INT, "per_page": INT},
    ["items", "total", "page", "per_page"],
)
SCHEMAS["ApologyLetterInput"] = _obj(
    {"issued_on": DATE, "new_appointment_on": DATE, "reason": STR, "signer": _nullable(STR), "version": INT},
    ["issued_on", "new_appointment_on", "reason"],
)


def _dossier_paths() -> dict[str, Any]:
    upload = {"required": True, "content": {"multipart/form-data": {"schema": _obj(
        {"file": {"type": "string", "format": "binary",
                  "description": ".xlsx or .csv exported by the one-stop dossier system"}}, ["file"])}}}
    return {
        "/dossiers/import": {
            "post": {"summary": "Nhập hồ sơ TTHC (office): cả tệp hoặc không gì; 422 kèm mọi dòng sai; tệp lớn: 202 "
                                "và nhập trong nền",
                     "requestBody": upload, "responses": {
                         **_answer("200", _ref("DossierImport"), "Imported"),
                         **_answer("202", _ref("DossierImportStarted"), "Large file: imported in the background"),
                         **_answer("422", _ref("DossierImportRejected"), "Refused whole: every bad row"),
                         **_errors("400", "403", "413")}},
        },
        "/dossiers/imports/{id}": {
            "get": {"summary": "Tình trạng một lần nhập hồ sơ: mã trả về trong 202, hoặc số import_id của lần nhập "
                               "ngay", "parameters": [{"name": "id", "in": "path", "required": True, "schema": STR}],
                    "responses": {**_answer("200", _ref("DossierImportStatus"), "Where the import stands"),
                                  **_errors("403", "404")}},
        },
        "/apology-letters": {
            "get": {"summary": "Nghĩa vụ gửi phiếu xin lỗi (đơn vị: của đơn vị mình)", "parameters": [
                _query("status", {"type": "string", "enum": LETTER_STATUSES}), _query("unit_id", INT),
                _query("overdue", {"type": "string", "enum": ["0", "1"]}), *PAGE_PARAMS], "responses": {
                **_answer("200", _ref("ApologyLetterPage"), "Obligations"), **_errors("422")}},
        },
        "/apology-letters/{id}": {
            "post": {"summary": "Ghi nhận phiếu xin lỗi đã gửi: issued (đúng hạn) hoặc late",
                     "parameters": [_id_param()], "requestBody": _json_body(_ref("ApologyLetterInput")),
                     "responses": {**_answer("200", _ref("ApologyLetter"), "Letter"),
                                   **_errors("400", "403", "404", "409", "422")}},
        },
    }


# Background jobs (background/api.py): long exports, reports and imports answered 202 {job_id}.
JOB_STATUSES = ["queued", "running", "done", "failed"]
SCHEMAS["JobStarted"] = _obj({"job_id": INT, "status": {"type": "string", "enum": JOB_STATUSES}, "status_url": STR},
                             ["job_id", "status"])
SCHEMAS["Job"] = _obj(
    {"id": INT, "kind": STR, "label": STR, "status": {"type": "string", "enum": JOB_STATUSES},
     "done": INT, "total": _nullable(INT), "download_url": STR, "message": STR, "created_at": DATETIME,
     "finished_at": _nullable(DATETIME), "expires_at": _nullable(DATETIME)},
    ["status", "done", "total"],
)
JOB_STARTED = _answer("202", _ref("JobStarted"), "Large: made in the background; GET /jobs/{id} tells when it is ready")


def _job_paths() -> dict[str, Any]:
    return {
        "/jobs/{id}": {
            "get": {"summary": "Tình trạng một tác vụ nền (người yêu cầu, admin): tiến độ, liên kết tải kết quả",
                    "parameters": [_id_param()],
                    "responses": {**_answer("200", _ref("Job"), "Where the job stands"), **_errors("404")}},
        },
        "/jobs/{id}/download": {
            "get": {"summary": "Tải kết quả của tác vụ nền đã xong (lưu 7 ngày)", "parameters": [_id_param()],
                    "responses": {**_file_answer("application/octet-stream", "The result file"),
                                  **_errors("404")}},
        },
        "/jobs/{id}/rerun": {
            "post": {"summary": "Chạy lại một tác vụ nền không thành công", "parameters": [_id_param()],
                     "responses": {**JOB_STARTED, **_errors("404", "422")}},
        },
    }


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
                     "responses": {**_answer("201", _ref("Directive"), "Created"),
                                   **_errors("400", "403", "409", "422")}},
        },
        "/directives/{id}": {
            "get": {"summary": "Văn bản và các nhiệm vụ", "parameters": [_id_param()], "responses": {
                **_answer("200", _ref("Directive"), "Directive"), **_errors("404")}},
            "patch": {"summary": "Sửa văn bản (office); cần version; trường không gửi giữ nguyên",
                      "parameters": [_id_param()], "requestBody": _json_body(_ref("DirectivePatch")),
                      "responses": {**_answer("200", _ref("Directive"), "Directive"),
                                    **_errors("400", "403", "404", "409", "422")}},
        },
        "/notifications": {
            "get": {"summary": "Thông báo của chính người dùng (mới nhất trước)",
                    "parameters": [_query("unread", {"type": "string", "enum": ["0", "1"]}, "1: only unread"),
                                   *PAGE_PARAMS],
                    "responses": {**_answer("200", _ref("NotificationPage"), "Notifications"), **_errors("422")}},
        },
        "/notifications/{id}/read": {
            "post": {"summary": "Đánh dấu một thông báo đã đọc", "parameters": [_id_param()], "responses": {
                **_answer("200", _ref("Notification"), "Notification"), **_errors("404")}},
        },
        "/notifications/read-all": {
            "post": {"summary": "Đánh dấu mọi thông báo của mình đã đọc", "responses": {
                **_answer("200", _obj({"updated": INT}, ["updated"]), "How many were unread"), **_errors()}},
        },
        "/scores": {
            "get": {"summary": "Kết quả chấm điểm thi đua: bản đã công bố mới nhất của năm, nếu chưa có thì bản nháp",
                    "parameters": [_query("year", {"type": "integer", "minimum": 2000, "maximum": 2100},
                                          "default: the current year")],
                    "responses": {**_answer("200", _ref("Scores"), "Scores (source: published or draft)"),
                                  **_errors("422")}},
        },
        "/kpis": {
            "get": {"summary": "Danh mục chỉ tiêu", "parameters": PAGE_PARAMS, "responses": {
                **_answer("200", _ref("KpiPage"), "KPIs"), **_errors("422")}},
            "post": {"summary": "Thêm chỉ tiêu (office, admin)", "requestBody": _json_body(_ref("KpiInput")),
                     "responses": {**_answer("201", _ref("Kpi"), "Created"), **_errors("400", "403", "422")}},
        },
        "/kpis/{id}": {
            "get": {"summary": "Một chỉ tiêu", "parameters": [_id_param()], "responses": {
                **_answer("200", _ref("Kpi"), "KPI"), **_errors("404")}},
        },
        "/kpis/{id}/targets": {
            "get": {"summary": "Các mức chỉ tiêu đã giao", "parameters": [_id_param()], "responses": {
                **_answer("200", _obj({"items": {"type": "array", "items": _ref("KpiTarget")}}, ["items"]),
                          "Targets"), **_errors("404")}},
            "post": {"summary": "Giao chỉ tiêu cho một đơn vị hoặc một loại đơn vị (office, admin); giao lại "
                                "cùng đơn vị và kỳ thì thay mức cũ",
                     "parameters": [_id_param()], "requestBody": _json_body(_ref("KpiTargetInput")),
                     "responses": {**_answer("201", _ref("KpiTarget"), "Created or replaced"),
                                   **_errors("400", "403", "404", "422")}},
        },
        "/kpis/{id}/measurements": {
            "get": {"summary": "Số liệu đã ghi, mới nhất trước", "parameters": [_id_param(), _query("unit_id", INT)],
                    "responses": {**_answer("200", _obj({"items": {"type": "array", "items": _ref("KpiMeasurement")}},
                                                        ["items"]), "Measurements"), **_errors("404", "422")}},
            "post": {"summary": "Ghi số liệu của đơn vị (đơn vị mình; office, admin mọi đơn vị); ghi lại cùng "
                                "ngày thì thay số cũ",
                     "parameters": [_id_param()], "requestBody": _json_body(_ref("KpiMeasurementInput")),
                     "responses": {**_answer("201", _ref("KpiMeasurement"), "Recorded"),
                                   **_errors("400", "403", "404", "422")}},
        },
        "/kpis/{id}/progress": {
            "get": {"summary": "Kết quả theo đơn vị trong kỳ, xếp theo tỷ lệ; dòng tổng tính từ tổng tử số/mẫu số",
                    "parameters": [_id_param(), {"name": "period", "in": "query", "required": True,
                                                 "schema": {"type": "string", "pattern": PERIOD_PATTERN},
                                                 "description": "2023, 2023-Q1 or 2023-03"}],
                    "responses": {**_answer("200", _ref("KpiProgress"), "Progress"), **_errors("404", "422")}},
        },
        **_deadline_paths(),
        **_report_paths(),
        **_dossier_paths(),
        **_job_paths(),
    }


def openapi_document(registrations: Iterable[ApiRoutes] = ()) -> dict[str, Any]:
    """The document of /api/v1: each package's declared operations (api/routes.py), with their models' schemas."""
    schemas = dict(SCHEMAS)
    paths = _paths()
    for operation in (operation for routes in registrations for operation in routes.operations):
        paths.setdefault(operation.path, {})[operation.method.lower()] = _described(operation, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "kpi_tasks API", "version": "1", "description": "API theo dõi nhiệm vụ (API.md)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


class _Untitled(GenerateJsonSchema):
    """Pydantic's JSON Schema without a title per field (the name says it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def _schema(kind: Schema, mode: JsonSchemaMode, schemas: dict[str, Any]) -> dict[str, Any]:
    """A reference to `kind`'s schema (added to `schemas` with the models it names), or `kind` as written."""
    if isinstance(kind, dict):
        return kind
    schema = TypeAdapter(kind).json_schema(ref_template=REF, mode=mode, schema_generator=_Untitled)
    schemas.update(schema.pop("$defs", {}))
    schemas[kind.__name__] = schema
    return _ref(kind.__name__)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = TypeAdapter(model).json_schema(ref_template=REF, mode="validation", schema_generator=_Untitled)
    parameters = []
    for name, value in schema["properties"].items():
        value = {key: item for key, item in value.items() if key != "default"}
        description = value.pop("description", "")
        # A query parameter is left out rather than null.
        options = [option for option in value.pop("anyOf", []) if option != {"type": "null"}]
        if options:
            value.update(options[0] if len(options) == 1 else {"anyOf": options})
        parameter = {"name": name, "in": "query", "required": name in schema.get("required", ()), "schema": value}
        parameters.append({**parameter, "description": description} if description else parameter)
    return parameters


def _described(operation: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    described: dict[str, Any] = {"summary": operation.summary}
    parameters = operation.path_parameters() + (_query_parameters(operation.query) if operation.query else [])
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        described["requestBody"] = _json_body(_schema(operation.body, "validation", schemas))
    elif operation.request_body is not None:
        described["requestBody"] = operation.request_body
    responses: dict[str, Any] = {}
    if operation.answer is not None:
        responses = _answer(str(operation.status), _schema(operation.answer, "serialization", schemas),
                            operation.description or "OK")
    elif operation.status == 204:
        responses = {"204": {"description": operation.description or "Done"}}
    described["responses"] = {**responses, **operation.responses, **_errors(*operation.errors)}
    return described
