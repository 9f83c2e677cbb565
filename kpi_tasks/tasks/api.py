from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_attach_to_update,
    can_break_down,
    can_give_direction,
    can_view_unacknowledged,
    committee_id_of,
)
from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.api.schema import PageQuery, Parsed
from kpi_tasks.attachments.api import attachment_out, one_file
from kpi_tasks.attachments.schemas import UPLOAD, Attachment, Attachments
from kpi_tasks.attachments.services import attach_to_update, task_attachments
from kpi_tasks.audit.services import history
from kpi_tasks.clock import today
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import get_directive_or_404
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.hooks import Provided
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.tasks import corrections, lifecycle
from kpi_tasks.tasks.lifecycle import (
    Reportable,
    decide_extension,
    get_extension_request_or_404,
    request_extension,
)
from kpi_tasks.tasks.models import ExtensionRequest, ProgressUpdate, Task, TaskOccurrence
from kpi_tasks.tasks.occurrences import get_occurrence_or_404
from kpi_tasks.tasks.queries import (
    TaskFilters,
    extension_requests_query,
    listed_total,
    occurrence_flags,
    occurrence_rows_query,
    progress_updates,
    read_task_filters,
    subtask_summary,
    task_directions,
    task_flags,
    task_rows_query,
    unacknowledged_tasks_query,
    unit_stats,
)
from kpi_tasks.tasks.schemas import (
    CorrectionInput,
    Direction,
    DirectionInput,
    DirectiveWithdrawn,
    ExtensionDecided,
    ExtensionDecisionInput,
    ExtensionQuery,
    ExtensionRequestInput,
    ExtensionRequestPage,
    ExtensionRequests,
    HistoryEvent,
    NewTaskInput,
    OccurrenceDetail,
    OccurrencePage,
    ReassignInput,
    ReportInput,
    ReviewInput,
    StatsQuery,
    TaskCreated,
    TaskDetail,
    TaskGroupCreated,
    TaskInput,
    TaskPage,
    TaskPatch,
    TaskQuery,
    UnacknowledgedPage,
    UnacknowledgedTask,
    UnitStatsList,
    UpdateWithOccurrence,
    UpdateWithTask,
)
from kpi_tasks.tasks.schemas import ExtensionRequest as ExtensionRequestOut
from kpi_tasks.tasks.schemas import Occurrence as OccurrenceOut
from kpi_tasks.tasks.schemas import ProgressUpdate as ProgressUpdateOut
from kpi_tasks.tasks.schemas import Task as TaskOut
from kpi_tasks.tasks.services import (
    DEADLINE_UNSAID,
    acknowledge_task,
    break_down,
    create_task,
    create_task_group,
    get_task_or_404,
    get_update_or_404,
    give_direction,
    update_task,
)


@dataclass(frozen=True)
class TargetLinks:
    """A task as the API gives it names the KPI targets it answers for (`kpi_target_ids`), and a task created by
    the API may name them. kpis/ keeps those links; it sits above tasks, so it registers how (web.init_app):
    `of_task(task_id)` lists a task's target ids, `link(task, target_ids, actor)` makes them its targets."""

    of_task: Callable[[int], list[int]]
    link: Callable[[Task, list[int], User], object]


target_links: Provided[TargetLinks] = Provided("a task's KPI targets")


routes = ApiRoutes()
register_api = routes
ERRORS = "400 403 404 409 422"  # a write on one task: malformed, not allowed, not visible, stale, invalid


def task_out(task: Task, status: str, due_soon: bool) -> TaskOut:
    return TaskOut.of(task, status=status, due_soon=bool(due_soon), assignee_ids=[user.id for user in task.assignees])


def update_out(update: ProgressUpdate) -> ProgressUpdateOut:
    return ProgressUpdateOut.of(update, report_completed=update.reports_completion)


def task_detail(task: Task) -> TaskDetail:
    status, due_soon = task_flags(task, today(), _due_soon_days())
    events = [HistoryEvent.of(event, actor=event.actor.display_name if event.actor else None)
              for event in history("task", task.id)]
    return TaskDetail.of(
        task, **task_out(task, status, due_soon).model_dump(), history=events,
        updates=[update_out(update) for update in progress_updates(task)],
        kpi_target_ids=target_links().of_task(task.id) if target_links.is_provided else [],
        directions=[Direction.of(direction, given_by=direction.given_by.display_name,
                                 author=direction.author.display_name) for direction in task_directions(task.id)],
        subtasks=subtask_summary(task, today()),
    )


def _due_soon_days() -> int:
    return current_app.config["DUE_SOON_WORKING_DAYS"]


