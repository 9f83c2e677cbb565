"""The JSON API under /api/v1 (API.md): bearer tokens, the error shape, the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, g, request

from kpi_tasks.accounts.services import user_for_token
from kpi_tasks.api.errors import api_error_response
from kpi_tasks.api.openapi import openapi_document
from kpi_tasks.attachments.api import register_api as register_attachments
from kpi_tasks.directives.api import register_api as register_directives
from kpi_tasks.dossiers.api import register_api as register_dossiers
from kpi_tasks.extensions import csrf
from kpi_tasks.kpis.api import register_api as register_kpis
from kpi_tasks.milestones.api import register_api as register_milestones
from kpi_tasks.notifications.api import register_api as register_notifications
from kpi_tasks.reports.api import register_api as register_reports
from kpi_tasks.scoring.api import register_api as register_scoring
from kpi_tasks.tasks.api import register_api as register_tasks
from kpi_tasks.units.api import register_api as register_units

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token-authenticated requests carry no cookie session, so CSRF does not apply to them.
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
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


@bp.get("/openapi.json", endpoint="openapi")
def _openapi() -> dict:
    return openapi_document()


register_units(bp)
register_directives(bp)
register_tasks(bp)
register_milestones(bp)
register_attachments(bp)
register_kpis(bp)
register_scoring(bp)
register_notifications(bp)
register_reports(bp)
register_dossiers(bp)
