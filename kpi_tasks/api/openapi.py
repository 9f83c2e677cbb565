"""The OpenAPI 3.1 document of /api/v1, assembled from the operations each package declares (api/routes.py):
their paths, parameters, bodies and answers, with the pydantic models' schemas as its components."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from kpi_tasks.api.routes import ApiRoutes, Operation, Schema
from kpi_tasks.api.schema import Error

REF = "#/components/schemas/{model}"
ERRORS = {
    "400": "Malformed request",
    "401": "Missing or bad token",
    "403": "Not allowed",
    "404": "Not found or not visible",
    "409": "Conflict (stale version or wrong state)",
    "413": "Too large",
    "422": "Invalid values",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _answer(status: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


def _errors(*codes: str) -> dict[str, Any]:
    """The error answers of an operation: 401 (every operation needs a token) and `codes`."""
    answers: dict[str, Any] = {}
    for code in ("401", *codes):
        answers.update(_answer(code, _ref("Error"), ERRORS[code]))
    return answers


def openapi_document(registrations: Iterable[ApiRoutes] = ()) -> dict[str, Any]:
    """The document of /api/v1: each package's declared operations (api/routes.py), with their models' schemas."""
    schemas: dict[str, Any] = {}
    _schema(Error, "serialization", schemas)
    paths: dict[str, Any] = {}
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
    schema = _linked(TypeAdapter(kind).json_schema(ref_template=REF, mode=mode, schema_generator=_Untitled))
    schemas.update(schema.pop("$defs", {}))
    schemas[kind.__name__] = schema
    return _ref(kind.__name__)


def _linked(schema: Any) -> Any:
    """`schema` with each schema_named (api/schema.py) made a reference."""
    if isinstance(schema, dict):
        if set(schema) == {"x-schema"}:
            return _ref(schema["x-schema"])
        return {key: _linked(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_linked(value) for value in schema]
    return schema


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
        described["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _schema(operation.body, "validation", schemas)}}}
    elif operation.request_body is not None:
        described["requestBody"] = operation.request_body
    responses: dict[str, Any] = {}
    if operation.answer is not None:
        responses = _answer(str(operation.status), _schema(operation.answer, "serialization", schemas),
                            operation.description or "OK")
    elif operation.status == 204:
        responses = {"204": {"description": operation.description or "Done"}}
    for status, (schema, description) in operation.other_answers.items():
        responses.update(_answer(str(status), _schema(schema, "serialization", schemas), description))
    described["responses"] = {**responses, **operation.responses, **_errors(*operation.errors)}
    return described