def _link_targets(task: Task, body: TaskInput | NewTaskInput, user: User) -> None:
    if body.kpi_target_ids:
        target_links().link(task, body.kpi_target_ids, user)


@routes.operation("POST", "/directives/<int:directive_id>/tasks", "create_task", "Giao nhiệm vụ (office)",
                  body=NewTaskInput, status=201, answer=TaskCreated,
                  description="Created (a group of tasks when lead_unit_kind was given)", errors="400 403 404 422")
def create_task_api(directive_id: int, body: NewTaskInput) -> TaskDetail | TaskGroupCreated:
    """One task; or, with `lead_unit_kind` instead of `lead_unit_id`, one task per unit of that kind."""
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    # A new task without any deadline field must say `deadline_kind: "none"` (API.md): "" asks the service so.
    values = {**body.values(), "deadline_kind": body.deadline_kind or DEADLINE_UNSAID}
    if body.lead_unit_kind is not None:
        del values["lead_unit_id"]
        group, tasks = create_task_group(directive, user, unit_kind=body.lead_unit_kind, **values)
        db.session.commit()
        return TaskGroupCreated(group_id=group.id, lead_unit_kind=group.unit_kind,
                                items=[task_detail(task) for task in tasks], total=len(tasks))
    task = create_task(directive, user, **values)
    _link_targets(task, body, user)
    db.session.commit()
    return task_detail(task)


@routes.operation("POST", "/tasks/<int:task_id>/subtasks", "create_subtask",
                  "Giao tiếp nhiệm vụ cho các đơn vị của cấp nhận (office của UBND mà đơn vị chủ trì thuộc về); "
                  "chỉ đơn vị của cấp đó", body=TaskInput, status=201, answer=TaskDetail,
                  description="Created (parent_task_id: the task broken down)", errors=ERRORS)
def create_subtask_api(task_id: int, body: TaskInput) -> TaskDetail:
    """The lead committee's office breaks a task it received down into its own tasks (API.md)."""
    user = api_user()
    task = get_task_or_404(task_id, user)
    if not can_break_down(user, task):
        raise PermissionDenied("Chỉ Văn phòng của cấp nhận nhiệm vụ được giao tiếp nhiệm vụ cho các đơn vị của mình.")
    subtask = break_down(task, user, **{**body.values(), "deadline_kind": body.deadline_kind or DEADLINE_UNSAID})
    _link_targets(subtask, body, user)
    db.session.commit()
    return task_detail(subtask)


@routes.operation("GET", "/tasks", "tasks", "Danh sách nhiệm vụ", query=TaskQuery, answer=TaskPage, errors="422")
def list_tasks_api(query: TaskQuery) -> TaskPage:
    user = api_user()
    filters = read_task_filters(Parsed(query), user, own_unit_first=False)
    result = paginate_rows(task_rows_query(user, filters, today(), _due_soon_days()), query.page, query.per_page,
                           total=listed_total(user, filters, today()))
    return TaskPage(items=[task_out(row.Task, row.status, row.due_soon) for row in result.items],
                    total=result.total, page=result.page, per_page=result.per_page)


@routes.operation("GET", "/tasks/<int:task_id>", "task", "Chi tiết nhiệm vụ và lịch sử", answer=TaskDetail,
                  errors="404")
def get_task_api(task_id: int) -> TaskDetail:
    return task_detail(get_task_or_404(task_id, api_user()))


@routes.operation("PATCH", "/tasks/<int:task_id>", "update_task", "Sửa nhiệm vụ (office); cần version",
                  body=TaskPatch, answer=TaskDetail, errors=ERRORS)
def update_task_api(task_id: int, body: TaskPatch) -> TaskDetail:
    user = api_user()
    task = get_task_or_404(task_id, user)
    update_task(task, user, expected_version=body.version, **body.values())
    db.session.commit()
    return task_detail(task)


@routes.operation("POST", "/tasks/<int:task_id>/withdraw", "withdraw_task",
                  "Thu hồi nhiệm vụ (office): trạng thái withdrawn, ra khỏi mọi thống kê; ghi lịch sử",
                  body=CorrectionInput, answer=TaskDetail, errors=ERRORS)
def withdraw_task_api(task_id: int, body: CorrectionInput) -> TaskDetail:
    user = api_user()
    task = get_task_or_404(task_id, user)
    corrections.withdraw_task(task, user, note=body.note, expected_version=body.version)
    db.session.commit()
    return task_detail(task)


@routes.operation("POST", "/tasks/<int:task_id>/reassign", "reassign_task",
                  "Chuyển đơn vị chủ trì (office), giữ lịch sử", body=ReassignInput, answer=TaskDetail, errors=ERRORS)
