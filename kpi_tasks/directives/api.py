from __future__ import annotations

from flask import Blueprint, current_app

from kpi_tasks.api.input import api_user, json_fields
from kpi_tasks.clock import today
from kpi_tasks.directives.models import DIRECTIVE_KINDS, Directive
from kpi_tasks.directives.services import create_directive, get_directive_or_404, update_directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.api import task_json
from kpi_tasks.tasks.queries import TaskFilters, task_rows_query


def directive_json(directive: Directive) -> dict:
    return {
        "id": directive.id,
        "number": directive.number,
        "kind": directive.kind,
        "issued_on": directive.issued_on.isoformat(),
        "issuer": directive.issuer,
        "signer": directive.signer,
        "subject": directive.subject,
        "parent_id": directive.parent_id,
        "confidential": directive.confidential,
        "version": directive.version,
    }


def create_directive_api() -> tuple[dict, int]:
    fields = json_fields()
    values = {
        "number": fields.text("number", required=True),
        "issued_on": fields.date("issued_on", required=True),
        "issuer": fields.text("issuer", required=True),
        "subject": fields.text("subject", required=True),
        "signer": fields.text("signer"),
        "kind": fields.choice("kind", tuple(DIRECTIVE_KINDS)),
        "parent_id": fields.integer("parent_id"),
        "confidential": fields.boolean("confidential"),
    }
    fields.done()
    directive = create_directive(api_user(), **values)
    db.session.commit()
    return {**directive_json(directive), "tasks": []}, 201


def get_directive_api(directive_id: int) -> dict:
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    rows = db.session.execute(
        task_rows_query(
            user, TaskFilters(directive_id=directive.id), today(), current_app.config["DUE_SOON_WORKING_DAYS"]
        )
    ).all()
    return {**directive_json(directive), "tasks": [task_json(row.Task, row.status, row.due_soon) for row in rows]}


def update_directive_api(directive_id: int) -> dict:
    """PATCH: the fields sent replace the stored ones; the others stay (`signer` and `parent_id` null clear)."""
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    fields = json_fields()
    sent = fields.data
    version = fields.integer("version", required=True)
    values = {
        "number": fields.text("number", required=True) if "number" in sent else directive.number,
        "issued_on": fields.date("issued_on", required=True) if "issued_on" in sent else directive.issued_on,
        "issuer": fields.text("issuer", required=True) if "issuer" in sent else directive.issuer,
        "subject": fields.text("subject", required=True) if "subject" in sent else directive.subject,
        "signer": fields.text("signer") if "signer" in sent else directive.signer,
        "kind": fields.choice("kind", tuple(DIRECTIVE_KINDS)) if "kind" in sent else directive.kind,
        "parent_id": fields.integer("parent_id") if "parent_id" in sent else directive.parent_id,
        "confidential": fields.boolean("confidential") if "confidential" in sent else directive.confidential,
    }
    fields.done()
    update_directive(directive, user, expected_version=version, **values)
    db.session.commit()
    return get_directive_api(directive.id)


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/directives", "create_directive", create_directive_api, methods=["POST"])
    bp.add_url_rule("/directives/<int:directive_id>", "directive", get_directive_api, methods=["GET"])
    bp.add_url_rule("/directives/<int:directive_id>", "update_directive", update_directive_api, methods=["PATCH"])
