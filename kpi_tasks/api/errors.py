from __future__ import annotations

from flask import Response, jsonify, request


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response