def reassign_task_api(task_id: int, body: ReassignInput) -> TaskDetail:
    user = api_user()
    task = get_task_or_404(task_id, user)
    corrections.reassign_lead_unit(task, user, lead_unit_id=body.lead_unit_id, note=body.note,
                                   expected_version=body.version)
    db.session.commit()
    return task_detail(task)


@routes.operation("DELETE", "/tasks/<int:task_id>", "delete_task",
                  "Xóa nhiệm vụ nhập thử, nhập nhầm, chưa ai cập nhật (admin); ghi nhật ký", body=CorrectionInput,
                  status=204, description="Deleted", errors=ERRORS)
def delete_task_api(task_id: int, body: CorrectionInput) -> tuple[str, int]:
    user = api_user()
    corrections.delete_task(get_task_or_404(task_id, user), user, note=body.note)
    db.session.commit()
    return "", 204


@routes.operation("POST", "/directives/<int:directive_id>/withdraw", "withdraw_directive",
                  "Thu hồi văn bản và mọi nhiệm vụ của văn bản (office); ghi lịch sử", body=CorrectionInput,
                  answer=DirectiveWithdrawn, description="Withdrawn", errors=ERRORS)
def withdraw_directive_api(directive_id: int, body: CorrectionInput) -> DirectiveWithdrawn:
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    tasks = corrections.withdraw_directive(directive, user, note=body.note)
    db.session.commit()
    return DirectiveWithdrawn(directive_id=directive.id, withdrawn_task_ids=[task.id for task in tasks])


@routes.operation("POST", "/tasks/<int:task_id>/updates", "post_update",
                  "Cập nhật tiến độ, báo cáo hoàn thành (đơn vị)", body=ReportInput, status=201,
                  answer=UpdateWithTask, errors=ERRORS)
def post_update_api(task_id: int, body: ReportInput) -> UpdateWithTask:
    subject = _api_subject(task_id)
    update = _report(subject, body)
    return UpdateWithTask(**update.model_dump(), task=task_detail(subject.task))


@routes.operation("POST", "/tasks/<int:task_id>/review", "review_task", "Xác nhận hoặc trả lại (office)",
                  body=ReviewInput, answer=TaskDetail, errors=ERRORS)
def review_task_api(task_id: int, body: ReviewInput) -> TaskDetail:
    subject = _review(_api_subject(task_id), body)
    return task_detail(subject.task)


def _api_subject(task_id: int, occurrence_id: int | None = None) -> Reportable:
    """The task (or its period) the path names, if the token's user may see it (404 otherwise)."""
    task = get_task_or_404(task_id, api_user())
    return Reportable(task, get_occurrence_or_404(task, occurrence_id) if occurrence_id is not None else None)


def _report(subject: Reportable, body: ReportInput) -> ProgressUpdateOut:
    """A report on the task or period."""
    update = lifecycle.report(subject, api_user(), progress_percent=body.progress_percent, note=body.note,
                              report_completed=body.report_completed, completed_on=body.completed_on,
                              expected_version=body.version)
    db.session.commit()
    return update_out(update)


def _review(subject: Reportable, body: ReviewInput) -> Reportable:
    lifecycle.review(subject, api_user(), decision=body.decision, note=body.note, expected_version=body.version)
    db.session.commit()
    return subject


@routes.operation("GET", "/stats/units", "unit_stats", "Thống kê theo đơn vị chủ trì", query=StatsQuery,
                  answer=UnitStatsList, description="Stats", errors="422")
def unit_stats_api(query: StatsQuery) -> UnitStatsList:
    # Each committee's statistics count its own tasks and units (the root's: the province's own work).
    items = unit_stats(today(), query.date_from, query.date_to, unit_id=query.unit_id,
                       level=committee_id_of(api_user()))
    # One validation of the whole list, not one call per unit (a province has 2,000).
    return UnitStatsList.model_validate({"items": items})


@routes.operation("POST", "/tasks/<int:task_id>/directions", "post_direction",
                  "Ghi ý kiến chỉ đạo (leader, office, admin); không sửa, không xóa sau khi ghi", body=DirectionInput,
                  status=201, answer=Direction, errors=ERRORS)
def post_direction_api(task_id: int, body: DirectionInput) -> Direction:
    """Leaders, the office (optionally for a leader: `given_by_id`) and admin; 404 for a task not visible."""
    user = api_user()
    task = get_task_or_404(task_id, user)
    if not can_give_direction(user, task):
        raise PermissionDenied("Chỉ lãnh đạo UBND và Văn phòng HĐND và UBND được ghi ý kiến chỉ đạo.")
    direction = give_direction(task, user, text=body.text, given_by_id=body.given_by_id)
    db.session.commit()
    return Direction.of(direction, given_by=direction.given_by.display_name, author=direction.author.display_name)


