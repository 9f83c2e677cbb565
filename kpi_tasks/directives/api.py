from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_attach_to_directive
from kpi_tasks.api.input import api_user, json_fields
from kpi_tasks.attachments.api import attachment_json, one_file
from kpi_tasks.attachments.services import attach_to_directive, directive_attachments
from kpi_tasks.directives.models import DIRECTIVE_KINDS, Directive
from kpi_tasks.directives.services import create_directive, get_directive_or_404, update_directive
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db


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


# A directive as the API gives it carries its `tasks`, which the tasks package lists (web.init_app registers
# `tasks.api.directive_tasks_json`): this package sits below tasks and does not read them itself.
TasksOf = Callable[[Directive, User], list[dict]]
_tasks_of: list[TasksOf] = []


def register_directive_tasks(tasks_of: TasksOf) -> None:
    _tasks_of[:] = [tasks_of]


def directive_with_tasks(directive: Directive, user: User) -> dict:
    return {**directive_json(directive), "tasks": _tasks_of[0](directive, user) if _tasks_of else []}


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
    return directive_with_tasks(get_directive_or_404(directive_id, user), user)


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
    return directive_with_tasks(directive, user)


def upload_directive_file_api(directive_id: int) -> tuple[dict, int]:
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    if not can_attach_to_directive(user, directive):  # before reading any file
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được đính kèm tệp vào văn bản.")
    attachment = attach_to_directive(directive, user, [one_file()])[0]
    db.session.commit()
    return attachment_json(attachment), 201


def directive_files_api(directive_id: int) -> dict:
    directive = get_directive_or_404(directive_id, api_user())
    return {"items": [attachment_json(a) for a in directive_attachments(directive)]}


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/directives", "create_directive", create_directive_api, methods=["POST"])
    bp.add_url_rule("/directives/<int:directive_id>", "directive", get_directive_api, methods=["GET"])
    bp.add_url_rule("/directives/<int:directive_id>", "update_directive", update_directive_api, methods=["PATCH"])
    bp.add_url_rule("/directives/<int:directive_id>/attachments", "upload_directive_file", upload_directive_file_api,
                    methods=["POST"])
    bp.add_url_rule("/directives/<int:directive_id>/attachments", "directive_files", directive_files_api,
                    methods=["GET"])
