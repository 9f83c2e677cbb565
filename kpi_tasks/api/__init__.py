"""The JSON API under /api/v1 (API.md): bearer tokens, the error shape, the OpenAPI document.

Each package adds its own operations with its `api.register_api(bp)` (web.init_app calls them all).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Blueprint, g, request

from kpi_tasks.accounts.services import user_for_token
from kpi_tasks.api.errors import api_error_response
from kpi_tasks.api.openapi import openapi_document
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.extensions import csrf

PUBLIC_ENDPOINTS = {"api.openapi"}


def api_blueprint(*registrations: Callable[[Blueprint], None]) -> Blueprint:
    """The /api/v1 blueprint of one app: token authentication, the OpenAPI document, and the operations each
    `registrations` function adds (a package's `api.register_api`). A new one per app: a blueprint takes no
    more routes once an app has registered it."""
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    # Token-authenticated requests carry no cookie session, so CSRF does not apply to them.
    csrf.exempt(bp)
    bp.before_request(_authenticate)
    routes = [register for register in registrations if isinstance(register, ApiRoutes)]

    @cache
    def openapi() -> dict[str, Any]:
        return openapi_document(routes)

    bp.add_url_rule("/openapi.json", "openapi", openapi, methods=["GET"])
    for register in registrations:
        register(bp)
    return bp


def _authenticate() -> object:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        response = api_error_response(401, "unauthorized", "Thiếu hoặc sai mã truy cập (Bearer token).")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g.api_user = user
    return None