def occurrence_out(occurrence: TaskOccurrence, status: str, due_soon: bool) -> OccurrenceOut:
    return OccurrenceOut.of(occurrence, status=status, due_soon=bool(due_soon))


def _occurrence_detail(occurrence: TaskOccurrence) -> OccurrenceDetail:
    status, due_soon = occurrence_flags(occurrence, today(), _due_soon_days())
    updates = progress_updates(occurrence.task, occurrence)
    return OccurrenceDetail(**occurrence_out(occurrence, status, due_soon).model_dump(),
                            updates=[update_out(update) for update in updates])


# -- extension requests ----------------------------------------------------------------------------------------


@routes.operation("POST", "/tasks/<int:task_id>/extension-requests", "create_extension_request",
                  "Đề nghị gia hạn (đơn vị chủ trì); nhiệm vụ định kỳ: kèm occurrence_id", body=ExtensionRequestInput,
                  status=201, answer=ExtensionRequestOut, description="Created, status pending", errors=ERRORS)
def create_extension_request_api(task_id: int, body: ExtensionRequestInput) -> ExtensionRequestOut:
    user = api_user()
    task = get_task_or_404(task_id, user)
    occurrence = get_occurrence_or_404(task, body.occurrence_id) if body.occurrence_id is not None else None
    request = request_extension(task, user, new_deadline=body.new_deadline, reason=body.reason,
                                occurrence=occurrence)
    db.session.commit()
    return ExtensionRequestOut.of(request)


@routes.operation("GET", "/tasks/<int:task_id>/extension-requests", "task_extension_requests",
                  "Các đề nghị gia hạn của nhiệm vụ", answer=ExtensionRequests, errors="404")
def task_extension_requests_api(task_id: int) -> ExtensionRequests:
    user = api_user()
    task = get_task_or_404(task_id, user)
    rows = db.session.scalars(extension_requests_query(user, task_id=task.id)).unique()
    return ExtensionRequests(items=[ExtensionRequestOut.of(request) for request in rows])


@routes.operation("GET", "/extension-requests", "extension_requests", "Đề nghị gia hạn trên các nhiệm vụ được xem",
                  query=ExtensionQuery, answer=ExtensionRequestPage, errors="422")
def extension_requests_api(query: ExtensionQuery) -> ExtensionRequestPage:
    result = paginate_rows(extension_requests_query(api_user(), query.status), query.page, query.per_page)
    return ExtensionRequestPage(items=[ExtensionRequestOut.of(row.ExtensionRequest) for row in result.items],
                                total=result.total, page=result.page, per_page=result.per_page)


@routes.operation("POST", "/extension-requests/<int:request_id>/decision", "decide_extension",
                  "Quyết định gia hạn (office, leader, admin); approve đổi effective_deadline",
                  body=ExtensionDecisionInput, answer=ExtensionDecided, description="Decided", errors=ERRORS)
def decide_extension_api(request_id: int, body: ExtensionDecisionInput) -> ExtensionDecided:
    user = api_user()
    request: ExtensionRequest = get_extension_request_or_404(request_id, user)
    decide_extension(request, user, decision=body.decision, note=body.note, new_deadline=body.new_deadline)
    db.session.commit()
    return ExtensionDecided(**ExtensionRequestOut.of(request).model_dump(), task=task_detail(request.task))


# -- occurrences -----------------------------------------------------------------------------------------------


@routes.operation("GET", "/tasks/<int:task_id>/occurrences", "occurrences", "Các kỳ báo cáo của nhiệm vụ định kỳ",
                  query=PageQuery, answer=OccurrencePage, errors="404 422")
def occurrences_api(task_id: int, query: PageQuery) -> OccurrencePage:
    task = get_task_or_404(task_id, api_user())
    result = paginate_rows(occurrence_rows_query(task, today(), _due_soon_days()), query.page, query.per_page)
    return OccurrencePage(items=[occurrence_out(row.TaskOccurrence, row.status, row.due_soon) for row in result.items],
                          total=result.total, page=result.page, per_page=result.per_page)


@routes.operation("GET", "/tasks/<int:task_id>/occurrences/<int:occurrence_id>", "occurrence",
                  "Một kỳ báo cáo và các lần báo cáo", answer=OccurrenceDetail, errors="404")
