from __future__ import annotations

from collections.abc import Callable

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_attach_to_directive
from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.attachments.api import attachment_out, one_file
from kpi_tasks.attachments.schemas import UPLOAD, Attachment, Attachments
from kpi_tasks.attachments.services import attach_to_directive, directive_attachments
from kpi_tasks.directives.models import Directive as DirectiveRow
from kpi_tasks.directives.schemas import Directive, DirectiveInput, DirectivePatch
from kpi_tasks.directives.services import create_directive, get_directive_or_404, update_directive
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.hooks import Provided

routes = ApiRoutes()
register_api = routes
WRITE_ERRORS = "400 403 404 409 422"

# A directive as the API gives it carries its `tasks`, which the tasks package lists (web.init_app registers
# `tasks.api.directive_tasks_json`): this package sits below tasks and does not read them itself.
TasksOf = Callable[[DirectiveRow, User], list[dict]]
tasks_of: Provided[TasksOf] = Provided("the tasks of a directive as the API gives them")


def directive_with_tasks(directive: DirectiveRow, user: User) -> Directive:
    return Directive.of(directive, tasks=tasks_of()(directive, user) if tasks_of.is_provided else [])


@routes.operation("POST", "/directives", "create_directive", "Nhập văn bản chỉ đạo (office)", body=DirectiveInput,
                  status=201, answer=Directive, description="Created", errors="400 403 409 422")
def create_directive_api(body: DirectiveInput) -> Directive:
    directive = create_directive(api_user(), **body.model_dump())
    db.session.commit()
    return Directive.of(directive, tasks=[])


@routes.operation("GET", "/directives/<int:directive_id>", "directive", "Văn bản và các nhiệm vụ", answer=Directive,
                  errors="404")
def get_directive_api(directive_id: int) -> Directive:
    user = api_user()
    return directive_with_tasks(get_directive_or_404(directive_id, user), user)


@routes.operation("PATCH", "/directives/<int:directive_id>", "update_directive",
                  "Sửa văn bản (office); cần version; trường không gửi giữ nguyên", body=DirectivePatch,
                  answer=Directive, errors=WRITE_ERRORS)
def update_directive_api(directive_id: int, body: DirectivePatch) -> Directive:
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    stored = {name: getattr(directive, name) for name in DirectivePatch.model_fields if name != "version"}
    update_directive(directive, user, expected_version=body.version, **{**stored, **body.changes()})
    db.session.commit()
    return directive_with_tasks(directive, user)


@routes.operation("POST", "/directives/<int:directive_id>/attachments", "upload_directive_file",
                  "Đính kèm tệp vào văn bản (office)", request_body=UPLOAD, status=201, answer=Attachment,
                  description="Stored", errors="400 403 404 413 422")
def upload_directive_file_api(directive_id: int) -> Attachment:
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    if not can_attach_to_directive(user, directive):  # before reading any file
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được đính kèm tệp vào văn bản.")
    attachment = attach_to_directive(directive, user, [one_file()])[0]
    db.session.commit()
    return attachment_out(attachment)


@routes.operation("GET", "/directives/<int:directive_id>/attachments", "directive_files", "Tệp đính kèm của văn bản",
                  answer=Attachments, description="Files", errors="404")
def directive_files_api(directive_id: int) -> Attachments:
    directive = get_directive_or_404(directive_id, api_user())
    return Attachments(items=[attachment_out(a) for a in directive_attachments(directive)])