def occurrence_api(task_id: int, occurrence_id: int) -> OccurrenceDetail:
    task = get_task_or_404(task_id, api_user())
    return _occurrence_detail(get_occurrence_or_404(task, occurrence_id))


@routes.operation("POST", "/tasks/<int:task_id>/occurrences/<int:occurrence_id>/updates", "report_occurrence",
                  "Báo cáo kỳ (đơn vị); report_completed chuyển kỳ sang chờ xác nhận", body=ReportInput, status=201,
                  answer=UpdateWithOccurrence, errors=ERRORS)
def report_occurrence_api(task_id: int, occurrence_id: int, body: ReportInput) -> UpdateWithOccurrence:
    subject = _api_subject(task_id, occurrence_id)
    update = _report(subject, body)
    return UpdateWithOccurrence(**update.model_dump(), occurrence=_occurrence_detail(subject.occurrence))


@routes.operation("POST", "/tasks/<int:task_id>/occurrences/<int:occurrence_id>/review", "review_occurrence",
                  "Xác nhận hoặc trả lại kỳ báo cáo (office)", body=ReviewInput, answer=OccurrenceDetail,
                  errors=ERRORS)
def review_occurrence_api(task_id: int, occurrence_id: int, body: ReviewInput) -> OccurrenceDetail:
    subject = _review(_api_subject(task_id, occurrence_id), body)
    return _occurrence_detail(subject.occurrence)


@routes.operation("POST", "/tasks/<int:task_id>/updates/<int:update_id>/attachments", "upload_update_file",
                  "Đính kèm tệp vào một lần cập nhật hoặc báo cáo hoàn thành (đơn vị đã gửi)",
                  request_body=UPLOAD, status=201, answer=Attachment,
                  description="Stored", errors="400 403 404 413 422")
def upload_update_file_api(task_id: int, update_id: int) -> Attachment:
    user = api_user()
    task = get_task_or_404(task_id, user)
    update = get_update_or_404(task, update_id)
    if not can_attach_to_update(user, task, update.unit_id):  # before reading any file
        raise PermissionDenied("Chỉ đơn vị đã gửi cập nhật được đính kèm tệp vào cập nhật đó.")
    attachment = attach_to_update(update, task, user, [one_file()])[0]
    db.session.commit()
    return attachment_out(attachment)


@routes.operation("GET", "/tasks/<int:task_id>/attachments", "task_files", "Tệp đính kèm các lần cập nhật của nhiệm vụ",
                  answer=Attachments, description="Files", errors="404")
def task_files_api(task_id: int) -> Attachments:
    task = get_task_or_404(task_id, api_user())
    return Attachments(items=[attachment_out(a) for a in task_attachments(task)])


@routes.operation("POST", "/tasks/<int:task_id>/acknowledge", "acknowledge_task",
                  "Tiếp nhận nhiệm vụ (đơn vị chủ trì); tiếp nhận lại không đổi gì", answer=TaskDetail,
                  description="Task with acknowledged_at", errors="403 404 409")
def acknowledge_api(task_id: int) -> TaskDetail:
    user = api_user()
    task = acknowledge_task(get_task_or_404(task_id, user), user)
    db.session.commit()
    return task_detail(task)


@routes.operation("GET", "/tasks/unacknowledged", "unacknowledged_tasks",
                  "Nhiệm vụ đơn vị chủ trì chưa tiếp nhận sau 1 ngày làm việc (office, leader, admin)",
                  query=PageQuery, answer=UnacknowledgedPage, errors="403 422")
def unacknowledged_api(query: PageQuery) -> UnacknowledgedPage:
    """The tasks no lead unit has acknowledged after one working day (office, leaders, admin)."""
    user = api_user()
    if not can_view_unacknowledged(user):
        raise PermissionDenied("Chỉ Văn phòng, lãnh đạo UBND và quản trị xem danh sách nhiệm vụ chưa tiếp nhận.")
    result = db.paginate(unacknowledged_tasks_query(user, today()), page=query.page, per_page=query.per_page,
                         error_out=False)
    items = [UnacknowledgedTask(**task_out(task, *task_flags(task, today(), _due_soon_days())).model_dump(),
                                given_at=task.given_at) for task in result.items]
    return UnacknowledgedPage(items=items, total=result.total, page=query.page, per_page=query.per_page)

def directive_tasks_json(directive: Directive, user: User) -> list[dict]:
    """The `tasks` of a directive as the API gives it (directives/api.py): those `user` may see."""
    rows = db.session.execute(task_rows_query(user, TaskFilters(directive_id=directive.id), today(), _due_soon_days()))
    return [task_out(row.Task, row.status, row.due_soon).model_dump(mode="json") for row in rows]
